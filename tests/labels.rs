//! `labels`: every value of every enum of the schema has a label in German, English and
//! Swedish, served without a token; German and Swedish use the terms of the procedures.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The enums partners and dashboards show.
const LISTED: &[&str] = &[
    "CourseType",
    "CourseFormat",
    "Schedule",
    "RunStatus",
    "FundingOption",
    "ExamType",
    "EnrolmentStatus",
    "CaseStatus",
    "CaseOrigin",
    "DecisionOutcome",
    "CompensatoryMeasure",
    "OrganisationKind",
    "EmployerType",
    "OfferType",
    "OfferStatus",
    "ReferralStatus",
    "ApplicationStatus",
    "FollowUpOutcome",
    "CostType",
    "ConsentPurpose",
    "LanguageLevel",
    "ProfessionRoute",
    "CaseEventKind",
    "AuditAction",
    "RegionLevel",
    "Lang",
];

/// The enums of the statistics, labelled by name whether or not this build serves them.
const STATISTICS: &[(&str, &[&str])] = &[
    (
        "StatisticsDimension",
        &[
            "REGION",
            "STATE",
            "PROFESSION",
            "COUNTRY_OF_TRAINING",
            "ORIGIN",
            "STATUS",
            "OUTCOME",
            "MEASURE",
            "AUTHORITY",
            "YEAR",
            "QUARTER",
        ],
    ),
    (
        "CellFlag",
        &["ROUNDED", "SUPPRESSED", "SECONDARY_SUPPRESSED"],
    ),
    (
        "FunnelStage",
        &["SUBMITTED", "DECIDED", "IN_COMPENSATION", "LICENSED"],
    ),
];

/// The values of the enum `name` by introspection; `None` when the schema has no such enum.
async fn enum_values(app: &TestApp, name: &str) -> Option<Vec<String>> {
    let data = app
        .query(
            "query($name: String!) { __type(name: $name) { kind enumValues { name } } }",
            json!({ "name": name }),
        )
        .await;
    let ty = &data["__type"];
    if ty.is_null() {
        return None;
    }
    assert_eq!(ty["kind"], "ENUM", "{name}");
    Some(
        ty["enumValues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_owned())
            .collect(),
    )
}

/// `labels` in one language, as enum → value → label.
async fn labels(app: &TestApp, lang: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let data = app
        .query(
            "query($lang: Lang!) { labels(lang: $lang) { enum value label } }",
            json!({ "lang": lang }),
        )
        .await;
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for l in data["labels"].as_array().unwrap() {
        let previous = out
            .entry(l["enum"].as_str().unwrap().to_owned())
            .or_default()
            .insert(
                l["value"].as_str().unwrap().to_owned(),
                l["label"].as_str().unwrap().to_owned(),
            );
        assert!(previous.is_none(), "{l} is listed twice");
    }
    out
}

fn values_of(labels: &BTreeMap<String, BTreeMap<String, String>>, name: &str) -> BTreeSet<String> {
    labels
        .get(name)
        .map(|values| values.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_value_of_every_listed_enum_has_a_label_in_three_languages() {
    let app = TestApp::new().await;
    let by_lang = [
        labels(&app, "DE").await,
        labels(&app, "EN").await,
        labels(&app, "SV").await,
    ];
    for lang in &by_lang {
        for values in lang.values() {
            assert!(values.values().all(|l| !l.trim().is_empty()), "{values:?}");
        }
    }
    for name in LISTED {
        let values: BTreeSet<String> = enum_values(&app, name)
            .await
            .unwrap_or_else(|| panic!("the schema has no enum {name}"))
            .into_iter()
            .collect();
        assert!(!values.is_empty(), "{name}");
        for lang in &by_lang {
            assert_eq!(values_of(lang, name), values, "labels of {name}");
        }
    }
    for (name, expected) in STATISTICS {
        let expected: BTreeSet<String> = expected.iter().map(|v| v.to_string()).collect();
        if let Some(served) = enum_values(&app, name).await {
            assert_eq!(
                served.into_iter().collect::<BTreeSet<_>>(),
                expected,
                "{name}"
            );
        }
        for lang in &by_lang {
            assert_eq!(values_of(lang, name), expected, "labels of {name}");
        }
    }
}

#[tokio::test]
async fn every_enum_of_the_schema_is_labelled() {
    let app = TestApp::new().await;
    let data = app
        .query(
            "{ __schema { types { name kind enumValues { name } } } }",
            json!({}),
        )
        .await;
    let labels = labels(&app, "EN").await;
    let mut missing = Vec::new();
    for ty in data["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if ty["kind"] != "ENUM" || name.starts_with("__") {
            continue;
        }
        for v in ty["enumValues"].as_array().unwrap() {
            let value = v["name"].as_str().unwrap();
            if !labels.get(name).is_some_and(|l| l.contains_key(value)) {
                missing.push(format!("{name}.{value}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "unlabelled (add them to src/service/labels.rs): {missing:?}"
    );
}

#[tokio::test]
async fn german_and_swedish_labels_use_the_terms_of_the_procedures() {
    let app = TestApp::new().await;
    let query = r#"query($lang: Lang!) { labels(lang: $lang, enums: ["ExamType", "CompensatoryMeasure", "CaseStatus", "OfferType", "FundingOption"]) { enum value label } }"#;
    let mut by_lang: BTreeMap<&str, BTreeMap<(String, String), String>> = BTreeMap::new();
    for lang in ["DE", "EN", "SV"] {
        let data = app.query(query, json!({ "lang": lang })).await;
        let labels = data["labels"].as_array().unwrap();
        assert!(
            labels.iter().all(|l| [
                "ExamType",
                "CompensatoryMeasure",
                "CaseStatus",
                "OfferType",
                "FundingOption"
            ]
            .contains(&l["enum"].as_str().unwrap())),
            "only the enums asked for"
        );
        by_lang.insert(
            lang,
            labels
                .iter()
                .map(|l: &Value| {
                    (
                        (
                            l["enum"].as_str().unwrap().to_owned(),
                            l["value"].as_str().unwrap().to_owned(),
                        ),
                        l["label"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        );
    }
    let label = |lang: &str, e: &str, v: &str| by_lang[lang][&(e.to_owned(), v.to_owned())].clone();

    assert_eq!(
        label("DE", "ExamType", "KENNTNISPRUEFUNG"),
        "Kenntnisprüfung"
    );
    assert_eq!(
        label("DE", "ExamType", "FACHSPRACHPRUEFUNG"),
        "Fachsprachprüfung"
    );
    assert_eq!(
        label("DE", "ExamType", "EIGNUNGSPRUEFUNG"),
        "Eignungsprüfung"
    );
    assert_eq!(
        label("DE", "CompensatoryMeasure", "ADAPTATION_COURSE"),
        "Anpassungslehrgang"
    );
    assert_eq!(
        label("DE", "FundingOption", "BILDUNGSGUTSCHEIN"),
        "Bildungsgutschein"
    );
    assert!(label("DE", "FundingOption", "BERUFSSPRACHKURS").starts_with("Berufssprachkurs"));
    assert_eq!(
        label("SV", "CompensatoryMeasure", "KNOWLEDGE_TEST"),
        "Kunskapsprov"
    );
    assert_eq!(
        label("SV", "CompensatoryMeasure", "APTITUDE_TEST"),
        "Lämplighetsprov"
    );
    assert_eq!(
        label("SV", "CompensatoryMeasure", "ADAPTATION_COURSE"),
        "Anpassningsperiod"
    );
    assert_eq!(label("SV", "CaseStatus", "LICENSED"), "Legitimerad");
    assert_eq!(
        label("SV", "OfferType", "SE_PRACTICAL_SERVICE"),
        "Praktisk tjänstgöring"
    );
    assert_eq!(
        label("SV", "ExamType", "SE_PRAKTISKT_PROV"),
        "Kunskapsprov – praktiskt prov"
    );

    for (e, v) in [
        ("ExamType", "KENNTNISPRUEFUNG"),
        ("CompensatoryMeasure", "KNOWLEDGE_TEST"),
        ("CompensatoryMeasure", "ADAPTATION_COURSE"),
        ("CaseStatus", "LICENSED"),
        ("CaseStatus", "IN_ASSESSMENT"),
        ("OfferType", "PRACTICAL_PLACEMENT"),
    ] {
        let en = label("EN", e, v);
        assert_ne!(label("DE", e, v), en, "{e}.{v} in German");
        assert_ne!(label("SV", e, v), en, "{e}.{v} in Swedish");
    }

    // English is the default.
    let data = app
        .query(
            r#"{ labels(enums: ["Schedule"]) { value label } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        data["labels"],
        json!([{"value": "FULL_TIME", "label": "Full time"}, {"value": "PART_TIME", "label": "Part time"}])
    );
}

#[tokio::test]
async fn an_unknown_enum_name_is_bad_user_input() {
    let app = TestApp::new().await;
    let (code, err) = app
        .query_error(
            r#"{ labels(lang: DE, enums: ["ExamType", "NoSuchEnum"]) { value } }"#,
            json!({}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "enums");
    assert!(
        err["message"].as_str().unwrap().contains("NoSuchEnum"),
        "{err}"
    );
}
