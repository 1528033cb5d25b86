//! Municipal advisory requests: a municipality asks an advisory service for help with
//! ambulatory medical care (a GP practice to fill, an MVZ to found), and the timeline of
//! every change of such a request.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the requests with their timelines.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("advisory_request_event"),
    Removal::Table("advisory_request"),
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
enum AdvisoryRequest {
    Table,
    Id,
    MunicipalityId,
    AdvisoryServiceId,
    ReferredToId,
    Topic,
    DistrictCode,
    Urgency,
    Description,
    Status,
    Answer,
    Note,
    SubmittedOn,
    DueOn,
    RespondedOn,
    ClosedOn,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum AdvisoryRequestEvent {
    Table,
    Id,
    RequestId,
    At,
    FromStatus,
    ToStatus,
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
        use AdvisoryRequest as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(big_integer(A::MunicipalityId))
                    .col(big_integer(A::AdvisoryServiceId))
                    .col(big_integer_null(A::ReferredToId))
                    .col(string_len(A::Topic, 40))
                    .col(string_len(A::DistrictCode, 10))
                    .col(string_len(A::Urgency, 10))
                    .col(text(A::Description))
                    .col(string_len(A::Status, 20))
                    .col(text_null(A::Answer))
                    .col(text_null(A::Note))
                    .col(date(A::SubmittedOn))
                    .col(date(A::DueOn))
                    .col(date_null(A::RespondedOn))
                    .col(date_null(A::ClosedOn))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .col(timestamp_with_time_zone(A::UpdatedAt))
                    .col(integer(A::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_advisory_request_municipality",
                        (A::Table, A::MunicipalityId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_advisory_request_advisory_service",
                        (A::Table, A::AdvisoryServiceId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_advisory_request_referred_to",
                        (A::Table, A::ReferredToId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_advisory_request_district",
                        (A::Table, A::DistrictCode),
                        (Region::Table, Region::Code),
                    ))
                    .to_owned(),
            )
            .await?;
        // Each party lists its requests in the order they came in; the overdue filter
        // of an advisory service reads its open requests by due day.
        for (name, cols) in [
            (
                "idx_advisory_request_municipality",
                &[A::MunicipalityId, A::Id][..],
            ),
            (
                "idx_advisory_request_advisory_service",
                &[A::AdvisoryServiceId, A::Id][..],
            ),
            (
                "idx_advisory_request_referred_to",
                &[A::ReferredToId, A::Id][..],
            ),
            (
                "idx_advisory_request_service_status_due",
                &[A::AdvisoryServiceId, A::Status, A::DueOn][..],
            ),
        ] {
            manager.create_index(index(name, A::Table, cols)).await?;
        }

        use AdvisoryRequestEvent as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(big_pk_auto(V::Id))
                    .col(big_integer(V::RequestId))
                    .col(timestamp_with_time_zone(V::At))
                    .col(string_len_null(V::FromStatus, 20))
                    .col(string_len(V::ToStatus, 20))
                    .col(big_integer_null(V::OrganisationId))
                    .col(string_len_null(V::ClientId, 128))
                    .col(text_null(V::Note))
                    .foreign_key(&mut fk(
                        "fk_advisory_request_event_request",
                        (V::Table, V::RequestId),
                        (A::Table, A::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_advisory_request_event_request",
                V::Table,
                &[V::RequestId, V::Id],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AdvisoryRequestEvent::Table.into_iden(),
            AdvisoryRequest::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
