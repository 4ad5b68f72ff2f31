//! Query parameters: `--param NAME=VALUE` and the server's `?name=value`
//! read by the stored query's declared types, then bound as RDF terms
//! (never spliced into the text). Called by `query`, the server and the
//! other commands that run stored queries.

use crate::graph::entity;
use crate::graph::Graph;
use crate::guard::error::{one_line, Failure, Kind};
use crate::sparql::catalog::{ParamKind, StoredQuery};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term, Variable};

/// Splits a `--param NAME=VALUE` argument.
pub fn split_param(param: &str) -> Result<(String, String), Failure> {
    match param.split_once('=') {
        Some((name, value)) => Ok((name.to_owned(), value.to_owned())),
        None => Err(Failure::usage(format!(
            "bad --param '{param}': expected NAME=VALUE"
        ))),
    }
}

/// Turns parameter values, by name, into variable bindings. With a stored
/// query the header gives each parameter's type; for ad-hoc queries the
/// value's own syntax decides (`<IRI>`, `prefix:x`, number, string).
/// `given` says how the user gave them, for messages: `--param` on the
/// command line, `parameter` over HTTP. A stored query's required
/// parameter left out is a usage error naming it.
pub fn bindings(
    graph: &Graph,
    query: Option<&StoredQuery>,
    params: &[(String, String)],
    given: &str,
) -> Result<Vec<(Variable, Term)>> {
    let mut bindings = Vec::new();
    for (name, value) in params {
        let name = name.trim().trim_start_matches(['?', '$']);
        let variable = Variable::new(name).map_err(|_| {
            Failure::usage(format!(
                "bad {given} '{}': not a variable name",
                one_line(name, 100)
            ))
        })?;
        let term = match query {
            Some(query) => {
                let Some(declared) = query.param(name) else {
                    return Err(unknown_param(query, name).into());
                };
                typed_value(graph, declared.kind, &format!("{given} {name}"), value)?
            }
            None => untyped_value(value),
        };
        bindings.push((variable, term));
    }
    if let Some(query) = query {
        let missing = query.params.iter().find(|param| {
            param.required
                && !params
                    .iter()
                    .any(|(name, _)| name.trim().trim_start_matches(['?', '$']) == param.name)
        });
        if let Some(param) = missing {
            return Err(Failure::usage(format!(
                "query '{}' needs {given} {}=VALUE: {}",
                query.name, param.name, param.description
            ))
            .into());
        }
    }
    Ok(bindings)
}

pub(crate) fn unknown_param(query: &StoredQuery, name: &str) -> Failure {
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

/// Reads a value according to the declared parameter type; `name` is the
/// parameter as the user gave it (`--param person`).
pub fn typed_value(graph: &Graph, kind: ParamKind, name: &str, value: &str) -> Result<Term> {
    let bad = |expected: &str| Failure::usage(format!("bad {name}='{value}': expected {expected}"));
    Ok(match kind {
        ParamKind::Iri => {
            let iri =
                vocab::iri_from_text(value).unwrap_or_else(|| format!("{}{value}", vocab::MKD));
            NamedNode::new(iri)
                .map_err(|_| bad("an IRI: <http://…>, a prefixed name such as mkd:x, or a slug"))?
                .into()
        }
        ParamKind::Entity => entity::resolve(graph, value)
            // The value is well formed but names nothing in the data: exit 1.
            .map_err(|e| {
                // A malformed value is a usage error, one the data lacks is not.
                let first = Failure::of(&e);
                Failure {
                    kind: crate::guard::error::kind(&e).unwrap_or(Kind::Internal),
                    // Laid out on lines when the cause is (the candidates),
                    // so a line break typed in the value is escaped.
                    message: format!("bad {name}='{}': {e}", value.escape_debug()),
                    block: first.is_some_and(|f| f.block),
                    candidates: first.map(|f| f.candidates.clone()).unwrap_or_default(),
                }
            })?
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

pub(crate) fn untyped_value(value: &str) -> Term {
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

pub(crate) fn is_integer(value: &str) -> bool {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

pub(crate) fn is_date(value: &str) -> bool {
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
