//! Syntax errors in plain words: the line and a caret under the spot, a
//! relative IRI without a base, an update where a query was expected, an
//! unknown prefix named with the declared ones. Called by [`super::parse`].

use crate::guard::error::{one_line, Failure, Kind};
use oxigraph::model::NamedNode;
use spargebra::SparqlParser;

pub(crate) fn is_update(parser: &SparqlParser, text: &str) -> bool {
    parser
        .clone()
        .with_base_iri("http://update.invalid/")
        .is_ok_and(|parser| parser.parse_update(text).is_ok())
}

pub(crate) fn parses_with_a_base(parser: &SparqlParser, text: &str) -> bool {
    parser
        .clone()
        .with_base_iri("http://base.invalid/")
        .is_ok_and(|parser| parser.parse_query(text).is_ok())
}

/// Says that a query failed on a relative IRI. The parser's own position
/// is where it gave up, often further on, so the caret goes under the first
/// `<…>` that is not an absolute IRI instead.
pub(crate) fn relative_iri_error(text: &str, origin: &str) -> Failure {
    let hint = crate::graph::iri::NO_BASE_HINT;
    for (number, line) in text.lines().enumerate() {
        for (start, _) in line.match_indices('<') {
            let rest = &line[start + 1..];
            let Some(end) = rest.find(|c: char| c == '>' || c == '<' || c.is_whitespace()) else {
                continue;
            };
            let iri = &rest[..end];
            if rest[end..].starts_with('>') && NamedNode::new(iri).is_err() {
                let column = line[..start].chars().count() + 1;
                let message = format!("error at {}:{column}: {hint} (<{iri}>)", number + 1);
                return syntax_error(text, origin, &message);
            }
        }
    }
    Failure::new(Kind::Syntax, format!("malformed query {origin}: {hint}"))
}

/// Says which prefix a query uses without declaring it, and which ones it
/// may use (the predeclared ones and its own PREFIX lines), on one line.
/// The parser only says "Prefix not found", at the end of the name: the
/// name is the one that ends there. `None` for any other error.
pub(crate) fn unknown_prefix(text: &str, origin: &str, message: &str) -> Option<Failure> {
    let (position, reason) = message.strip_prefix("error at ")?.split_once(": ")?;
    if !reason.contains("Prefix not found") {
        return None;
    }
    let (line, column) = position.split_once(':')?;
    let (line, column) = (line.parse::<usize>().ok()?, column.parse::<usize>().ok()?);
    let chars: Vec<char> = text.lines().nth(line.checked_sub(1)?)?.chars().collect();
    let end = column.saturating_sub(1).min(chars.len());
    let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '%' | '\\');
    let start = chars[..end]
        .iter()
        .rposition(|&c| !is_name(c))
        .map_or(0, |i| i + 1);
    let name: String = chars[start..end].iter().collect();
    let (prefix, _) = name.split_once(':')?;
    let mut declared: Vec<String> = crate::vocab::PREFIXES
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    // The query's own PREFIX lines, as a reader sees them.
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        if pair[0].eq_ignore_ascii_case("PREFIX") {
            if let Some((own, _)) = pair[1].split_once(':') {
                if !declared.iter().any(|d| d == own) {
                    declared.push(if own.is_empty() {
                        ":".into()
                    } else {
                        own.to_owned()
                    });
                }
            }
        }
    }
    Some(Failure::new(
        Kind::Syntax,
        format!(
            "malformed query {origin} at line {line}, column {}: unknown prefix '{}:'; declared: {}",
            start + 1,
            one_line(prefix, 50),
            declared.join(", ")
        ),
    ))
}

/// Rewords the parser's messages that do not say what is wrong.
pub(crate) fn explain_syntax(message: &str) -> String {
    let (Some((position, _)), largest) = (message.split_once(": "), usize::MAX) else {
        return message.to_owned();
    };
    for clause in ["limit", "offset"] {
        if message.contains(&format!(
            "The query {clause} should be a non negative integer"
        )) {
            return format!(
                "{position}: the {} is not a whole number from 0 to {largest}",
                clause.to_ascii_uppercase()
            );
        }
    }
    message.to_owned()
}

/// How many characters of the offending line a syntax error shows.
pub(crate) const SOURCE_WINDOW: usize = 100;

/// Builds the message for a SPARQL syntax error. Oxigraph reports
/// `error at LINE:COLUMN: expected …`; we add the line and a caret.
pub(crate) fn syntax_error(text: &str, origin: &str, message: &str) -> Failure {
    let location = message
        .strip_prefix("error at ")
        .and_then(|rest| rest.split_once(": "))
        .and_then(|(position, expected)| {
            let (line, column) = position.split_once(':')?;
            Some((
                line.parse::<usize>().ok()?,
                column.parse::<usize>().ok()?,
                expected,
            ))
        });
    let Some((line, column, expected)) = location else {
        return Failure::new(
            Kind::Syntax,
            format!("malformed query {origin}: {}", one_line(message, 300)),
        );
    };
    // Oxigraph lists the character classes a name may start with; they say
    // nothing a reader needs, so the list stops at the first one.
    let flat = one_line(expected, 2000);
    let items: Vec<&str> = flat.split(", ").collect();
    let kept: Vec<&str> = items
        .iter()
        .copied()
        .filter(|item| !item.starts_with('['))
        .collect();
    // A long list is a sample of the grammar's keywords, not a hint.
    let expected = match (kept.len() == items.len(), kept.is_empty()) {
        _ if kept.len() > 8 => "unexpected text (see the spot below)".to_owned(),
        (true, _) => one_line(&flat, 300),
        (false, true) => "expected a name".to_owned(),
        (false, false) => format!("{}, or a name", kept.join(", ")),
    };
    let full = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    // A long line is shown as a window around the spot: a query can be
    // megabytes on one line.
    let chars: Vec<char> = full.chars().collect();
    let spot = column.saturating_sub(1).min(chars.len());
    let from = spot.saturating_sub(SOURCE_WINDOW / 2);
    let to = (from + SOURCE_WINDOW).min(chars.len());
    let mut source: String = if from > 0 {
        "…".into()
    } else {
        String::new()
    };
    source.extend(chars[from..to].iter().map(|&c| {
        if c.is_control() && c != '\t' {
            '�'
        } else {
            c
        }
    }));
    if to < chars.len() {
        source.push('…');
    }
    // Keep tabs so the caret lines up under the spot however tabs render.
    let pad: String = (from > 0)
        .then_some(' ')
        .into_iter()
        .chain(
            chars[from..spot]
                .iter()
                .map(|&c| if c == '\t' { '\t' } else { ' ' }),
        )
        .collect();
    let gutter = line.to_string();
    let blank = " ".repeat(gutter.len());
    Failure::new(
        Kind::Syntax,
        format!(
            "malformed query {origin} at line {line}, column {column}: {expected}\n \
         {gutter} | {source}\n {blank} | {pad}^"
        ),
    )
    .block()
}
