//! The network's own events: information events, network meetings, workshops,
//! trainings and qualification series (whose modules are events of their own), the
//! participants partner organisations register for them, and attendance per event or
//! module.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the events with their registrations and attendance.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("event_attendance"),
    Removal::Table("event_registration"),
    Removal::Table("network_event"),
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
enum NetworkEvent {
    Table,
    Id,
    OrganiserId,
    SeriesId,
    ModuleNo,
    Kind,
    Title,
    Description,
    AudienceKinds,
    AudienceRoles,
    RegionCode,
    StartDate,
    EndDate,
    FullDay,
    Online,
    Place,
    SeatsMax,
    SeatsTaken,
    WaitlistLength,
    RegistrationDeadline,
    Status,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum EventRegistration {
    Table,
    Id,
    EventId,
    OrganisationId,
    ParticipantName,
    ParticipantEmail,
    Status,
    WaitlistPosition,
    ErasedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum EventAttendance {
    Table,
    RegistrationId,
    EventId,
    Attended,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use NetworkEvent as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(big_pk_auto(E::Id))
                    .col(big_integer(E::OrganiserId))
                    .col(big_integer_null(E::SeriesId))
                    .col(integer_null(E::ModuleNo))
                    .col(string_len(E::Kind, 20))
                    .col(string_len(E::Title, 200))
                    .col(text(E::Description))
                    .col(json(E::AudienceKinds))
                    .col(json(E::AudienceRoles))
                    .col(string_len(E::RegionCode, 10))
                    .col(date(E::StartDate))
                    .col(date(E::EndDate))
                    .col(boolean(E::FullDay))
                    .col(boolean(E::Online))
                    .col(string_len_null(E::Place, 200))
                    .col(integer(E::SeatsMax))
                    .col(integer(E::SeatsTaken).default(0))
                    .col(integer(E::WaitlistLength).default(0))
                    .col(date_null(E::RegistrationDeadline))
                    .col(string_len(E::Status, 16))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .col(integer(E::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_network_event_organiser")
                            .from(E::Table, E::OrganiserId)
                            .to(Organisation::Table, Organisation::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_network_event_series")
                            .from(E::Table, E::SeriesId)
                            .to(E::Table, E::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_network_event_region")
                            .from(E::Table, E::RegionCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_network_event_start")
                    .table(E::Table)
                    .col(E::StartDate)
                    .col(E::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_network_event_series")
                    .table(E::Table)
                    .col(E::SeriesId)
                    .col(E::ModuleNo)
                    .to_owned(),
            )
            .await?;

        use EventRegistration as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(big_pk_auto(R::Id))
                    .col(big_integer(R::EventId))
                    .col(big_integer(R::OrganisationId))
                    .col(string_len_null(R::ParticipantName, 200))
                    .col(string_len_null(R::ParticipantEmail, 254))
                    .col(string_len(R::Status, 16))
                    .col(integer_null(R::WaitlistPosition))
                    .col(timestamp_with_time_zone_null(R::ErasedAt))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .col(integer(R::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_registration_event")
                            .from(R::Table, R::EventId)
                            .to(E::Table, E::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_registration_organisation")
                            .from(R::Table, R::OrganisationId)
                            .to(Organisation::Table, Organisation::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_registration_event")
                    .table(R::Table)
                    .col(R::EventId)
                    .col(R::Status)
                    .col(R::WaitlistPosition)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_event_registration_organisation")
                    .table(R::Table)
                    .col(R::OrganisationId)
                    .to_owned(),
            )
            .await?;

        use EventAttendance as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_integer(A::RegistrationId))
                    .col(big_integer(A::EventId))
                    .col(boolean(A::Attended))
                    .col(timestamp_with_time_zone(A::RecordedAt))
                    .primary_key(Index::create().col(A::RegistrationId).col(A::EventId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_attendance_registration")
                            .from(A::Table, A::RegistrationId)
                            .to(R::Table, R::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_attendance_event")
                            .from(A::Table, A::EventId)
                            .to(E::Table, E::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EventAttendance::Table.into_iden(),
            EventRegistration::Table.into_iden(),
            NetworkEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
