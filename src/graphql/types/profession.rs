//! `Profession`.

use crate::graphql::id::{self, NodeType};
use crate::graphql::reference;
use async_graphql::{Context, ID, Object, Result};
use entity::enums::{Lang, LanguageLevel, ProfessionRoute};
use entity::profession;

/// GraphQL view of a `profession` row; see the `#[Object]` impl for the published description.
pub struct Profession(pub profession::Model);

impl Profession {
    /// The professions with these keys, in the order given; unknown keys are skipped.
    pub fn all_of(ctx: &Context<'_>, keys: &[String]) -> Result<Vec<Profession>> {
        let catalog = &reference(ctx)?.professions;
        Ok(keys
            .iter()
            .filter_map(|k| catalog.get(k))
            .map(|p| Profession(p.clone()))
            .collect())
    }
}

/// A regulated health profession, with its occupation codes and the route to the right to practise it.
#[Object]
impl Profession {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Profession, &self.0.key)
    }

    /// Stable key such as `nurse` or `physician`; use it in filters and inputs.
    async fn key(&self) -> &str {
        &self.0.key
    }

    /// Professional title in the given language.
    async fn label(
        &self,
        #[graphql(default, desc = "Language of the label (default English).")] lang: Lang,
    ) -> &str {
        match lang {
            Lang::De => &self.0.title_de,
            Lang::En => &self.0.title_en,
            Lang::Sv => &self.0.title_sv,
        }
    }

    /// Code in the German Klassifikation der Berufe 2010 (KldB).
    async fn kldb_code(&self) -> &str {
        &self.0.kldb_code
    }

    /// Code in the Swedish Standard för svensk yrkesklassificering 2012 (SSYK); none where the profession is not regulated in Sweden.
    async fn ssyk_code(&self) -> Option<&str> {
        self.0.ssyk_code.as_deref()
    }

    /// Route to the right to practise in Germany.
    async fn german_route(&self) -> ProfessionRoute {
        self.0.route_de
    }

    /// Route to the right to practise in Sweden; none where the profession is not regulated there.
    async fn swedish_route(&self) -> Option<ProfessionRoute> {
        self.0.route_se
    }

    /// General language level required for the licence.
    async fn language_level(&self) -> LanguageLevel {
        self.0.language_level
    }

    /// Whether a specialist-language exam (Fachsprachprüfung, C1) at the chamber is required in Germany.
    async fn specialist_language_exam_required(&self) -> bool {
        self.0.specialist_language_exam
    }
}
