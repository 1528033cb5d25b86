//! `organisation`: every partner of a network (schools, authorities, employers,
//! advisory centres, funders…) with its public profile.

use async_graphql::Enum;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What kind of partner an organisation is; it decides what the organisation writes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum OrganisationKind {
    /// Vocational school (Berufsfachschule, vårdutbildning) running adaptation courses and test preparation.
    #[sea_orm(string_value = "SCHOOL")]
    School,
    /// Training provider (Bildungsträger), usually AZAV-certified, running language and preparation courses.
    #[sea_orm(string_value = "PROVIDER")]
    Provider,
    /// Competent authority deciding recognition (e.g. KSV Sachsen, Landesprüfungsamt, Socialstyrelsen).
    #[sea_orm(string_value = "AUTHORITY")]
    Authority,
    /// Chamber (Ärztekammer, Zahnärztekammer, Apothekerkammer), holding specialist-language exams.
    #[sea_orm(string_value = "CHAMBER")]
    Chamber,
    /// Exam office organising knowledge tests (Kenntnisprüfung, kunskapsprov).
    #[sea_orm(string_value = "EXAM_OFFICE")]
    ExamOffice,
    /// Advisory centre (IQ advice centre, Welcome Center, Health and Care Office) counselling professionals.
    #[sea_orm(string_value = "ADVISORY")]
    Advisory,
    /// Employer offering jobs and supervised practical placements.
    #[sea_orm(string_value = "EMPLOYER")]
    Employer,
    /// Funder (region, ministry) running funding programmes.
    #[sea_orm(string_value = "FUNDER")]
    Funder,
    /// Job agency (Agentur für Arbeit, Arbeitsförmedlingen).
    #[sea_orm(string_value = "JOB_AGENCY")]
    JobAgency,
    /// Municipality or district administration.
    #[sea_orm(string_value = "MUNICIPALITY")]
    Municipality,
}

/// What kind of care an employer provides.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Enum,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum EmployerType {
    /// Hospital (Krankenhaus, sjukhus).
    #[sea_orm(string_value = "HOSPITAL")]
    Hospital,
    /// Rehabilitation clinic.
    #[sea_orm(string_value = "REHAB")]
    Rehab,
    /// Medical care centre (Medizinisches Versorgungszentrum) or health centre (vårdcentral).
    #[sea_orm(string_value = "MVZ")]
    Mvz,
    /// Inpatient care home (stationäre Pflege, särskilt boende).
    #[sea_orm(string_value = "CARE_HOME")]
    CareHome,
    /// Outpatient care service (ambulanter Pflegedienst, hemtjänst).
    #[sea_orm(string_value = "AMBULANT_CARE")]
    AmbulantCare,
    /// Practice of a physician, dentist or therapist.
    #[sea_orm(string_value = "PRACTICE")]
    Practice,
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: OrganisationKind,
    pub employer_type: Option<EmployerType>,
    pub name: String,
    /// Lower-cased name and city, for case-insensitive search on every database.
    pub search_text: String,
    pub region_code: String,
    pub city: String,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// The Bundesagentur's provider number (Trägernummer), for course providers.
    pub provider_number: Option<String>,
    /// AZAV certification of the provider valid until this date.
    pub azav_valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::region::Entity",
        from = "Column::RegionCode",
        to = "super::region::Column::Code"
    )]
    Region,
    #[sea_orm(has_many = "super::course::Entity")]
    Course,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
