//! Running SPARQL: parsing with the predeclared prefixes, binding
//! `--param` values, evaluating with an optional timeout.
//!
//! Parameter values become RDF terms that are substituted for variables
//! after parsing (`substitute_variable`); they are never spliced into the
//! query text, so a value cannot change the query's shape.

use crate::catalog::{ParamKind, StoredQuery};
use crate::dataset::Dataset;
use crate::entity;
use crate::error::{one_line, Failure};
use crate::vocab;
use anyhow::{anyhow, Result};
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::{
    CancellationToken, PreparedSparqlQuery, QueryEvaluationError, QueryResults, SparqlEvaluator,
};
use std::io::Write;
use std::thread;
use std::time::Duration;

/// A parsed query, ready to be bound and run.
pub struct Prepared {
    query: PreparedSparqlQuery,
    token: CancellationToken,
}

/// Parses `text` with the predeclared prefixes. `origin` names the query
/// (stored name, file or "query") in a syntax error, which shows the line
/// and a caret under the spot.
pub fn prepare(text: &str, origin: &str) -> Result<Prepared> {
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    }) {
        return Err(Failure::new(format!(
            "the query {origin} is empty: give a SPARQL query, a .rq file, a stored query name (see `missions-kg queries`), or - for stdin"
        ))
        .into());
    }
    let token = CancellationToken::new();
    let mut evaluator = SparqlEvaluator::new();
    for (name, iri) in vocab::PREFIXES {
        evaluator = evaluator
            .with_prefix(*name, *iri)
            .map_err(|e| anyhow!("invalid predeclared prefix {name}: {e}"))?;
    }
    let query = evaluator
        .with_cancellation_token(token.clone())
        .parse_query(text)
        .map_err(|e| syntax_error(text, origin, &e.to_string()))?;
    Ok(Prepared { query, token })
}

impl Prepared {
    /// Binds one variable to a value.
    #[must_use]
    pub fn bind(self, variable: Variable, value: Term) -> Self {
        Self {
            query: self.query.substitute_variable(variable, value),
            token: self.token,
        }
    }

    /// Evaluates on `store`; after `timeout` seconds the evaluation is
    /// cancelled (also while results are being read).
    pub fn execute(self, store: &Dataset, timeout: Option<f64>) -> Result<QueryResults<'_>> {
        if let Some(seconds) = timeout {
            let token = self.token.clone();
            let duration = Duration::try_from_secs_f64(seconds).map_err(|_| {
                Failure::usage(format!(
                    "invalid --timeout {seconds:?}: give a number of seconds, such as 5 or 0.5"
                ))
            })?;
            // A detached timer: if the query ends first, the process exits
            // and the thread with it. Oxigraph checks the token
            // cooperatively and some joins run long between checks, so if
            // the query has not stopped shortly after, end the process.
            thread::spawn(move || {
                thread::sleep(duration);
                token.cancel();
                thread::sleep(Duration::from_millis(500));
                let _ = writeln!(
                    std::io::stderr(),
                    "error: query timed out after {seconds} s"
                );
                std::process::exit(i32::from(crate::error::FAILURE));
            });
        }
        self.query
            .on_queryable_dataset(store)
            .execute()
            .map_err(|error| match error {
                // Oxigraph substitutes a bound value into the query, and so
                // only binds variables the query returns.
                QueryEvaluationError::NotExistingSubstitutedVariable(variable) => Failure::usage(
                    format!(
                        "cannot bind --param {}: the query does not return {variable}; add it to the SELECT clause",
                        variable.as_str()
                    ),
                )
                .into(),
                error => error.into(),
            })
    }
}

/// Rewrites a cancellation into the timeout message.
pub fn explain_timeout(error: anyhow::Error, timeout: Option<f64>) -> anyhow::Error {
    let cancelled = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<QueryEvaluationError>(),
            Some(QueryEvaluationError::Cancelled)
        )
    });
    match timeout {
        Some(seconds) if cancelled => {
            Failure::new(format!("query timed out after {seconds} s")).into()
        }
        _ => error,
    }
}

/// Turns `--param NAME=VALUE` arguments into variable bindings. With a
/// stored query the header gives each parameter's type; for ad-hoc queries
/// the value's own syntax decides (`<IRI>`, `prefix:x`, number, string).
pub fn bindings(
    store: &Dataset,
    query: Option<&StoredQuery>,
    params: &[String],
) -> Result<Vec<(Variable, Term)>> {
    let mut bindings = Vec::new();
    for param in params {
        let Some((name, value)) = param.split_once('=') else {
            return Err(
                Failure::usage(format!("bad --param '{param}': expected NAME=VALUE")).into(),
            );
        };
        let name = name.trim().trim_start_matches(['?', '$']);
        let variable = Variable::new(name).map_err(|_| {
            Failure::usage(format!(
                "bad --param '{param}': '{name}' is not a variable name"
            ))
        })?;
        let term = match query {
            Some(query) => {
                let Some(declared) = query.param(name) else {
                    return Err(unknown_param(query, name).into());
                };
                typed_value(store, declared.kind, name, value)?
            }
            None => untyped_value(value),
        };
        bindings.push((variable, term));
    }
    Ok(bindings)
}

fn unknown_param(query: &StoredQuery, name: &str) -> Failure {
    let names: Vec<&str> = query.params.iter().map(|p| p.name.as_str()).collect();
    Failure::usage(if names.is_empty() {
        format!(
            "unknown parameter '{name}': query '{}' takes no parameters",
            query.name
        )
    } else {
        format!(
            "unknown parameter '{name}' for query '{}'; its parameters are: {}",
            query.name,
            names.join(", ")
        )
    })
}

/// Reads a value according to the declared parameter type.
pub fn typed_value(store: &Dataset, kind: ParamKind, name: &str, value: &str) -> Result<Term> {
    let bad = |expected: &str| {
        Failure::usage(format!("bad --param {name}='{value}': expected {expected}"))
    };
    Ok(match kind {
        ParamKind::Iri => {
            let iri =
                vocab::iri_from_text(value).unwrap_or_else(|| format!("{}{value}", vocab::MKD));
            NamedNode::new(iri)
                .map_err(|_| bad("an IRI: <http://…>, a prefixed name such as mkd:x, or a slug"))?
                .into()
        }
        ParamKind::Entity => entity::resolve(store, value)
            .map_err(|e| Failure::usage(format!("bad --param {name}='{value}': {e}")))?
            .into(),
        ParamKind::String => Literal::new_simple_literal(value).into(),
        ParamKind::Integer => {
            if !is_integer(value) {
                return Err(bad("an integer such as 42").into());
            }
            Literal::new_typed_literal(value, xsd::INTEGER).into()
        }
        ParamKind::Date => {
            if !is_date(value) {
                return Err(bad("a date as YYYY-MM-DD").into());
            }
            Literal::new_typed_literal(value, xsd::DATE).into()
        }
    })
}

fn untyped_value(value: &str) -> Term {
    if let Some(iri) = vocab::iri_from_text(value) {
        if let Ok(node) = NamedNode::new(iri) {
            return node.into();
        }
    }
    if is_integer(value) {
        return Literal::new_typed_literal(value, xsd::INTEGER).into();
    }
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    Literal::new_simple_literal(unquoted).into()
}

fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let number = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok())?
    };
    matches!(
        (number(year, 4), number(month, 2), number(day, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// Builds the message for a SPARQL syntax error. Oxigraph reports
/// `error at LINE:COLUMN: expected …`; we add the line and a caret.
fn syntax_error(text: &str, origin: &str, message: &str) -> Failure {
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
        return Failure::new(format!(
            "malformed query {origin}: {}",
            one_line(message, 300)
        ));
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
    let source = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    // Keep tabs so the caret lines up under the spot however tabs render.
    let pad: String = source
        .chars()
        .take(column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let gutter = line.to_string();
    let blank = " ".repeat(gutter.len());
    Failure::new(format!(
        "malformed query {origin} at line {line}, column {column}: {expected}\n \
         {gutter} | {source}\n {blank} | {pad}^"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_spot_of_a_syntax_error() {
        let text = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?o = \n}";
        let Err(error) = prepare(text, "'q'") else {
            panic!("should not parse");
        };
        let message = error.to_string();
        // Oxigraph reports the furthest point it read: here the end of input.
        assert!(
            message.starts_with("malformed query 'q' at line 4, column 2:"),
            "{message}"
        );
        assert!(message.ends_with(" 4 | }\n   |  ^"), "{message}");
    }

    #[test]
    fn reads_untyped_values_by_their_syntax() {
        assert_eq!(
            untyped_value("mkd:x"),
            Term::from(NamedNode::new_unchecked(format!("{}x", vocab::MKD)))
        );
        assert_eq!(
            untyped_value("42"),
            Term::from(Literal::new_typed_literal("42", xsd::INTEGER))
        );
        assert_eq!(
            untyped_value("\"a b\""),
            Term::from(Literal::new_simple_literal("a b"))
        );
    }

    #[test]
    fn validates_typed_values() {
        let store = Dataset::default();
        let slug = typed_value(&store, ParamKind::Iri, "p", "julien-lacombe").unwrap();
        assert_eq!(slug.to_string(), format!("<{}julien-lacombe>", vocab::MKD));
        assert!(typed_value(&store, ParamKind::Date, "d", "2020-13-01").is_err());
        assert!(typed_value(&store, ParamKind::Date, "d", "2020-02-01").is_ok());
        let error = typed_value(&store, ParamKind::Integer, "n", "ten").unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad --param n='ten': expected an integer such as 42"
        );
    }

    #[test]
    fn binds_only_declared_parameters() {
        let store = Dataset::default();
        let query = StoredQuery::parse(
            "q",
            "q.rq",
            "#+ title: T\n#+ description: D\n#+ param: n integer N\nSELECT * {}",
        )
        .unwrap();
        assert_eq!(
            bindings(&store, Some(&query), &["n=3".into()])
                .unwrap()
                .len(),
            1
        );
        let error = bindings(&store, Some(&query), &["m=3".into()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown parameter 'm' for query 'q'; its parameters are: n"
        );
        assert!(bindings(&store, None, &["novalue".into()]).is_err());
    }
}
