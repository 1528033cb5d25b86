//! Seats: exam sessions (with the professions each is for), enrolments of candidates
//! into course runs and exam sessions with their history, and the waitlist counter of
//! course runs.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops exam sessions and every enrolment with its history, and the
/// course runs' waitlist counter.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("enrolment_event"),
    Removal::Table("enrolment"),
    Removal::Table("exam_session_profession"),
    Removal::Table("exam_session"),
    Removal::Column {
        table: "course_run",
        column: "waitlist_length",
    },
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Region {
    Table,
    Code,
}

#[derive(DeriveIden, Clone, Copy)]
enum Profession {
    Table,
    Key,
}

#[derive(DeriveIden, Clone, Copy)]
enum Candidate {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseRun {
    Table,
    Id,
    WaitlistLength,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExamSession {
    Table,
    Id,
    OrganisationId,
    ExamType,
    Date,
    Format,
    RegionCode,
    City,
    SeatsMax,
    SeatsTaken,
    WaitlistLength,
    RegistrationDeadline,
    FeeMinor,
    Currency,
    Status,
    CancellationReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExamSessionProfession {
    Table,
    SessionId,
    ProfessionKey,
}

#[derive(DeriveIden, Clone, Copy)]
enum Enrolment {
    Table,
    Id,
    CandidateId,
    CourseRunId,
    ExamSessionId,
    Status,
    WaitlistPosition,
    Reason,
    RequestedBy,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum EnrolmentEvent {
    Table,
    Id,
    EnrolmentId,
    CandidateId,
    At,
    FromStatus,
    ToStatus,
    WaitlistPosition,
    OrganisationId,
    ClientId,
    Note,
}

fn index<T: IntoIden + Copy + 'static>(name: &str, table: T, cols: &[T]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

fn fk<T: IntoIden + Copy + 'static, U: IntoIden + Copy + 'static>(
    name: &str,
    from: (T, T),
    to: (U, U),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .add_column(integer(CourseRun::WaitlistLength).default(0))
                    .to_owned(),
            )
            .await?;

        use ExamSession as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(big_pk_auto(S::Id))
                    .col(big_integer(S::OrganisationId))
                    .col(string_len(S::ExamType, 32))
                    .col(date(S::Date))
                    .col(string_len(S::Format, 16))
                    .col(string_len(S::RegionCode, 16))
                    .col(string_len(S::City, 100))
                    .col(integer(S::SeatsMax))
                    .col(integer(S::SeatsTaken).default(0))
                    .col(integer(S::WaitlistLength).default(0))
                    .col(date_null(S::RegistrationDeadline))
                    .col(big_integer(S::FeeMinor))
                    .col(string_len(S::Currency, 3))
                    .col(string_len(S::Status, 16))
                    .col(text_null(S::CancellationReason))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .col(integer(S::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_exam_session_organisation",
                        (S::Table, S::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_exam_session_region",
                        (S::Table, S::RegionCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        // Every filter and the sort of the catalogue have an index ending in (date, id).
        for (name, cols) in [
            ("idx_exam_session_date", &[S::Date, S::Id][..]),
            (
                "idx_exam_session_organisation_date",
                &[S::OrganisationId, S::Date, S::Id][..],
            ),
            (
                "idx_exam_session_type_date",
                &[S::ExamType, S::Date, S::Id][..],
            ),
            (
                "idx_exam_session_region_date",
                &[S::RegionCode, S::Date, S::Id][..],
            ),
        ] {
            manager.create_index(index(name, S::Table, cols)).await?;
        }

        use ExamSessionProfession as SP;
        manager
            .create_table(
                Table::create()
                    .table(SP::Table)
                    .col(big_integer(SP::SessionId))
                    .col(string_len(SP::ProfessionKey, 32))
                    .primary_key(Index::create().col(SP::SessionId).col(SP::ProfessionKey))
                    .foreign_key(
                        fk(
                            "fk_exam_session_profession_session",
                            (SP::Table, SP::SessionId),
                            (S::Table, S::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_exam_session_profession_profession",
                        (SP::Table, SP::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_exam_session_profession_profession",
                SP::Table,
                &[SP::ProfessionKey, SP::SessionId],
            ))
            .await?;

        use Enrolment as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(big_integer(E::CandidateId))
                    .col(big_integer_null(E::CourseRunId))
                    .col(big_integer_null(E::ExamSessionId))
                    .col(string_len(E::Status, 16))
                    .col(integer_null(E::WaitlistPosition))
                    .col(text_null(E::Reason))
                    .col(big_integer(E::RequestedBy))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .col(integer(E::Version).default(1))
                    // Exactly one target: a run or a session.
                    .check(Expr::cust(
                        "(course_run_id IS NULL) <> (exam_session_id IS NULL)",
                    ))
                    .foreign_key(&mut fk(
                        "fk_enrolment_candidate",
                        (E::Table, E::CandidateId),
                        (Candidate::Table, Candidate::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_enrolment_course_run",
                        (E::Table, E::CourseRunId),
                        (CourseRun::Table, CourseRun::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_enrolment_exam_session",
                        (E::Table, E::ExamSessionId),
                        (S::Table, S::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_enrolment_requested_by",
                        (E::Table, E::RequestedBy),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_enrolment_candidate", &[E::CandidateId, E::Id][..]),
            ("idx_enrolment_course_run", &[E::CourseRunId, E::Id][..]),
            ("idx_enrolment_exam_session", &[E::ExamSessionId, E::Id][..]),
            (
                "idx_enrolment_course_run_waitlist",
                &[E::CourseRunId, E::Status, E::WaitlistPosition][..],
            ),
            (
                "idx_enrolment_exam_session_waitlist",
                &[E::ExamSessionId, E::Status, E::WaitlistPosition][..],
            ),
        ] {
            manager.create_index(index(name, E::Table, cols)).await?;
        }
        // One live enrolment per candidate and run or session, whatever races.
        for (name, target) in [
            ("uq_enrolment_live_course_run", "course_run_id"),
            ("uq_enrolment_live_exam_session", "exam_session_id"),
        ] {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE UNIQUE INDEX {name} ON enrolment (candidate_id, {target}) \
                     WHERE status IN ('CONFIRMED', 'WAITLISTED') AND {target} IS NOT NULL"
                ))
                .await?;
        }

        use EnrolmentEvent as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(big_pk_auto(V::Id))
                    .col(big_integer(V::EnrolmentId))
                    .col(big_integer(V::CandidateId))
                    .col(timestamp_with_time_zone(V::At))
                    .col(string_len_null(V::FromStatus, 16))
                    .col(string_len(V::ToStatus, 16))
                    .col(integer_null(V::WaitlistPosition))
                    .col(big_integer_null(V::OrganisationId))
                    .col(string_len_null(V::ClientId, 128))
                    .col(text_null(V::Note))
                    .foreign_key(&mut fk(
                        "fk_enrolment_event_enrolment",
                        (V::Table, V::EnrolmentId),
                        (E::Table, E::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_enrolment_event_enrolment",
                &[V::EnrolmentId, V::Id][..],
            ),
            (
                "idx_enrolment_event_candidate",
                &[V::CandidateId, V::Id][..],
            ),
        ] {
            manager.create_index(index(name, V::Table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EnrolmentEvent::Table.into_iden(),
            Enrolment::Table.into_iden(),
            ExamSessionProfession::Table.into_iden(),
            ExamSession::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .drop_column(CourseRun::WaitlistLength)
                    .to_owned(),
            )
            .await
    }
}
