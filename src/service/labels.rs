//! Labels of every enum value in German, English and Swedish, for partners and dashboards
//! to show (as regions and professions carry their names in the three languages).
//!
//! The tables are keyed by the names the GraphQL schema gives the enums and their values
//! (`ExamType`, `KENNTNISPRUEFUNG`), not by the Rust types, so the schema's enums from
//! any layer can be labelled here; `tests/labels.rs` checks every enum of the schema
//! against them. The terms are those of the recognition procedures: Kenntnisprüfung and
//! Anpassungslehrgang in German, kunskapsprov, lämplighetsprov and praktisk tjänstgöring
//! in Swedish, the German term in brackets where English has none of its own.

use crate::error::{AppError, AppResult};
use entity::enums::Lang;

/// One enum value: its name in the schema, then its label in German, English, Swedish.
type Value = (&'static str, &'static str, &'static str, &'static str);

/// An enum of the schema and its values, in the schema's order.
struct Table {
    name: &'static str,
    values: &'static [Value],
}

/// A value of an enum with its label in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumLabel {
    /// The enum's name in the schema (`ExamType`).
    pub enum_name: &'static str,
    /// The value's name in the schema (`KENNTNISPRUEFUNG`).
    pub value: &'static str,
    /// The label (`Kenntnisprüfung`).
    pub label: &'static str,
}

/// The label of `value` of the enum `enum_name` in `lang`; `None` for a name the tables
/// do not know.
pub fn label(enum_name: &str, value: &str, lang: Lang) -> Option<&'static str> {
    table(enum_name)?
        .values
        .iter()
        .find(|v| v.0 == value)
        .map(|v| pick(v, lang))
}

/// The labels in `lang` of every value of the enums named in `enums` (of all enums
/// without it), by enum name and then in the schema's order of the values. An unknown
/// name is a `BAD_USER_INPUT` error about `enums`.
pub fn all(lang: Lang, enums: Option<&[String]>) -> AppResult<Vec<EnumLabel>> {
    if let Some(unknown) = enums
        .into_iter()
        .flatten()
        .find(|name| table(name).is_none())
    {
        return Err(AppError::bad_input(
            "enums",
            format!(
                "unknown enum `{unknown}`; `labels` without `enums` lists every enum it labels"
            ),
        ));
    }
    Ok(TABLES
        .iter()
        .filter(|t| enums.is_none_or(|names| names.iter().any(|n| n == t.name)))
        .flat_map(|t| {
            t.values.iter().map(move |v| EnumLabel {
                enum_name: t.name,
                value: v.0,
                label: pick(v, lang),
            })
        })
        .collect())
}

/// How many values the tables label: the most `all` returns.
pub fn len() -> usize {
    TABLES.iter().map(|t| t.values.len()).sum()
}

fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}

fn pick(value: &Value, lang: Lang) -> &'static str {
    match lang {
        Lang::De => value.1,
        Lang::En => value.2,
        Lang::Sv => value.3,
    }
}

/// Every enum of the schema, by name; one line per value, so that a translation reads
/// across.
#[rustfmt::skip]
const TABLES: &[Table] = &[
    Table {
        name: "AdvisoryRequestStatus",
        values: &[
            ("RECEIVED", "Eingegangen", "Received", "Mottagen"),
            ("IN_PROGRESS", "In Bearbeitung", "In progress", "Under handläggning"),
            ("ANSWERED", "Beantwortet", "Answered", "Besvarad"),
            ("REFERRED", "Weitergeleitet", "Referred", "Hänvisad"),
            ("CLOSED", "Abgeschlossen", "Closed", "Avslutad"),
        ],
    },
    Table {
        name: "AdvisoryTopic",
        values: &[
            ("GP_SUCCESSION", "Nachfolge einer Hausarztpraxis", "GP practice succession", "Efterträdare till en allmänläkarmottagning"),
            ("MVZ_FOUNDING", "Gründung eines MVZ", "Founding a medical care centre (MVZ)", "Grunda ett medicinskt vårdcentrum (MVZ)"),
            ("RECRUITING_FOREIGN_TRAINED_PHYSICIANS", "Gewinnung ausländischer Ärztinnen und Ärzte", "Recruiting physicians trained abroad", "Rekrytering av läkare utbildade utomlands"),
            ("TELEMEDICINE", "Telemedizin", "Telemedicine", "Telemedicin"),
            ("OTHER", "Sonstiges", "Other", "Övrigt"),
        ],
    },
    Table {
        name: "ApplicationStatus",
        values: &[
            ("DRAFT", "Entwurf", "Draft", "Utkast"),
            ("SUBMITTED", "Eingereicht", "Submitted", "Inskickad"),
            ("INCOMPLETE", "Nachforderung", "Completion requested", "Komplettering begärd"),
            ("GRANTED", "Bewilligt", "Granted", "Beviljad"),
            ("PARTIALLY_GRANTED", "Teilweise bewilligt", "Partially granted", "Delvis beviljad"),
            ("REJECTED", "Abgelehnt", "Rejected", "Avslagen"),
            ("FOLLOW_UP_DUE", "Verwendungsnachweis fällig", "Follow-up report due", "Återrapportering krävs"),
            ("CLOSED", "Abgeschlossen", "Closed", "Avslutad"),
        ],
    },
    Table {
        name: "AudienceRole",
        values: &[
            ("MUNICIPAL_HEALTH_COORDINATOR", "Kommunale Gesundheitskoordination", "Municipal health coordinator", "Kommunal hälsokoordinator"),
            ("RECOGNITION_ADVISER", "Anerkennungsberatung", "Recognition adviser", "Rådgivare för erkännande"),
            ("JOB_CASEWORKER", "Vermittlungsfachkraft (Jobcenter, Agentur für Arbeit)", "Job centre caseworker", "Arbetsförmedlare"),
            ("FOREIGNERS_AUTHORITY_STAFF", "Ausländerbehörde", "Foreigners' authority staff", "Migrationsmyndighetens handläggare"),
            ("EMPLOYER_HR", "Personalabteilung", "Employer HR", "Arbetsgivarens HR"),
            ("PRACTICE_INSTRUCTOR", "Praxisanleitung", "Practice instructor", "Handledare"),
        ],
    },
    Table {
        name: "AuditAction",
        values: &[
            ("READ", "Gelesen", "Read", "Läst"),
            ("EXPORT", "Exportiert", "Exported", "Exporterad"),
            ("ERASE", "Gelöscht", "Erased", "Raderad"),
        ],
    },
    Table {
        name: "CaseEventKind",
        values: &[
            ("OPENED", "Verfahren eröffnet", "Case opened", "Ärendet öppnat"),
            ("STATUS_CHANGED", "Stand geändert", "Status changed", "Status ändrad"),
            ("DOCUMENTS_UPDATED", "Fehlende Unterlagen aktualisiert", "Missing documents updated", "Saknade handlingar uppdaterade"),
            ("FILE_COMPLETE", "Unterlagen vollständig", "File complete", "Ärendet komplett"),
            ("DECISION_RECORDED", "Bescheid erfasst", "Decision recorded", "Beslut registrerat"),
        ],
    },
    Table {
        name: "CaseOrigin",
        values: &[
            ("EU_EEA_CH", "EU/EWR/Schweiz", "EU/EEA/Switzerland", "EU/EES/Schweiz"),
            ("THIRD_COUNTRY", "Drittstaat", "Third country", "Tredjeland"),
        ],
    },
    Table {
        name: "CaseStatus",
        values: &[
            ("SUBMITTED", "Antrag gestellt", "Submitted", "Ansökan inkommen"),
            ("INCOMPLETE", "Unterlagen unvollständig", "Incomplete", "Komplettering krävs"),
            ("IN_ASSESSMENT", "Gleichwertigkeitsprüfung", "In assessment", "Under handläggning"),
            ("DECIDED", "Beschieden", "Decided", "Beslut fattat"),
            ("IN_COMPENSATION", "In Ausgleichsmaßnahme", "In a compensatory measure", "Kompletterande åtgärd pågår"),
            ("LANGUAGE_PENDING", "Sprachnachweis ausstehend", "Language certificate pending", "Språkintyg saknas"),
            ("LICENSED", "Berufszulassung erteilt", "Licensed", "Legitimerad"),
            ("REJECTED", "Abgelehnt", "Rejected", "Avslag"),
            ("WITHDRAWN", "Zurückgezogen", "Withdrawn", "Återkallad"),
        ],
    },
    Table {
        name: "CellFlag",
        values: &[
            ("ROUNDED", "Gerundet", "Rounded", "Avrundad"),
            ("SUPPRESSED", "Gesperrt", "Suppressed", "Undertryckt"),
            ("SECONDARY_SUPPRESSED", "Sekundär gesperrt", "Secondarily suppressed", "Sekundärt undertryckt"),
        ],
    },
    Table {
        name: "ChangeKind",
        values: &[
            ("CHANGED", "Geändert", "Changed", "Ändrad"),
            ("RESYNC", "Neu abrufen", "Read again", "Läs in på nytt"),
        ],
    },
    Table {
        name: "CompensatoryMeasure",
        values: &[
            ("KNOWLEDGE_TEST", "Kenntnisprüfung", "Knowledge test", "Kunskapsprov"),
            ("ADAPTATION_COURSE", "Anpassungslehrgang", "Adaptation course", "Anpassningsperiod"),
            ("APTITUDE_TEST", "Eignungsprüfung", "Aptitude test", "Lämplighetsprov"),
        ],
    },
    Table {
        name: "ConsentPurpose",
        values: &[
            ("ADVICE", "Beratung", "Advice", "Rådgivning"),
            ("REFERRAL", "Weitervermittlung", "Referral", "Hänvisning"),
            ("PLACEMENT", "Vermittlung in Arbeit oder Praxiseinsatz", "Placement", "Placering i arbete eller praktik"),
            ("FUNDING", "Förderung", "Funding", "Finansiering"),
        ],
    },
    Table {
        name: "ConsultationProblem",
        values: &[
            ("DOCUMENTS", "Unterlagen", "Documents", "Handlingar"),
            ("LANGUAGE", "Sprache", "Language", "Språk"),
            ("COMPENSATORY_MEASURE", "Ausgleichsmaßnahme", "Compensatory measure", "Kompensationsåtgärd"),
            ("EMPLOYMENT", "Beschäftigung", "Employment", "Anställning"),
            ("RESIDENCE", "Aufenthalt", "Residence", "Uppehållstillstånd"),
            ("FUNDING", "Finanzierung", "Funding", "Finansiering"),
            ("OTHER", "Sonstiges", "Other", "Övrigt"),
        ],
    },
    Table {
        name: "ConsultationStatus",
        values: &[
            ("OPEN", "Offen", "Open", "Öppen"),
            ("RESOLVED", "Geklärt", "Resolved", "Löst"),
        ],
    },
    Table {
        name: "CostType",
        values: &[
            ("TRAINEE_SALARY", "Vergütung während des Einsatzes", "Trainee salary", "Lön under tjänstgöringen"),
            ("SUPERVISOR_FEE", "Vergütung der Praxisanleitung", "Supervisor fee", "Handledarersättning"),
            ("COURSE_FEE", "Kursgebühren", "Course fees", "Kursavgifter"),
            ("EXAM_FEE", "Prüfungsgebühren", "Exam fees", "Provavgifter"),
            ("TRAVEL", "Fahrtkosten", "Travel", "Resekostnader"),
        ],
    },
    Table {
        name: "CourseFormat",
        values: &[
            ("PRESENCE", "Präsenz", "In person", "På plats"),
            ("ONLINE", "Online", "Online", "På distans"),
            ("HYBRID", "Hybrid", "Hybrid", "Hybrid"),
            ("BLENDED", "Blended Learning", "Blended learning", "Blandat lärande"),
        ],
    },
    Table {
        name: "CourseType",
        values: &[
            ("ADAPTATION_COURSE", "Anpassungslehrgang", "Adaptation course", "Anpassningsperiod"),
            ("KNOWLEDGE_TEST_PREP", "Vorbereitung auf die Kenntnisprüfung", "Knowledge test preparation", "Förberedelse för kunskapsprov"),
            ("SPECIALIST_LANGUAGE_PREP", "Vorbereitung auf die Fachsprachprüfung", "Specialist language exam preparation", "Förberedelse för fackspråksprov"),
            ("LANGUAGE_COURSE", "Sprachkurs", "Language course", "Språkkurs"),
            ("APTITUDE_TEST_PREP", "Vorbereitung auf die Eignungsprüfung", "Aptitude test preparation", "Förberedelse för lämplighetsprov"),
            ("SE_REGULATIONS_COURSE", "Kurs in schwedischem Recht (författningskunskap)", "Course in Swedish regulations", "Kurs i författningskunskap"),
        ],
    },
    Table {
        name: "DecisionOutcome",
        values: &[
            ("FULL", "Volle Gleichwertigkeit", "Full equivalence", "Fullständigt erkännande"),
            ("DEFICIT", "Wesentliche Unterschiede", "Substantial differences", "Väsentliga skillnader"),
            ("PARTIAL_ACCESS", "Partieller Berufszugang", "Partial access", "Partiellt tillträde"),
            ("REJECTED", "Abgelehnt", "Rejected", "Avslag"),
        ],
    },
    Table {
        name: "EmployerType",
        values: &[
            ("HOSPITAL", "Krankenhaus", "Hospital", "Sjukhus"),
            ("REHAB", "Rehabilitationsklinik", "Rehabilitation clinic", "Rehabiliteringsklinik"),
            ("MVZ", "Medizinisches Versorgungszentrum", "Medical care centre", "Vårdcentral"),
            ("CARE_HOME", "Stationäre Pflegeeinrichtung", "Care home", "Särskilt boende"),
            ("AMBULANT_CARE", "Ambulanter Pflegedienst", "Home care service", "Hemtjänst"),
            ("PRACTICE", "Praxis", "Practice", "Mottagning"),
        ],
    },
    Table {
        name: "EnrolmentStatus",
        values: &[
            ("CONFIRMED", "Bestätigt", "Confirmed", "Bekräftad"),
            ("WAITLISTED", "Auf der Warteliste", "Waitlisted", "På väntelista"),
            ("DECLINED", "Abgelehnt", "Declined", "Avböjd"),
            ("WITHDRAWN", "Zurückgezogen", "Withdrawn", "Avanmäld"),
            ("COMPLETED", "Teilgenommen", "Completed", "Genomförd"),
            ("PASSED", "Bestanden", "Passed", "Godkänd"),
            ("FAILED", "Nicht bestanden", "Failed", "Underkänd"),
            ("NO_SHOW", "Nicht erschienen", "No-show", "Uteblev"),
        ],
    },
    Table {
        name: "EventKind",
        values: &[
            ("INFO_EVENT", "Informationsveranstaltung", "Information event", "Informationsmöte"),
            ("NETWORK_MEETING", "Netzwerktreffen", "Network meeting", "Nätverksträff"),
            ("WORKSHOP", "Workshop", "Workshop", "Workshop"),
            ("TRAINING", "Schulung", "Training", "Utbildning"),
            ("SERIES", "Qualifizierungsreihe", "Qualification series", "Kvalificeringsserie"),
            ("MODULE", "Modul", "Module", "Modul"),
        ],
    },
    Table {
        name: "ExamType",
        values: &[
            ("KENNTNISPRUEFUNG", "Kenntnisprüfung", "Knowledge test (Kenntnisprüfung)", "Kenntnisprüfung (tyskt kunskapsprov)"),
            ("FACHSPRACHPRUEFUNG", "Fachsprachprüfung", "Specialist language exam (Fachsprachprüfung)", "Fachsprachprüfung (tyskt fackspråksprov)"),
            ("EIGNUNGSPRUEFUNG", "Eignungsprüfung", "Aptitude test (Eignungsprüfung)", "Lämplighetsprov (Eignungsprüfung)"),
            ("SE_KUNSKAPSPROV", "Kunskapsprov – theoretische Prüfung", "Knowledge test – theoretical exam (kunskapsprov)", "Kunskapsprov – teoretiskt prov"),
            ("SE_PRAKTISKT_PROV", "Kunskapsprov – praktische Prüfung", "Knowledge test – practical exam (praktiskt prov)", "Kunskapsprov – praktiskt prov"),
            ("SE_REGULATIONS_TEST", "Prüfung in schwedischem Recht (författningskunskap)", "Test in Swedish regulations", "Prov i författningskunskap"),
        ],
    },
    Table {
        name: "FollowUpOutcome",
        values: &[
            ("COMPLETED", "Abgeschlossen", "Completed", "Genomförd"),
            ("ABORTED", "Abgebrochen", "Ended early", "Avbruten"),
            ("LICENCE_OBTAINED", "Berufszulassung erhalten", "Licence obtained", "Legitimation erhållen"),
        ],
    },
    Table {
        name: "FundingOption",
        values: &[
            ("BILDUNGSGUTSCHEIN", "Bildungsgutschein", "Education voucher (Bildungsgutschein)", "Utbildningscheck (Bildungsgutschein)"),
            ("BERUFSSPRACHKURS", "Berufssprachkurs (DeuFöV)", "Job-related German course (Berufssprachkurs)", "Yrkesinriktad tyskkurs (Berufssprachkurs)"),
            ("EMPLOYER", "Arbeitgeber", "Employer", "Arbetsgivaren"),
            ("REGIONAL_PROGRAMME", "Regionales Förderprogramm", "Regional programme", "Regionalt stödprogram"),
            ("SELF_PAID", "Selbstzahler", "Self-paid", "Egen betalning"),
        ],
    },
    Table {
        name: "FunnelStage",
        values: &[
            ("SUBMITTED", "Antrag gestellt", "Submitted", "Ansökan inkommen"),
            ("DECIDED", "Beschieden", "Decided", "Beslut fattat"),
            ("IN_COMPENSATION", "In Ausgleichsmaßnahme", "In a compensatory measure", "Kompletterande åtgärd"),
            ("LICENSED", "Berufszulassung erteilt", "Licensed", "Legitimerad"),
        ],
    },
    Table {
        name: "ImportOutcome",
        values: &[
            ("CREATED", "Angelegt", "Created", "Skapad"),
            ("UPDATED", "Geändert", "Updated", "Ändrad"),
            ("UNCHANGED", "Unverändert", "Unchanged", "Oförändrad"),
            ("FAILED", "Fehlerhaft", "Failed", "Felaktig"),
        ],
    },
    Table {
        name: "Lang",
        values: &[
            ("DE", "Deutsch", "German", "Tyska"),
            ("EN", "Englisch", "English", "Engelska"),
            ("SV", "Schwedisch", "Swedish", "Svenska"),
        ],
    },
    Table {
        name: "LanguageLevel",
        values: &[
            ("A1", "A1 – Anfänger", "A1 – Beginner", "A1 – Nybörjarnivå"),
            ("A2", "A2 – Grundlegende Kenntnisse", "A2 – Elementary", "A2 – Grundläggande nivå"),
            ("B1", "B1 – Fortgeschrittene Sprachverwendung", "B1 – Intermediate", "B1 – Mellannivå"),
            ("B2", "B2 – Selbständige Sprachverwendung", "B2 – Upper intermediate", "B2 – Övre mellannivå"),
            ("C1", "C1 – Fachkundige Sprachkenntnisse", "C1 – Advanced", "C1 – Avancerad nivå"),
            ("C2", "C2 – Annähernd muttersprachliche Kenntnisse", "C2 – Proficient", "C2 – Mycket avancerad nivå"),
        ],
    },
    Table {
        name: "OfferStatus",
        values: &[
            ("OPEN", "Offen", "Open", "Öppen"),
            ("FILLED", "Besetzt", "Filled", "Tillsatt"),
            ("CLOSED", "Geschlossen", "Closed", "Stängd"),
        ],
    },
    Table {
        name: "OfferType",
        values: &[
            ("JOB", "Stelle", "Job", "Anställning"),
            ("PRACTICAL_PLACEMENT", "Praxiseinsatz (Anpassungslehrgang)", "Practical placement (adaptation course)", "Praktik under anpassningsperiod"),
            ("SE_PRACTICAL_SERVICE", "Praktischer Dienst (praktisk tjänstgöring)", "Supervised practical service (praktisk tjänstgöring)", "Praktisk tjänstgöring"),
        ],
    },
    Table {
        name: "OrganisationKind",
        values: &[
            ("SCHOOL", "Schule", "School", "Skola"),
            ("PROVIDER", "Bildungsträger", "Training provider", "Utbildningsanordnare"),
            ("AUTHORITY", "Zuständige Stelle", "Competent authority", "Behörig myndighet"),
            ("CHAMBER", "Kammer", "Chamber", "Yrkeskammare"),
            ("EXAM_OFFICE", "Prüfungsstelle", "Exam office", "Provanordnare"),
            ("ADVISORY", "Beratungsstelle", "Advisory centre", "Rådgivningscenter"),
            ("EMPLOYER", "Arbeitgeber", "Employer", "Arbetsgivare"),
            ("FUNDER", "Fördermittelgeber", "Funder", "Finansiär"),
            ("JOB_AGENCY", "Arbeitsagentur", "Job agency", "Arbetsförmedling"),
            ("MUNICIPALITY", "Kommune", "Municipality", "Kommun"),
        ],
    },
    Table {
        name: "ProfessionRoute",
        values: &[
            ("APPROBATION", "Approbation", "Full licence (Approbation)", "Approbation (tysk legitimation)"),
            ("ERLAUBNIS", "Erlaubnis zum Führen der Berufsbezeichnung", "Permission to use the professional title (Erlaubnis)", "Tillstånd att använda yrkestiteln (Erlaubnis)"),
            ("LEGITIMATION", "Legitimation (schwedische Berufszulassung)", "Licence to practise (legitimation)", "Legitimation"),
        ],
    },
    Table {
        name: "ReferralStatus",
        values: &[
            ("REFERRED", "Vermittelt", "Referred", "Förmedlad"),
            ("ACCEPTED", "Angenommen", "Accepted", "Accepterad"),
            ("DECLINED", "Abgelehnt", "Declined", "Avböjd"),
            ("HIRED", "Eingestellt", "Hired", "Anställd"),
        ],
    },
    Table {
        name: "RegionLevel",
        values: &[
            ("COUNTRY", "Staat", "Country", "Land"),
            ("STATE", "Land oder Provinz", "State or county", "Förbundsland eller län"),
            ("DISTRICT", "Kreis oder kreisfreie Stadt", "District", "Distrikt"),
        ],
    },
    Table {
        name: "RequestUrgency",
        values: &[
            ("LOW", "Niedrig", "Low", "Låg"),
            ("NORMAL", "Normal", "Normal", "Normal"),
            ("HIGH", "Hoch", "High", "Hög"),
        ],
    },
    Table {
        name: "RunStatus",
        values: &[
            ("PLANNED", "Geplant", "Planned", "Planerad"),
            ("OPEN", "Anmeldung offen", "Open for registration", "Öppen för anmälan"),
            ("FULL", "Ausgebucht", "Full", "Fullbokad"),
            ("RUNNING", "Läuft", "Running", "Pågår"),
            ("COMPLETED", "Abgeschlossen", "Completed", "Avslutad"),
            ("CANCELLED", "Abgesagt", "Cancelled", "Inställd"),
        ],
    },
    Table {
        name: "Schedule",
        values: &[
            ("FULL_TIME", "Vollzeit", "Full time", "Heltid"),
            ("PART_TIME", "Teilzeit", "Part time", "Deltid"),
        ],
    },
    Table {
        name: "StatisticsDimension",
        values: &[
            ("REGION", "Kreis oder Provinz", "District or county", "Distrikt eller län"),
            ("STATE", "Land oder Provinz", "State or county", "Förbundsland eller län"),
            ("PROFESSION", "Beruf", "Profession", "Yrke"),
            ("COUNTRY_OF_TRAINING", "Ausbildungsstaat", "Country of training", "Utbildningsland"),
            ("ORIGIN", "Herkunft der Qualifikation", "Origin of the qualification", "Utbildningens ursprung"),
            ("STATUS", "Verfahrensstand", "Case status", "Ärendestatus"),
            ("OUTCOME", "Ergebnis der Gleichwertigkeitsprüfung", "Outcome of the assessment", "Utfall av bedömningen"),
            ("MEASURE", "Ausgleichsmaßnahme", "Compensatory measure", "Kompletterande åtgärd"),
            ("AUTHORITY", "Zuständige Stelle", "Competent authority", "Behörig myndighet"),
            ("YEAR", "Jahr", "Year", "År"),
            ("QUARTER", "Quartal", "Quarter", "Kvartal"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn tables_are_sorted_and_every_value_has_three_distinct_labels() {
        let names: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "tables by name, each once");
        for t in TABLES {
            let values: HashSet<&str> = t.values.iter().map(|v| v.0).collect();
            assert_eq!(values.len(), t.values.len(), "{}: a value twice", t.name);
            for lang in [Lang::De, Lang::En, Lang::Sv] {
                let labels: HashSet<&str> = t.values.iter().map(|v| pick(v, lang)).collect();
                assert_eq!(
                    labels.len(),
                    t.values.len(),
                    "{}: two values with one label in {lang:?}",
                    t.name
                );
                assert!(labels.iter().all(|l| !l.trim().is_empty()), "{}", t.name);
            }
        }
    }

    #[test]
    fn a_label_is_found_by_enum_and_value() {
        assert_eq!(
            label("ExamType", "KENNTNISPRUEFUNG", Lang::De),
            Some("Kenntnisprüfung")
        );
        assert_eq!(
            label("CaseStatus", "LICENSED", Lang::Sv),
            Some("Legitimerad")
        );
        assert_eq!(label("CaseStatus", "NOPE", Lang::En), None);
        assert_eq!(label("Nope", "LICENSED", Lang::En), None);
    }

    #[test]
    fn all_lists_the_enums_asked_for_and_refuses_unknown_ones() {
        assert_eq!(all(Lang::En, None).unwrap().len(), len());
        let schedule = all(Lang::Sv, Some(&["Schedule".to_owned()])).unwrap();
        assert_eq!(
            schedule,
            [
                EnumLabel {
                    enum_name: "Schedule",
                    value: "FULL_TIME",
                    label: "Heltid"
                },
                EnumLabel {
                    enum_name: "Schedule",
                    value: "PART_TIME",
                    label: "Deltid"
                },
            ]
        );
        let err = all(Lang::De, Some(&["Schedule".to_owned(), "Nope".to_owned()])).unwrap_err();
        assert!(err.to_string().contains("Nope"), "{err}");
    }
}
