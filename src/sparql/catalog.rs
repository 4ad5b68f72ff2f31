//! Stored queries: `queries/<name>.rq`, compiled into the binary.
//!
//! Each file opens with a grlc-style `#+` header (title, description, one
//! `param` line per parameter, required unless its type ends in `?`, and
//! `example` lines giving the bindings the tests and `queries NAME` use);
//! the rest is SPARQL. The header lines are
//! SPARQL comments, so the whole file is sent to the parser and error line
//! numbers match the file. Names ending in `-violation` are checks that must
//! return no rows.

use crate::graph::embedded;
use crate::guard::error::{Failure, Kind};
use anyhow::{anyhow, bail, Result};
use std::fmt;
use std::path::Path;

/// The type of a query parameter; decides how `--param NAME=VALUE` is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `<IRI>`, `prefix:local`, or a bare slug (an `mkd:` entity).
    Iri,
    /// A plain literal.
    String,
    /// An `xsd:integer`.
    Integer,
    /// An `xsd:date` (`YYYY-MM-DD`).
    Date,
    /// Anything `describe` accepts: label, slug, prefixed name or IRI.
    Entity,
}

impl ParamKind {
    const NAMES: &[(&str, Self)] = &[
        ("iri", Self::Iri),
        ("string", Self::String),
        ("integer", Self::Integer),
        ("date", Self::Date),
        ("entity", Self::Entity),
    ];

    fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, kind)| *kind)
    }
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = Self::NAMES
            .iter()
            .find(|(_, kind)| kind == self)
            .map_or("?", |(name, _)| name);
        f.write_str(name)
    }
}

/// One `#+ param:` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    /// Whether the query needs a value (`TYPE`); `TYPE?` may be left
    /// unbound, and the query then answers for every value.
    pub required: bool,
    pub description: String,
}

/// A query file with its header.
#[derive(Debug, Clone)]
pub struct StoredQuery {
    /// File stem: the name used on the command line.
    pub name: String,
    pub title: String,
    pub description: String,
    pub params: Vec<Param>,
    /// `NAME=VALUE` bindings of the example run, as `--param` takes them.
    pub example: Vec<String>,
    /// How a terminal table shows the rows (`#+ table:`).
    pub table: TableView,
    /// The whole file, header included.
    pub sparql: String,
}

/// How a terminal table shows a stored query's rows: as they come, or
/// (`#+ table: questions`, for rows of two articles' values to one
/// question) one row per question with one column per article, as the
/// site shows them. Every other format keeps the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableView {
    Rows,
    Questions,
}

impl StoredQuery {
    /// Parses a query file; `origin` names it in errors.
    pub fn parse(name: &str, origin: &str, text: &str) -> Result<Self> {
        let mut title = None;
        let mut description = None;
        let mut params = Vec::new();
        let mut example = Vec::new();
        let mut table = TableView::Rows;
        for (index, line) in text.lines().enumerate() {
            let Some(rest) = line.strip_prefix("#+") else {
                break;
            };
            let at = || format!("{origin} line {}", index + 1);
            let Some((key, value)) = rest.split_once(':') else {
                bail!("{}: expected `#+ key: value`", at());
            };
            let value = value.trim();
            match key.trim() {
                "title" => title = Some(value.to_owned()),
                "description" => description = Some(value.to_owned()),
                "param" => params.push(parse_param(value).map_err(|e| anyhow!("{}: {e}", at()))?),
                "example" => {
                    let declared = value
                        .split_once('=')
                        .is_some_and(|(name, _)| params.iter().any(|p: &Param| p.name == name));
                    if !declared {
                        bail!(
                            "{}: `#+ example:` takes NAME=VALUE for a parameter declared above it",
                            at()
                        );
                    }
                    example.push(value.to_owned());
                }
                "table" => {
                    table = match value {
                        "rows" => TableView::Rows,
                        "questions" => TableView::Questions,
                        _ => bail!("{}: `#+ table:` takes rows or questions", at()),
                    }
                }
                other => bail!(
                    "{}: unknown header key '{other}' (expected title, description, param, example or table)",
                    at()
                ),
            }
        }
        let missing = |key: &str| anyhow!("{origin}: missing `#+ {key}:` header line");
        Ok(Self {
            name: name.to_owned(),
            title: title.ok_or_else(|| missing("title"))?,
            description: description.ok_or_else(|| missing("description"))?,
            params,
            example,
            table,
            sparql: text.to_owned(),
        })
    }

    /// A check: a query that must return no rows.
    pub fn is_check(&self) -> bool {
        self.name.ends_with("-violation")
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }
}

/// `NAME TYPE DESCRIPTION...`, or `NAME TYPE? …` for an optional one.
fn parse_param(value: &str) -> Result<Param> {
    let mut words = value.split_whitespace();
    let (Some(name), Some(kind)) = (words.next(), words.next()) else {
        bail!("expected `#+ param: NAME TYPE DESCRIPTION`");
    };
    let (kind, required) = match kind.strip_suffix('?') {
        Some(kind) => (kind, false),
        None => (kind, true),
    };
    let kind = ParamKind::from_name(kind).ok_or_else(|| {
        anyhow!(
            "unknown parameter type '{kind}' (expected one of: {})",
            ParamKind::NAMES
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    Ok(Param {
        name: name.trim_start_matches(['?', '$']).to_owned(),
        kind,
        required,
        description: words.collect::<Vec<_>>().join(" "),
    })
}

/// Every stored query, sorted by name.
#[derive(Debug, Default)]
pub struct Catalog {
    pub queries: Vec<StoredQuery>,
}

impl Catalog {
    /// The queries compiled into the binary. A malformed header is an error:
    /// a typo must not silently drop a title or a parameter.
    pub fn embedded() -> Result<Self> {
        Self::from_files(embedded::QUERIES.iter().copied())
    }

    /// The compiled-in query named `name`, read alone: a stored query runs
    /// without every other header being parsed first (the tests parse
    /// them all).
    pub fn embedded_query(name: &str) -> Result<Option<StoredQuery>> {
        let found = embedded::QUERIES.iter().find(|(path, _)| {
            let path = Path::new(path);
            path.extension().is_some_and(|e| e == "rq")
                && path.file_stem().is_some_and(|stem| stem == name)
        });
        found
            .map(|(path, text)| StoredQuery::parse(name, path, text))
            .transpose()
    }

    /// Builds a catalog from `(path, text)` pairs; only `.rq` files count.
    pub fn from_files<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut queries = Vec::new();
        for (path, text) in files {
            let path = Path::new(path);
            if path.extension().is_none_or(|e| e != "rq") {
                continue;
            }
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            queries.push(StoredQuery::parse(
                &name,
                &path.display().to_string(),
                text,
            )?);
        }
        queries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Self { queries })
    }

    pub fn get(&self, name: &str) -> Option<&StoredQuery> {
        self.queries.iter().find(|query| query.name == name)
    }

    /// The stored query `name`, or an error naming the closest ones.
    pub fn find(&self, name: &str) -> Result<&StoredQuery, Failure> {
        self.get(name).ok_or_else(|| self.unknown(name))
    }

    /// The error for an unknown name, suggesting the closest ones: a name
    /// the catalog does not hold (exit 1, 404).
    pub fn unknown(&self, name: &str) -> Failure {
        let mut scored: Vec<(f64, &str)> = self
            .queries
            .iter()
            .map(|q| (strsim::jaro_winkler(name, &q.name), q.name.as_str()))
            .filter(|(score, _)| *score > 0.7)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let names: Vec<String> = scored
            .iter()
            .take(3)
            .map(|(_, name)| format!("'{name}'"))
            .collect();
        let message = if names.is_empty() {
            format!("unknown stored query '{name}'; run `missions-kg queries` to list them")
        } else {
            format!(
                "unknown stored query '{name}'; did you mean {}?",
                names.join(", ")
            )
        };
        Failure::new(Kind::NotFound, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATORS: &str = "#+ title: Creators\n#+ description: Who created it.\n\
        #+ param: person iri? The person (all when omitted)\n\
        #+ param: film iri The film\nSELECT * {}\n";

    #[test]
    fn parses_a_header() {
        let query = StoredQuery::parse("creators", "creators.rq", CREATORS).unwrap();
        assert_eq!(query.title, "Creators");
        assert_eq!(query.description, "Who created it.");
        assert_eq!(
            query.params,
            vec![
                Param {
                    name: "person".into(),
                    kind: ParamKind::Iri,
                    required: false,
                    description: "The person (all when omitted)".into()
                },
                Param {
                    name: "film".into(),
                    kind: ParamKind::Iri,
                    required: true,
                    description: "The film".into()
                }
            ]
        );
        assert!(!query.is_check());
    }

    #[test]
    fn rejects_an_unknown_key_with_its_line() {
        let error = StoredQuery::parse("x", "queries/x.rq", "#+ title: T\n#+ titel: U\n")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("queries/x.rq line 2: unknown header key 'titel'"));
    }

    #[test]
    fn reads_the_table_view_and_rejects_an_unknown_one() {
        let header = "#+ title: T\n#+ description: D\n";
        let parse =
            |extra: &str| StoredQuery::parse("x", "x.rq", &format!("{header}{extra}ASK {{}}"));
        assert_eq!(parse("").unwrap().table, TableView::Rows);
        assert_eq!(
            parse("#+ table: questions\n").unwrap().table,
            TableView::Questions
        );
        let error = parse("#+ table: pivot\n").unwrap_err().to_string();
        assert_eq!(error, "x.rq line 3: `#+ table:` takes rows or questions");
    }

    #[test]
    fn rejects_missing_title_and_bad_param_type() {
        assert!(StoredQuery::parse("x", "x.rq", "#+ description: D\nASK {}").is_err());
        let error = StoredQuery::parse("x", "x.rq", "#+ title: T\n#+ param: a float D\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown parameter type 'float'"), "{error}");
    }

    #[test]
    fn suggests_close_names() {
        let catalog = Catalog::from_files([
            ("queries/creators.rq", CREATORS),
            ("queries/cast.rq", CREATORS),
            ("queries/README.md", "not a query"),
        ])
        .unwrap();
        assert_eq!(catalog.queries.len(), 2);
        assert!(catalog
            .unknown("creator")
            .to_string()
            .starts_with("unknown stored query 'creator'; did you mean 'creators'"));
        assert!(catalog.unknown("zzz").to_string().contains("queries`"));
    }
}
