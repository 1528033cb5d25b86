//! The personal-data check of a consultation's free texts (question, answers, next
//! steps): a group sees pseudonymous facts at most, so a text that names the person or
//! gives their contact details is refused before it is stored.
//!
//! - Every text: no e-mail address at all (anything shaped `local@domain.tld`).
//! - A consultation linked to a case, in addition: not the candidate's given name or
//!   family name as whole words (case-insensitive, so `Haddad's` is caught but a
//!   `Haddadi` is not), not their e-mail address, not their phone number compared on its
//!   digits (spaces, dashes, brackets, dots, slashes and `+` between digits do not
//!   count; the last eight digits are compared, so `+49 171 …` and `0171 …` match alike).
//!
//! The refusal names the field and what kind of data it found, never the data.

use crate::service::candidates::PersonalData;

/// What the check looks for besides the generic patterns: the linked candidate's data
/// as the hub stores it, prepared for comparison.
#[derive(Debug, Clone, Default)]
pub struct Person {
    names: Vec<(&'static str, Vec<String>)>,
    email: Option<String>,
    phone: Option<String>,
}

/// Digits of a phone number compared: the last eight (a national number with its
/// trunk `0` and the international form end alike), or all of a shorter one of at
/// least six; a shorter stored number is not compared.
fn phone_needle(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        n if n >= 8 => Some(digits[n - 8..].to_owned()),
        n if n >= 6 => Some(digits),
        _ => None,
    }
}

/// The words of `text`, lower-cased: runs of letters and digits.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Person {
    /// The data of the person a case is about.
    pub fn new(data: &PersonalData) -> Person {
        let names = [
            ("given name", &data.given_name),
            ("family name", &data.family_name),
        ]
        .into_iter()
        .map(|(what, name)| (what, words(name)))
        .filter(|(_, w)| !w.is_empty())
        .collect();
        Person {
            names,
            email: data
                .email
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty()),
            phone: data.phone.as_deref().and_then(phone_needle),
        }
    }
}

/// Whether `text` holds something shaped like an e-mail address: a local part, `@`, and
/// a domain with a dot followed by at least two letters.
fn has_email_address(text: &str) -> bool {
    let local = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_alphanumeric() || ".-".contains(c);
    text.match_indices('@').any(|(at, _)| {
        let before = text[..at].chars().next_back().is_some_and(local);
        let host: String = text[at + 1..].chars().take_while(|c| domain(*c)).collect();
        let host = host.trim_end_matches(['.', '-']);
        before
            && host
                .rsplit_once('.')
                .is_some_and(|(name, tld)| !name.is_empty() && tld.chars().count() >= 2)
    })
}

/// The runs of digits in `text`, where separators a phone number is written with do not
/// break a run.
fn digit_runs(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !(c.is_whitespace() || "-+/().".contains(c) || run.is_empty()) {
            runs.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Whether `needle` occurs in `haystack` as consecutive words.
fn has_words(haystack: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// What personal data `text` holds, if any: `an e-mail address`, `the person's given
/// name`… The check of the person's own data runs only when there is a person.
pub fn finding(text: &str, person: Option<&Person>) -> Option<String> {
    if let Some(p) = person {
        let lower = text.to_lowercase();
        let text_words = words(text);
        for (what, name) in &p.names {
            if has_words(&text_words, name) {
                return Some(format!("the person's {what}"));
            }
        }
        if p.email.as_ref().is_some_and(|e| lower.contains(e.as_str())) {
            return Some("the person's e-mail address".into());
        }
        if let Some(phone) = &p.phone
            && digit_runs(text).iter().any(|r| r.contains(phone.as_str()))
        {
            return Some("the person's phone number".into());
        }
    }
    has_email_address(text).then(|| "an e-mail address".into())
}

/// The refusal of a text with personal data: names the field and the kind of data.
pub fn refusal(field: &str, found: &str) -> crate::error::AppError {
    crate::error::AppError::bad_input(
        field,
        format!(
            "`{field}` contains {found}: do not include names or contact details of the person; \
             the group sees pseudonymous facts only"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amira() -> Person {
        Person::new(&PersonalData {
            given_name: "Amira".into(),
            family_name: "El Haddad".into(),
            birth_date: None,
            email: Some("Amira.H@Example.org".into()),
            phone: Some("+49 171 2345678".into()),
        })
    }

    #[test]
    fn the_persons_names_are_found_as_words_in_any_case() {
        let p = amira();
        assert!(finding("Frau AMIRA braucht einen Kurs", Some(&p)).is_some());
        assert!(finding("Was braucht Frau el haddad?", Some(&p)).is_some());
        assert!(finding("Amira's Unterlagen fehlen", Some(&p)).is_some());
        // Part of a name only, or a longer word: not the name.
        assert_eq!(finding("Haddad allein ist kein Name hier", Some(&p)), None);
        assert_eq!(finding("Die Amiraten-Frage", Some(&p)), None);
    }

    #[test]
    fn contact_details_are_found_however_they_are_written() {
        let p = amira();
        assert!(finding("schreiben an AMIRA.h@example.ORG bitte", Some(&p)).is_some());
        for phone in [
            "0171 2345678",
            "0171-234 56 78",
            "+49 (171) 234-5678",
            "0049 1712345678",
        ] {
            assert_eq!(
                finding(&format!("Tel. {phone}, abends"), Some(&p)).as_deref(),
                Some("the person's phone number"),
                "{phone}"
            );
        }
        assert_eq!(finding("Aktenzeichen 2024/17, Raum 3", Some(&p)), None);
    }

    #[test]
    fn any_email_address_is_refused_even_without_a_person() {
        assert!(finding("Kontakt: someone@clinic.de", None).is_some());
        assert_eq!(finding("Treffen @ Rathaus um 10", None), None);
        assert_eq!(finding("Die Fachsprachprüfung steht an.", None), None);
    }
}
