//! `labels`.

use crate::graphql::types::label::EnumLabel;
use crate::service::labels;
use async_graphql::{Object, Result};
use entity::enums::Lang;

#[derive(Default)]
pub struct LabelQuery;

#[Object]
impl LabelQuery {
    /// How to show the values of this schema's enums in German, English or Swedish: every value of every enum, or of the enums named, by enum name and then in the schema's order. Reference data: no token needed.
    async fn labels(
        &self,
        #[graphql(default, desc = "Language of the labels (default English).")] lang: Lang,
        #[graphql(
            desc = "Only the values of these enums (`ExamType`, `CaseStatus`…); an unknown name is a `BAD_USER_INPUT` error."
        )]
        enums: Option<Vec<String>>,
    ) -> Result<Vec<EnumLabel>> {
        Ok(labels::all(lang, enums.as_deref())?
            .into_iter()
            .map(EnumLabel)
            .collect())
    }
}
