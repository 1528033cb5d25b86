//! `EnumLabel`.

use crate::service::labels;
use async_graphql::Object;

/// GraphQL view of one label; see the `#[Object]` impl for the published description.
pub struct EnumLabel(pub labels::EnumLabel);

/// How to show one enum value of this schema in one language.
#[Object]
impl EnumLabel {
    /// The enum's name in this schema, such as `ExamType`.
    #[graphql(name = "enum")]
    async fn enum_name(&self) -> &str {
        self.0.enum_name
    }

    /// The value as this schema writes it, such as `KENNTNISPRUEFUNG`.
    async fn value(&self) -> &str {
        self.0.value
    }

    /// The label in the language asked for, such as `Kenntnisprüfung`.
    async fn label(&self) -> &str {
        self.0.label
    }
}
