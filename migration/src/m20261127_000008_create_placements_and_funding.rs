//! Employers and funders: the regions a candidate would move or commute to, placement offers (jobs, Praxiseinsätze, praktisk
//! tjänstgöring) with their professions, referrals of candidates to them, funding
//! programmes with their professions, and funding applications with their history.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops offers, referrals, programmes and applications with their
/// history.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("funding_application_event"),
    Removal::Table("funding_application"),
    Removal::Table("funding_programme_profession"),
    Removal::Table("funding_programme"),
    Removal::Table("referral"),
    Removal::Table("placement_offer_profession"),
    Removal::Table("placement_offer"),
    Removal::Table("candidate_region"),
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
enum CandidateRegion {
    Table,
    CandidateId,
    RegionCode,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consent {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlacementOffer {
    Table,
    Id,
    EmployerId,
    OfferType,
    Title,
    EmployerType,
    RegionCode,
    City,
    StartDate,
    DurationMonths,
    Slots,
    SlotsTaken,
    LanguageLevel,
    SupervisorRole,
    SupervisionHours,
    SalaryMinMinor,
    SalaryMaxMinor,
    Currency,
    Status,
    ClosingReason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum PlacementOfferProfession {
    Table,
    OfferId,
    ProfessionKey,
}

#[derive(DeriveIden, Clone, Copy)]
enum Referral {
    Table,
    Id,
    OfferId,
    CandidateId,
    ReferredBy,
    ConsentId,
    Status,
    Reason,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum FundingProgramme {
    Table,
    Id,
    FunderId,
    Name,
    Year,
    Currency,
    BudgetMinor,
    CommittedMinor,
    PaidMinor,
    CostTypes,
    Origin,
    RegionCode,
    OpensOn,
    ClosesOn,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum FundingProgrammeProfession {
    Table,
    ProgrammeId,
    ProfessionKey,
}

#[derive(DeriveIden, Clone, Copy)]
enum FundingApplication {
    Table,
    Id,
    ProgrammeId,
    EmployerId,
    CandidateId,
    ReferralId,
    Status,
    Months,
    Currency,
    MonthlySalaryMinor,
    MonthlySupervisorFeeMinor,
    OtherCosts,
    RequestedMinor,
    GrantedMinor,
    PaidMinor,
    Note,
    SubmittedOn,
    DecidedOn,
    FollowUpDueOn,
    MonthsCompleted,
    Outcome,
    FollowUpOn,
    PaidOn,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum FundingApplicationEvent {
    Table,
    Id,
    ApplicationId,
    At,
    FromStatus,
    ToStatus,
    AmountMinor,
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
        use CandidateRegion as CR;
        manager
            .create_table(
                Table::create()
                    .table(CR::Table)
                    .col(big_integer(CR::CandidateId))
                    .col(string_len(CR::RegionCode, 16))
                    .primary_key(Index::create().col(CR::CandidateId).col(CR::RegionCode))
                    .foreign_key(&mut fk(
                        "fk_candidate_region_candidate",
                        (CR::Table, CR::CandidateId),
                        (Candidate::Table, Candidate::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_candidate_region_region",
                        (CR::Table, CR::RegionCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;

        use PlacementOffer as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(big_pk_auto(O::Id))
                    .col(big_integer(O::EmployerId))
                    .col(string_len(O::OfferType, 32))
                    .col(string_len(O::Title, 200))
                    .col(string_len_null(O::EmployerType, 16))
                    .col(string_len(O::RegionCode, 16))
                    .col(string_len(O::City, 100))
                    .col(date(O::StartDate))
                    .col(integer(O::DurationMonths))
                    .col(integer(O::Slots))
                    .col(integer(O::SlotsTaken).default(0))
                    .col(string_len_null(O::LanguageLevel, 2))
                    .col(string_len_null(O::SupervisorRole, 200))
                    .col(integer_null(O::SupervisionHours))
                    .col(big_integer_null(O::SalaryMinMinor))
                    .col(big_integer_null(O::SalaryMaxMinor))
                    .col(string_len_null(O::Currency, 3))
                    .col(string_len(O::Status, 16))
                    .col(text_null(O::ClosingReason))
                    .col(timestamp_with_time_zone(O::CreatedAt))
                    .col(timestamp_with_time_zone(O::UpdatedAt))
                    .col(integer(O::Version).default(1))
                    // The promise the offer makes: never more accepted than offered.
                    .check(Expr::cust("slots_taken >= 0 AND slots_taken <= slots"))
                    .foreign_key(&mut fk(
                        "fk_placement_offer_employer",
                        (O::Table, O::EmployerId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_placement_offer_region",
                        (O::Table, O::RegionCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        // Every filter and the sort of the catalogue have an index ending in
        // (start_date, id).
        for (name, cols) in [
            ("idx_placement_offer_start", &[O::StartDate, O::Id][..]),
            (
                "idx_placement_offer_employer_start",
                &[O::EmployerId, O::StartDate, O::Id][..],
            ),
            (
                "idx_placement_offer_type_start",
                &[O::OfferType, O::StartDate, O::Id][..],
            ),
            (
                "idx_placement_offer_region_start",
                &[O::RegionCode, O::StartDate, O::Id][..],
            ),
        ] {
            manager.create_index(index(name, O::Table, cols)).await?;
        }

        use PlacementOfferProfession as OP;
        manager
            .create_table(
                Table::create()
                    .table(OP::Table)
                    .col(big_integer(OP::OfferId))
                    .col(string_len(OP::ProfessionKey, 32))
                    .primary_key(Index::create().col(OP::OfferId).col(OP::ProfessionKey))
                    .foreign_key(
                        fk(
                            "fk_placement_offer_profession_offer",
                            (OP::Table, OP::OfferId),
                            (O::Table, O::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_placement_offer_profession_profession",
                        (OP::Table, OP::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_placement_offer_profession_profession",
                OP::Table,
                &[OP::ProfessionKey, OP::OfferId],
            ))
            .await?;

        use Referral as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::OfferId))
                    .col(big_integer(R::CandidateId))
                    .col(big_integer(R::ReferredBy))
                    .col(big_integer_null(R::ConsentId))
                    .col(string_len(R::Status, 16))
                    .col(text_null(R::Reason))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .col(integer(R::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_referral_offer",
                        (R::Table, R::OfferId),
                        (O::Table, O::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_referral_candidate",
                        (R::Table, R::CandidateId),
                        (Candidate::Table, Candidate::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_referral_referred_by",
                        (R::Table, R::ReferredBy),
                        (Organisation::Table, Organisation::Id),
                    ))
                    // Erasing a candidate deletes the consents; the referral stays, as
                    // a pseudonymous fact, without one.
                    .foreign_key(
                        fk(
                            "fk_referral_consent",
                            (R::Table, R::ConsentId),
                            (Consent::Table, Consent::Id),
                        )
                        .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_referral_offer", &[R::OfferId, R::Id][..]),
            ("idx_referral_candidate", &[R::CandidateId, R::Id][..]),
        ] {
            manager.create_index(index(name, R::Table, cols)).await?;
        }
        // One live referral per candidate and offer, whatever races.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_referral_live ON referral (candidate_id, offer_id) \
                 WHERE status IN ('REFERRED', 'ACCEPTED', 'HIRED')",
            )
            .await?;

        use FundingProgramme as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(big_pk_auto(P::Id))
                    .col(big_integer(P::FunderId))
                    .col(string_len(P::Name, 200))
                    .col(integer(P::Year))
                    .col(string_len(P::Currency, 3))
                    .col(big_integer(P::BudgetMinor))
                    .col(big_integer(P::CommittedMinor).default(0))
                    .col(big_integer(P::PaidMinor).default(0))
                    .col(json(P::CostTypes))
                    .col(string_len_null(P::Origin, 16))
                    .col(string_len_null(P::RegionCode, 16))
                    .col(date(P::OpensOn))
                    .col(date(P::ClosesOn))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .col(timestamp_with_time_zone(P::UpdatedAt))
                    .col(integer(P::Version).default(1))
                    // The promise a programme makes: never more granted than budgeted,
                    // never more paid than granted.
                    .check(Expr::cust(
                        "committed_minor >= 0 AND committed_minor <= budget_minor \
                         AND paid_minor >= 0 AND paid_minor <= committed_minor",
                    ))
                    .foreign_key(&mut fk(
                        "fk_funding_programme_funder",
                        (P::Table, P::FunderId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_funding_programme_region",
                        (P::Table, P::RegionCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_funding_programme_year",
                &[P::Year, P::OpensOn, P::Id][..],
            ),
            (
                "idx_funding_programme_funder",
                &[P::FunderId, P::Year, P::Id][..],
            ),
        ] {
            manager.create_index(index(name, P::Table, cols)).await?;
        }

        use FundingProgrammeProfession as PP;
        manager
            .create_table(
                Table::create()
                    .table(PP::Table)
                    .col(big_integer(PP::ProgrammeId))
                    .col(string_len(PP::ProfessionKey, 32))
                    .primary_key(Index::create().col(PP::ProgrammeId).col(PP::ProfessionKey))
                    .foreign_key(
                        fk(
                            "fk_funding_programme_profession_programme",
                            (PP::Table, PP::ProgrammeId),
                            (P::Table, P::Id),
                        )
                        .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut fk(
                        "fk_funding_programme_profession_profession",
                        (PP::Table, PP::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_funding_programme_profession_profession",
                PP::Table,
                &[PP::ProfessionKey, PP::ProgrammeId],
            ))
            .await?;

        use FundingApplication as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(big_integer(A::ProgrammeId))
                    .col(big_integer(A::EmployerId))
                    .col(big_integer(A::CandidateId))
                    .col(big_integer(A::ReferralId))
                    .col(string_len(A::Status, 20))
                    .col(integer(A::Months))
                    .col(string_len(A::Currency, 3))
                    .col(big_integer(A::MonthlySalaryMinor))
                    .col(big_integer(A::MonthlySupervisorFeeMinor))
                    .col(json(A::OtherCosts))
                    .col(big_integer(A::RequestedMinor))
                    .col(big_integer_null(A::GrantedMinor))
                    .col(big_integer(A::PaidMinor).default(0))
                    .col(text_null(A::Note))
                    .col(date_null(A::SubmittedOn))
                    .col(date_null(A::DecidedOn))
                    .col(date_null(A::FollowUpDueOn))
                    .col(integer_null(A::MonthsCompleted))
                    .col(string_len_null(A::Outcome, 20))
                    .col(date_null(A::FollowUpOn))
                    .col(date_null(A::PaidOn))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .col(timestamp_with_time_zone(A::UpdatedAt))
                    .col(integer(A::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_funding_application_programme",
                        (A::Table, A::ProgrammeId),
                        (P::Table, P::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_funding_application_employer",
                        (A::Table, A::EmployerId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_funding_application_candidate",
                        (A::Table, A::CandidateId),
                        (Candidate::Table, Candidate::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_funding_application_referral",
                        (A::Table, A::ReferralId),
                        (R::Table, R::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // One application per placement and programme unless an earlier one was
        // rejected, whatever races.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_funding_application_live \
                 ON funding_application (referral_id, programme_id) WHERE status <> 'REJECTED'",
            )
            .await?;
        for (name, cols) in [
            (
                "idx_funding_application_programme",
                &[A::ProgrammeId, A::Id][..],
            ),
            (
                "idx_funding_application_employer",
                &[A::EmployerId, A::Id][..],
            ),
            (
                "idx_funding_application_candidate",
                &[A::CandidateId, A::Id][..],
            ),
        ] {
            manager.create_index(index(name, A::Table, cols)).await?;
        }

        use FundingApplicationEvent as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(big_pk_auto(V::Id))
                    .col(big_integer(V::ApplicationId))
                    .col(timestamp_with_time_zone(V::At))
                    .col(string_len_null(V::FromStatus, 20))
                    .col(string_len(V::ToStatus, 20))
                    .col(big_integer_null(V::AmountMinor))
                    .col(big_integer_null(V::OrganisationId))
                    .col(string_len_null(V::ClientId, 128))
                    .col(text_null(V::Note))
                    .foreign_key(&mut fk(
                        "fk_funding_application_event_application",
                        (V::Table, V::ApplicationId),
                        (A::Table, A::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_funding_application_event_application",
                V::Table,
                &[V::ApplicationId, V::Id],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FundingApplicationEvent::Table.into_iden(),
            FundingApplication::Table.into_iden(),
            FundingProgrammeProfession::Table.into_iden(),
            FundingProgramme::Table.into_iden(),
            Referral::Table.into_iden(),
            PlacementOfferProfession::Table.into_iden(),
            PlacementOffer::Table.into_iden(),
            CandidateRegion::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
