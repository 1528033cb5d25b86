//! Collegial case consultation: consultation groups and their member organisations,
//! the consultations members open (linked to a recognition case or describing an
//! anonymous situation), and the thread of answers of each.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the groups with their members, consultations and threads.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("consultation_answer"),
    Removal::Table("consultation"),
    Removal::Table("consultation_group_member"),
    Removal::Table("consultation_group"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecognitionCase {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Profession {
    Table,
    Key,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsultationGroup {
    Table,
    Id,
    Name,
    ConvenerId,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsultationGroupMember {
    Table,
    GroupId,
    OrganisationId,
    AddedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consultation {
    Table,
    Id,
    GroupId,
    OpenedById,
    OpenedByClient,
    CaseId,
    ProfessionKey,
    CountryOfTraining,
    Stage,
    Problem,
    Question,
    Status,
    NextSteps,
    ResolvedAt,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum ConsultationAnswer {
    Table,
    Id,
    ConsultationId,
    OrganisationId,
    ClientId,
    Text,
    CreatedAt,
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
        use ConsultationGroup as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(big_pk_auto(G::Id))
                    .col(string_len(G::Name, 200))
                    .col(big_integer(G::ConvenerId))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .col(timestamp_with_time_zone(G::UpdatedAt))
                    .col(integer(G::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_consultation_group_convener",
                        (G::Table, G::ConvenerId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        use ConsultationGroupMember as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(big_integer(M::GroupId))
                    .col(big_integer(M::OrganisationId))
                    .col(timestamp_with_time_zone(M::AddedAt))
                    .primary_key(Index::create().col(M::GroupId).col(M::OrganisationId))
                    .foreign_key(&mut fk(
                        "fk_consultation_group_member_group",
                        (M::Table, M::GroupId),
                        (G::Table, G::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consultation_group_member_organisation",
                        (M::Table, M::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Every visibility rule of the domain starts from "the groups of organisation X".
        manager
            .create_index(index(
                "idx_consultation_group_member_organisation",
                M::Table,
                &[M::OrganisationId, M::GroupId],
            ))
            .await?;

        use Consultation as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(big_pk_auto(C::Id))
                    .col(big_integer(C::GroupId))
                    .col(big_integer(C::OpenedById))
                    .col(string_len_null(C::OpenedByClient, 128))
                    .col(big_integer_null(C::CaseId))
                    .col(string_len_null(C::ProfessionKey, 32))
                    .col(string_len_null(C::CountryOfTraining, 2))
                    .col(string_len_null(C::Stage, 20))
                    .col(string_len(C::Problem, 24))
                    .col(text(C::Question))
                    .col(string_len(C::Status, 10))
                    .col(text_null(C::NextSteps))
                    .col(timestamp_with_time_zone_null(C::ResolvedAt))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .col(integer(C::Version).default(1))
                    .foreign_key(&mut fk(
                        "fk_consultation_group",
                        (C::Table, C::GroupId),
                        (G::Table, G::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consultation_opened_by",
                        (C::Table, C::OpenedById),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consultation_case",
                        (C::Table, C::CaseId),
                        (RecognitionCase::Table, RecognitionCase::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consultation_profession",
                        (C::Table, C::ProfessionKey),
                        (Profession::Table, Profession::Key),
                    ))
                    .to_owned(),
            )
            .await?;
        // A group's consultations by id, with or without the status filter.
        for (name, cols) in [
            ("idx_consultation_group", &[C::GroupId, C::Id][..]),
            (
                "idx_consultation_group_status",
                &[C::GroupId, C::Status, C::Id][..],
            ),
            ("idx_consultation_case", &[C::CaseId][..]),
        ] {
            manager.create_index(index(name, C::Table, cols)).await?;
        }

        use ConsultationAnswer as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(big_pk_auto(A::Id))
                    .col(big_integer(A::ConsultationId))
                    .col(big_integer(A::OrganisationId))
                    .col(string_len_null(A::ClientId, 128))
                    .col(text(A::Text))
                    .col(timestamp_with_time_zone(A::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_consultation_answer_consultation",
                        (A::Table, A::ConsultationId),
                        (C::Table, C::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_consultation_answer_organisation",
                        (A::Table, A::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_consultation_answer_consultation",
                A::Table,
                &[A::ConsultationId, A::Id],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ConsultationAnswer::Table.into_iden(),
            Consultation::Table.into_iden(),
            ConsultationGroupMember::Table.into_iden(),
            ConsultationGroup::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
