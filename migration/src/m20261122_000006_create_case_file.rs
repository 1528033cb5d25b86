//! The shared case file: candidates (pseudonymous) and their personal data (apart),
//! consents, recognition cases with their timeline and decision, and the audit log of
//! personal-data access.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the case file: candidates, their personal data and consents,
/// recognition cases with decisions and timelines, and the audit log.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("audit_entry"),
    Removal::Table("case_event"),
    Removal::Table("decision"),
    Removal::Table("recognition_case"),
    Removal::Table("consent"),
    Removal::Table("candidate_personal"),
    Removal::Table("candidate"),
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
    Code,
    CountryOfTraining,
    ProfessionKey,
    LanguageLevel,
    RegionCode,
    AdvisoryId,
    ErasedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum CandidatePersonal {
    Table,
    CandidateId,
    GivenName,
    FamilyName,
    BirthDate,
    Email,
    Phone,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consent {
    Table,
    Id,
    CandidateId,
    OrganisationId,
    Purpose,
    GrantedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecognitionCase {
    Table,
    Id,
    CandidateId,
    ProfessionKey,
    AuthorityId,
    LegalBasis,
    Origin,
    FastTrack,
    Status,
    SubmittedOn,
    CompleteOn,
    DueOn,
    DecidedOn,
    MissingDocuments,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum Decision {
    Table,
    Id,
    CaseId,
    Outcome,
    DeficitAreas,
    Measures,
    DecidedOn,
    Note,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum CaseEvent {
    Table,
    Id,
    CaseId,
    At,
    Kind,
    OrganisationId,
    ClientId,
    FromStatus,
    ToStatus,
    Note,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEntry {
    Table,
    Id,
    At,
    Action,
    CandidateId,
    OrganisationId,
    ClientId,
    Fields,
    Operation,
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
        use Candidate as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(big_pk_auto(C::Id))
                    .col(string_len_uniq(C::Code, 16))
                    .col(string_len(C::CountryOfTraining, 2))
                    .col(string_len(C::ProfessionKey, 32))
                    .col(string_len_null(C::LanguageLevel, 2))
                    .col(string_len(C::RegionCode, 16))
                    .col(big_integer(C::AdvisoryId))
                    .col(timestamp_with_time_zone_null(C::ErasedAt))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .col(integer(C::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_candidate_advisory",
                        (C::Table, C::AdvisoryId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_candidate_profession",
                        (C::Table, C::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .foreign_key(&mut fk(
                        "fk_candidate_region",
                        (C::Table, C::RegionCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_candidate_advisory", &[C::AdvisoryId, C::Id][..]),
            ("idx_candidate_profession", &[C::ProfessionKey, C::Id][..]),
            ("idx_candidate_region", &[C::RegionCode, C::Id][..]),
            ("idx_candidate_country", &[C::CountryOfTraining, C::Id][..]),
        ] {
            manager.create_index(index(name, C::Table, cols)).await?;
        }

        use CandidatePersonal as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_integer(P::CandidateId).primary_key())
                    .col(string_len(P::GivenName, 100))
                    .col(string_len(P::FamilyName, 100))
                    .col(date_null(P::BirthDate))
                    .col(string_len_null(P::Email, 200))
                    .col(string_len_null(P::Phone, 50))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .foreign_key(
                        fk(
                            "fk_candidate_personal_candidate",
                            (P::Table, P::CandidateId),
                            (C::Table, C::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        use Consent as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(big_pk_auto(K::Id))
                    .col(big_integer(K::CandidateId))
                    .col(big_integer(K::OrganisationId))
                    .col(string_len(K::Purpose, 16))
                    .col(timestamp_with_time_zone(K::GrantedAt))
                    .col(timestamp_with_time_zone_null(K::RevokedAt))
                    .foreign_key(&mut fk(
                        "fk_consent_candidate",
                        (K::Table, K::CandidateId),
                        (C::Table, C::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consent_organisation",
                        (K::Table, K::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Visibility asks "which candidates has this organisation a live consent for".
        manager
            .create_index(index(
                "idx_consent_organisation",
                K::Table,
                &[K::OrganisationId, K::CandidateId],
            ))
            .await?;
        manager
            .create_index(index("idx_consent_candidate", K::Table, &[K::CandidateId]))
            .await?;

        use RecognitionCase as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::CandidateId))
                    .col(string_len(R::ProfessionKey, 32))
                    .col(big_integer(R::AuthorityId))
                    .col(string_len(R::LegalBasis, 100))
                    .col(string_len(R::Origin, 16))
                    .col(boolean(R::FastTrack))
                    .col(string_len(R::Status, 20))
                    .col(date(R::SubmittedOn))
                    .col(date_null(R::CompleteOn))
                    .col(date_null(R::DueOn))
                    .col(date_null(R::DecidedOn))
                    .col(json(R::MissingDocuments))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .col(integer(R::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_case_candidate",
                        (R::Table, R::CandidateId),
                        (C::Table, C::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_case_authority",
                        (R::Table, R::AuthorityId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_case_profession",
                        (R::Table, R::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_case_candidate", &[R::CandidateId, R::Id][..]),
            ("idx_case_authority", &[R::AuthorityId, R::Id][..]),
            ("idx_case_status", &[R::Status, R::Id][..]),
            ("idx_case_profession", &[R::ProfessionKey, R::Id][..]),
            ("idx_case_due", &[R::DueOn, R::Id][..]),
        ] {
            manager.create_index(index(name, R::Table, cols)).await?;
        }

        use Decision as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(big_pk_auto(D::Id))
                    .col(big_integer_uniq(D::CaseId))
                    .col(string_len(D::Outcome, 16))
                    .col(json(D::DeficitAreas))
                    .col(json(D::Measures))
                    .col(date(D::DecidedOn))
                    .col(text_null(D::Note))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_decision_case",
                        (D::Table, D::CaseId),
                        (R::Table, R::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        use CaseEvent as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(big_integer(E::CaseId))
                    .col(timestamp_with_time_zone(E::At))
                    .col(string_len(E::Kind, 24))
                    .col(big_integer_null(E::OrganisationId))
                    .col(string_len_null(E::ClientId, 128))
                    .col(string_len_null(E::FromStatus, 20))
                    .col(string_len_null(E::ToStatus, 20))
                    .col(text_null(E::Note))
                    .foreign_key(&mut fk(
                        "fk_case_event_case",
                        (E::Table, E::CaseId),
                        (R::Table, R::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_case_event_case", E::Table, &[E::CaseId, E::Id]))
            .await?;

        use AuditEntry as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(timestamp_with_time_zone(A::At))
                    .col(string_len(A::Action, 16))
                    .col(big_integer(A::CandidateId))
                    .col(big_integer_null(A::OrganisationId))
                    .col(string_len(A::ClientId, 128))
                    .col(string_len(A::Fields, 200))
                    .col(string_len(A::Operation, 200))
                    .foreign_key(&mut fk(
                        "fk_audit_candidate",
                        (A::Table, A::CandidateId),
                        (C::Table, C::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_audit_candidate",
                A::Table,
                &[A::CandidateId, A::Id],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEntry::Table.into_iden(),
            CaseEvent::Table.into_iden(),
            Decision::Table.into_iden(),
            RecognitionCase::Table.into_iden(),
            Consent::Table.into_iden(),
            CandidatePersonal::Table.into_iden(),
            Candidate::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
