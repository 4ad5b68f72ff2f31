//! Values as people read them: a typed literal in words, in English or
//! French ("1 June 2017", "June, year not given", "10 months", "26 min",
//! "yes", "1,500,000", "€1,500,000" with its currency), and the names of the few properties of other
//! vocabularies the data uses (`rdfs:label` is "name"). The raw value
//! stays with the page (a tooltip, the RDF downloads); this is only how it
//! is shown.
//!
//! Called by the entity view (`view/entity.rs`) and the server's table
//! cells (`server/layout.rs`).

use crate::vocab;
use oxigraph::model::LiteralRef;

const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// Whether `lang` (a tag such as `fr`, `fr-FR`) is French; English
/// otherwise.
fn french(lang: Option<&str>) -> bool {
    lang.is_some_and(|tag| {
        tag.eq_ignore_ascii_case("fr") || tag.to_ascii_lowercase().starts_with("fr-")
    })
}

/// A literal without a language in words, when its datatype has a human
/// form and its lexical form is valid; `None` keeps the value as written
/// (plain strings, IRIs as text, checksums, invalid values).
pub fn in_words(literal: LiteralRef<'_>, lang: Option<&str>) -> Option<String> {
    if literal.language().is_some() {
        return None;
    }
    let fr = french(lang);
    let value = literal.value();
    let datatype = literal.datatype().as_str().strip_prefix(XSD)?;
    match datatype {
        "date" => date(value, fr),
        "gYearMonth" => year_month(value, fr),
        "gYear" => (value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()))
            .then(|| value.to_owned()),
        "gMonthDay" | "gMonth" => month_day(value, fr),
        "duration" => duration(value, fr),
        "boolean" => match value {
            "true" | "1" => Some(if fr { "oui" } else { "yes" }.to_owned()),
            "false" | "0" => Some(if fr { "non" } else { "no" }.to_owned()),
            _ => None,
        },
        "integer" | "int" | "long" | "short" | "nonNegativeInteger" | "positiveInteger" => {
            grouped(value, fr)
        }
        "decimal" => {
            let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
            let whole = grouped(whole, fr)?;
            let fraction = fraction.trim_end_matches('0');
            if !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(if fraction.is_empty() {
                whole
            } else {
                format!("{whole}{}{fraction}", if fr { ',' } else { '.' })
            })
        }
        "time" => {
            let (hours, rest) = value.split_once(':')?;
            let (minutes, _) = rest.split_once(':')?;
            let (h, m) = (hours.parse::<u8>().ok()?, minutes.parse::<u8>().ok()?);
            (h < 24 && m < 60).then(|| {
                if fr {
                    format!("{h} h {m:02}")
                } else {
                    format!("{h:02}:{m:02}")
                }
            })
        }
        _ => None,
    }
}

/// A month's name (1 is January), in French or English.
pub fn month_name(month: usize, fr: bool) -> Option<&'static str> {
    let names = if fr { &MONTHS_FR } else { &MONTHS_EN };
    names.get(month.checked_sub(1)?).copied()
}

/// The last day a month can have in some year (29 for February).
pub fn max_day(month: usize) -> usize {
    match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `2017-06-01` → "1 June 2017", "1 juin 2017" ("1er juin" in French).
fn date(value: &str, fr: bool) -> Option<String> {
    let mut parts = value.splitn(3, '-');
    let year = parts.next()?;
    let month: usize = parts.next()?.parse().ok()?;
    let day: usize = parts.next()?.get(..2)?.parse().ok()?;
    if year.len() != 4
        || !year.bytes().all(|b| b.is_ascii_digit())
        || day == 0
        || day > max_day(month)
    {
        return None;
    }
    let name = month_name(month, fr)?;
    Some(match (fr, day) {
        (true, 1) => format!("1er {name} {year}"),
        _ => format!("{day} {name} {year}"),
    })
}

/// `2017-06` → "June 2017".
fn year_month(value: &str, fr: bool) -> Option<String> {
    let (year, month) = value.split_once('-')?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let name = month_name(month.get(..2)?.parse().ok()?, fr)?;
    Some(format!("{name} {year}"))
}

/// `--06-01` → "1 June, year not given"; `--06` → "June, year not given".
fn month_day(value: &str, fr: bool) -> Option<String> {
    let rest = value.strip_prefix("--")?;
    let mut parts = rest.split('-');
    let month: usize = parts.next()?.get(..2)?.parse().ok()?;
    let name = month_name(month, fr)?;
    let no_year = if fr {
        "année non précisée"
    } else {
        "year not given"
    };
    match parts.next() {
        None => Some(format!("{name}, {no_year}")),
        Some(day) => {
            let day: usize = day.get(..2)?.parse().ok()?;
            if day == 0 || day > max_day(month) {
                return None;
            }
            let day = if fr && day == 1 {
                "1er".to_owned()
            } else {
                day.to_string()
            };
            Some(format!("{day} {name}, {no_year}"))
        }
    }
}

/// `P10M` → "10 months"; `PT26M` → "26 min"; `P1Y6M` → "1 year 6 months".
fn duration(value: &str, fr: bool) -> Option<String> {
    let (negative, rest) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let rest = rest.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut parts = Vec::new();
    let mut read = |text: &str, units: &[(char, &str, &str, &str, &str)]| -> Option<()> {
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                number.push(c);
                continue;
            }
            let &(_, en1, en, fr1, frn) = units.iter().find(|unit| unit.0 == c)?;
            if number.is_empty() {
                return None;
            }
            let one = number == "1";
            let unit = match (fr, one) {
                (false, true) => en1,
                (false, false) => en,
                (true, true) => fr1,
                (true, false) => frn,
            };
            let shown = if fr {
                number.replace('.', ",")
            } else {
                number.clone()
            };
            parts.push(format!("{shown} {unit}"));
            number.clear();
        }
        number.is_empty().then_some(())
    };
    read(
        date,
        &[
            ('Y', "year", "years", "an", "ans"),
            ('M', "month", "months", "mois", "mois"),
            ('D', "day", "days", "jour", "jours"),
        ],
    )?;
    read(
        time,
        &[
            ('H', "h", "h", "h", "h"),
            ('M', "min", "min", "min", "min"),
            ('S', "s", "s", "s", "s"),
        ],
    )?;
    if parts.is_empty() {
        return None;
    }
    let words = parts.join(" ");
    Some(if negative {
        format!("{} {words}", if fr { "moins" } else { "minus" })
    } else {
        words
    })
}

/// A number in words with its unit, placed as each language writes it: a
/// currency code (ISO 4217) as its sign where it has a common one
/// ("€1,500,000", "1 500 000 €"), any other unit after the number.
pub fn with_unit(number: &str, unit: &str, lang: Option<&str>) -> String {
    let sign = match unit {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    };
    match (sign, french(lang)) {
        (Some(sign), false) => format!("{sign}{number}"),
        (Some(sign), true) => format!("{number}\u{a0}{sign}"),
        (None, _) => format!("{number}\u{a0}{unit}"),
    }
}

/// A count with its thousands marked: 12,345 and 12 345.
pub fn number(count: usize, lang: Option<&str>) -> String {
    grouped(&count.to_string(), french(lang)).unwrap_or_default()
}

/// Digits with their thousands marked: 1,500,000 and 1 500 000 (narrow
/// no-break spaces, as French typography has it).
fn grouped(value: &str, fr: bool) -> Option<String> {
    let (sign, digits) = match value.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", value.strip_prefix('+').unwrap_or(value)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let separator = if fr { "\u{202f}" } else { "," };
    let mut out = String::from(sign);
    for (at, digit) in digits.chars().enumerate() {
        if at > 0 && (digits.len() - at).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(digit);
    }
    Some(out)
}

/// The names of the properties and classes of other vocabularies the data
/// uses, in English and French: the ontology labels its own terms, and
/// these would otherwise show as `rdfs:label`, `^person`.
pub fn known_term(iri: &str, lang: Option<&str>) -> Option<&'static str> {
    let fr = french(lang);
    let (en, french_name) = match iri {
        vocab::RDFS_LABEL => ("name", "nom"),
        vocab::SKOS_PREF_LABEL => ("usual name", "nom usuel"),
        vocab::RDF_TYPE => ("kind", "type"),
        vocab::RDFS_COMMENT => ("comment", "commentaire"),
        "http://www.w3.org/2004/02/skos/core#altLabel" => ("other name", "autre nom"),
        "http://www.w3.org/2004/02/skos/core#definition" => ("definition", "définition"),
        "http://www.w3.org/2004/02/skos/core#closeMatch" => {
            ("close match", "correspondance proche")
        }
        "http://purl.org/dc/terms/description" => ("description", "description"),
        "http://purl.org/dc/terms/isPartOf" => ("part of", "fait partie de"),
        "http://schema.org/inLanguage" => ("language", "langue"),
        "http://schema.org/author" => ("author", "auteur"),
        "http://schema.org/about" => ("about", "sujet"),
        "http://www.w3.org/2002/07/owl#sameAs" => ("same as", "identique à"),
        "http://www.w3.org/2002/07/owl#versionInfo" => ("version", "version"),
        "http://www.w3.org/2000/01/rdf-schema#subClassOf" => ("kind of", "sorte de"),
        "http://www.w3.org/2000/01/rdf-schema#subPropertyOf" => {
            ("narrower than", "plus précis que")
        }
        "http://www.w3.org/2000/01/rdf-schema#domain" => ("said of", "se dit de"),
        "http://www.w3.org/2000/01/rdf-schema#range" => ("value", "valeur"),
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject" => ("subject", "sujet"),
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate" => ("property", "propriété"),
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#object" => ("value", "valeur"),
        _ => return None,
    };
    Some(if fr { french_name } else { en })
}

/// An inverse fact's property in words: "person" read backwards is
/// "person of" ("personne de"); a label that already ends with its
/// preposition ("completes the date of") points back with "this one"
/// ("celui-ci").
pub fn inverse(name: &str, lang: Option<&str>) -> String {
    const PREPOSITIONS: [&str; 16] = [
        "of", "by", "to", "for", "in", "on", "with", "from", "de", "du", "des", "par", "à", "pour",
        "dans", "sur",
    ];
    let last = name.rsplit(' ').next().unwrap_or("");
    let ends_with_preposition = PREPOSITIONS.contains(&last) && name.contains(' ');
    match (french(lang), ends_with_preposition) {
        (true, true) => format!("{name} celui-ci"),
        (true, false) => format!("{name} de"),
        (false, true) => format!("{name} this one"),
        (false, false) => format!("{name} of"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};

    fn words(value: &str, datatype: &str, lang: &str) -> Option<String> {
        let literal =
            Literal::new_typed_literal(value, NamedNode::new_unchecked(format!("{XSD}{datatype}")));
        in_words(literal.as_ref(), Some(lang))
    }

    #[test]
    fn dates_durations_and_numbers_in_words() {
        assert_eq!(words("2017-06-01", "date", "en").unwrap(), "1 June 2017");
        assert_eq!(words("2017-06-01", "date", "fr").unwrap(), "1er juin 2017");
        assert_eq!(words("2017-06", "gYearMonth", "en").unwrap(), "June 2017");
        assert_eq!(
            words("--06-01", "gMonthDay", "en").unwrap(),
            "1 June, year not given"
        );
        assert_eq!(
            words("--06", "gMonth", "fr").unwrap(),
            "juin, année non précisée"
        );
        assert_eq!(words("P10M", "duration", "en").unwrap(), "10 months");
        assert_eq!(words("PT26M", "duration", "en").unwrap(), "26 min");
        assert_eq!(words("P1Y", "duration", "fr").unwrap(), "1 an");
        assert_eq!(words("-PT1S", "duration", "en").unwrap(), "minus 1 s");
        assert_eq!(words("true", "boolean", "en").unwrap(), "yes");
        assert_eq!(words("1500000", "decimal", "en").unwrap(), "1,500,000");
        assert_eq!(
            words("1500000", "integer", "fr").unwrap(),
            "1\u{202f}500\u{202f}000"
        );
        assert_eq!(words("21:00:00", "time", "fr").unwrap(), "21 h 00");
        // Invalid values are shown as written.
        assert_eq!(words("2017-02-30", "date", "en"), None);
        assert_eq!(words("P", "duration", "en"), None);
        assert_eq!(words("PT", "duration", "en"), None);
        assert_eq!(words("12a", "integer", "en"), None);
        assert_eq!(words("--13", "gMonth", "en"), None);
    }

    #[test]
    fn amounts_with_their_currency() {
        assert_eq!(with_unit("1,500,000", "EUR", Some("en")), "€1,500,000");
        assert_eq!(
            with_unit("1\u{202f}500\u{202f}000", "EUR", Some("fr")),
            "1\u{202f}500\u{202f}000\u{a0}€"
        );
        assert_eq!(with_unit("12", "CHF", None), "12\u{a0}CHF");
    }

    #[test]
    fn inverse_facts_read_backwards() {
        assert_eq!(inverse("person", Some("en")), "person of");
        assert_eq!(inverse("personne", Some("fr")), "personne de");
        assert_eq!(
            inverse("completes the date of", Some("en")),
            "completes the date of this one"
        );
    }
}
