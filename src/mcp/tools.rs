//! The tools an assistant is offered, and its arguments read into a
//! [`Call`]. Each stored query is a tool of its own, made from its `#+`
//! header (title, description, typed parameters), so a new query file is a
//! new tool with nothing written here; `sparql`, `describe`, `why` and
//! `search` are the fixed ones. Arguments are checked against what each
//! tool declares before anything runs: an unknown tool, an unknown
//! argument or one of the wrong type is a JSON-RPC "invalid params" error.

use super::answers::{Window, DEFAULT_ROWS, MAX_ROWS};
use crate::sparql::catalog::{Catalog, ParamKind, StoredQuery};
use rmcp::model::{ErrorData, JsonObject, Tool, ToolAnnotations};
use serde_json::{json, Value};
use std::sync::Arc;

/// The longest query text a tool takes: the HTTP endpoint's limit.
use crate::guard::limits::MAX_QUERY_BYTES;
/// The most entities `search` returns.
pub const MAX_FOUND: usize = 50;

/// One tool call, its arguments read.
pub enum Call {
    /// A stored query, with its parameters by name, as `--param` gives them.
    Stored {
        query: StoredQuery,
        params: Vec<(String, String)>,
        window: Window,
    },
    /// Any read-only query.
    Sparql {
        text: String,
        window: Window,
        /// Each row with the facts it rests on (`facts: true`).
        facts: bool,
    },
    /// An entity, found as `describe` finds it.
    Describe { entity: String, window: Window },
    /// A query's answers with their supports and evidence: a stored query
    /// by name (with `params`) or SPARQL text.
    Why {
        query: String,
        params: Vec<(String, String)>,
        window: Window,
    },
    /// Entities by label, forgivingly.
    Search { text: String, limit: usize },
}

/// Every tool, and the stored queries they were made from.
pub struct Tools {
    pub list: Vec<Tool>,
    catalog: Catalog,
}

impl Tools {
    /// The fixed tools, then one per stored query.
    pub fn new(catalog: Catalog) -> Self {
        let mut list = vec![sparql(), describe(), why(), search()];
        for query in &catalog.queries {
            // A stored query named as a fixed tool would be unreachable.
            if !list.iter().any(|tool| tool.name == query.name) {
                list.push(stored(query));
            }
        }
        Self { list, catalog }
    }

    /// Reads a call of tool `name` with `arguments`.
    pub fn decode(&self, name: &str, arguments: JsonObject) -> Result<Call, ErrorData> {
        let mut arguments = Arguments { name, arguments };
        let call = match name {
            "sparql" => Call::Sparql {
                text: arguments.query_text("query")?,
                window: arguments.window()?,
                facts: arguments.flag("facts")?,
            },
            "describe" => Call::Describe {
                entity: arguments.required_text("entity")?,
                window: arguments.window()?,
            },
            "why" => Call::Why {
                query: arguments.query_text("query")?,
                params: arguments.params()?,
                window: arguments.window()?,
            },
            "search" => Call::Search {
                text: arguments.required_text("text")?,
                limit: arguments.count("limit", 1, MAX_FOUND)?.unwrap_or(15),
            },
            _ => {
                let Some(query) = self.catalog.get(name) else {
                    return Err(ErrorData::invalid_params(
                        format!(
                            "unknown tool '{}': tools/list names the tools",
                            crate::guard::error::one_line(name, 80)
                        ),
                        None,
                    ));
                };
                let mut params = Vec::new();
                for param in &query.params {
                    if let Some(value) = arguments.value(&param.name, param.kind)? {
                        params.push((param.name.clone(), value));
                    }
                }
                Call::Stored {
                    query: query.clone(),
                    params,
                    window: arguments.window()?,
                }
            }
        };
        arguments.finish()?;
        Ok(call)
    }
}

/// A call's arguments, taken out one by one; what is left is unknown.
struct Arguments<'a> {
    name: &'a str,
    arguments: JsonObject,
}

impl Arguments<'_> {
    fn invalid(&self, message: String) -> ErrorData {
        ErrorData::invalid_params(format!("tool '{}': {message}", self.name), None)
    }

    /// A boolean argument; absent is false.
    fn flag(&mut self, key: &str) -> Result<bool, ErrorData> {
        match self.arguments.remove(key) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(flag)) => Ok(flag),
            Some(_) => Err(self.invalid(format!("'{key}' must be true or false"))),
        }
    }

    fn text(&mut self, key: &str) -> Result<Option<String>, ErrorData> {
        match self.arguments.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(self.invalid(format!("'{key}' must be a string"))),
        }
    }

    fn required_text(&mut self, key: &str) -> Result<String, ErrorData> {
        self.text(key)?
            .ok_or_else(|| self.invalid(format!("'{key}' is required")))
    }

    /// A query's text (or stored query name), within the endpoint's size.
    fn query_text(&mut self, key: &str) -> Result<String, ErrorData> {
        let text = self.required_text(key)?;
        if text.len() > MAX_QUERY_BYTES {
            return Err(self.invalid(format!(
                "'{key}' is longer than {MAX_QUERY_BYTES} bytes (the query size limit)"
            )));
        }
        Ok(text)
    }

    /// A whole number from `low` to `high`, if given.
    fn count(&mut self, key: &str, low: usize, high: usize) -> Result<Option<usize>, ErrorData> {
        match self.arguments.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => match number.as_u64() {
                Some(n) if (low as u64..=high as u64).contains(&n) => Ok(Some(n as usize)),
                _ => Err(self.invalid(format!(
                    "'{key}' must be a whole number from {low} to {high}"
                ))),
            },
            Some(_) => Err(self.invalid(format!("'{key}' must be a number"))),
        }
    }

    /// `offset` and `limit`.
    fn window(&mut self) -> Result<Window, ErrorData> {
        Ok(Window {
            offset: self.count("offset", 0, u32::MAX as usize)?.unwrap_or(0),
            limit: self.count("limit", 1, MAX_ROWS)?.unwrap_or(DEFAULT_ROWS),
        })
    }

    /// A stored query's parameter, as text `--param` would take: a
    /// number may come as a JSON number.
    fn value(&mut self, key: &str, kind: ParamKind) -> Result<Option<String>, ErrorData> {
        match self.arguments.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(Value::Number(number)) if kind == ParamKind::Integer => {
                Ok(Some(number.to_string()))
            }
            Some(_) => Err(self.invalid(format!("'{key}' must be a string"))),
        }
    }

    /// `why`'s `params`: an object of strings.
    fn params(&mut self) -> Result<Vec<(String, String)>, ErrorData> {
        match self.arguments.remove("params") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(params)) => params
                .into_iter()
                .map(|(name, value)| match value {
                    Value::String(text) => Ok((name, text)),
                    Value::Number(number) => Ok((name, number.to_string())),
                    _ => Err(self.invalid(format!("'params.{name}' must be a string"))),
                })
                .collect(),
            Some(_) => {
                Err(self
                    .invalid("'params' must be an object of parameter names and values".to_owned()))
            }
        }
    }

    /// Refuses arguments no tool of this name takes.
    fn finish(self) -> Result<(), ErrorData> {
        match self.arguments.keys().next() {
            None => Ok(()),
            Some(key) => Err(self.invalid(format!(
                "unknown argument '{}'",
                crate::guard::error::one_line(key, 80)
            ))),
        }
    }
}

/// A JSON object value as rmcp holds a schema.
fn object(value: Value) -> Arc<JsonObject> {
    match value {
        Value::Object(map) => Arc::new(map),
        _ => Arc::default(),
    }
}

/// `offset` and `limit`, in every schema of a tool that pages.
fn window_properties() -> Value {
    json!({
        "offset": {
            "type": "integer", "minimum": 0, "default": 0,
            "description": "Skip this many rows: the `next_offset` of the previous answer reads on."
        },
        "limit": {
            "type": "integer", "minimum": 1, "maximum": MAX_ROWS, "default": DEFAULT_ROWS,
            "description": format!("At most this many rows (at most {MAX_ROWS}; an answer also stops at 256 KiB).")
        }
    })
}

fn with_window(mut properties: Value) -> Value {
    if let (Value::Object(map), Value::Object(window)) = (&mut properties, window_properties()) {
        map.extend(window);
    }
    properties
}

/// What a query tool answers (stored queries, `sparql`, `why`).
fn results_schema() -> Arc<JsonObject> {
    object(json!({
        "type": "object",
        "properties": {
            "form": {"type": "string", "enum": ["select", "ask", "graph"],
                     "description": "select: rows; ask: a boolean; graph (CONSTRUCT, DESCRIBE): triples"},
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object"},
                     "description": "Each row: a column's value as SPARQL JSON results write it ({type, value, xml:lang or datatype}). `why` and the stored queries add `supports` (the sets of graphs, mostly articles, whose facts give the row) and `facts` (each fact the row rests on, with the articles stating it and their passages: quote these), each with `_` appended when the query has a column of that name."},
            "boolean": {"type": "boolean"},
            "triples": {"type": "array", "items": {"type": "object"}},
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "shown": {"type": "integer"},
            "more": {"type": "integer", "description": "Rows after these; call again with `next_offset`."},
            "next_offset": {"type": "integer"},
            "cut": {"type": "boolean", "description": "Set when one row alone would pass 256 KiB: its long texts were cut, each ending with how many characters more it had."}
        },
        "required": ["form"]
    }))
}

fn read_only() -> ToolAnnotations {
    ToolAnnotations::new()
        .read_only(true)
        .destructive(false)
        .idempotent(true)
        .open_world(false)
}

fn sparql() -> Tool {
    Tool::new(
        "sparql",
        "Run a read-only SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE) on the Missions knowledge graph. \
         Prefixes mk: (ontology), mkd: (entities), mks: (articles), rdfs:, schema:, xsd:… are predeclared. \
         The default graph is the merged view; each article's facts are in its own named graph \
         (GRAPH ?article { … } says which article states a fact). Updates and SERVICE are refused; \
         a query stops at the server's time and memory limits. Rows come in pages: `more` and `next_offset` say how to read on. \
         With `facts: true`, each row of a SELECT or ASK comes with the facts it rests on, the articles stating them and their passages, to quote.",
        object(json!({
            "type": "object",
            "properties": with_window(json!({
                "query": {"type": "string", "maxLength": MAX_QUERY_BYTES, "description": "The SPARQL query text."},
                "facts": {"type": "boolean", "default": false,
                          "description": "Give each row of a SELECT or ASK its `facts`: each fact it rests on, with every graph stating it, which are articles, and their passages (a local graph; some queries cannot be traced, and say so)."}
            })),
            "required": ["query"]
        })),
    )
    .with_title("SPARQL query")
    .with_raw_output_schema(results_schema())
    .with_annotations(read_only())
}

fn describe() -> Tool {
    Tool::new(
        "describe",
        "Everything the graph knows about one entity (a person, a character, the series, an article…): \
         each fact with the articles that state it and, when the server has the article texts, the passage \
         that says it. Give a name as people write it (French or English, accents and case ignored, part of a \
         name works: \"Meyer\"), a slug, a prefixed name (mkd:julien-lacombe) or an IRI. A name that fits \
         several entities is an error listing them: call again with one of their names.",
        object(json!({
            "type": "object",
            "properties": with_window(json!({
                "entity": {"type": "string", "description": "A label, slug, prefixed name or IRI."}
            })),
            "required": ["entity"]
        })),
    )
    .with_title("Describe an entity")
    .with_raw_output_schema(object(json!({
        "type": "object",
        "properties": {
            "iri": {"type": "string"},
            "name": {"type": "string"},
            "label": {"type": ["string", "null"]},
            "classes": {"type": "array", "items": {"type": "string"}},
            "facts": {"type": "array", "items": {"type": "object", "properties": {
                "property": {"type": "string"},
                "property_name": {"type": "string"},
                "direction": {"type": "string", "enum": ["out", "in"],
                              "description": "in: the value points at the entity"},
                "value": {"type": "object"},
                "value_text": {"type": "string"},
                "articles": {"type": "array", "items": {"type": "string"}},
                "graphs": {"type": "array", "items": {"type": "string"}},
                "passages": {"type": "array", "items": {"type": "object"}},
                "nested": {"type": "array", "items": {"type": "object"}}
            }}},
            "external_links": {"type": "array", "items": {"type": "object"}},
            "total": {"type": "integer"},
            "offset": {"type": "integer"},
            "shown": {"type": "integer"},
            "more": {"type": "integer"},
            "next_offset": {"type": "integer"}
        },
        "required": ["iri", "facts"]
    })))
    .with_annotations(read_only())
}

fn why() -> Tool {
    Tool::new(
        "why",
        "Why each answer of a query is there: for a stored query (by name, with `params`) or a SPARQL SELECT or ASK, \
         each row with `supports` (the minimal sets of graphs, mostly articles, whose facts together give it) and \
         `facts` (each fact it rests on, with the articles stating it and their passages). What \
         `missions-kg query --why --evidence` computes.",
        object(json!({
            "type": "object",
            "properties": with_window(json!({
                "query": {"type": "string", "maxLength": MAX_QUERY_BYTES,
                          "description": "A stored query's name (see the tools named after them) or SPARQL text."},
                "params": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "A stored query's parameters, by name."}
            })),
            "required": ["query"]
        })),
    )
    .with_title("Why an answer")
    .with_raw_output_schema(results_schema())
    .with_annotations(read_only())
}

fn search() -> Tool {
    Tool::new(
        "search",
        "Find entities by name: labels in French or English holding every word typed (accents and case ignored), \
         then labels close to each word (a typo: \"Komarof\"), then descriptions. Each result's `name` is what \
         `describe` and the queries take.",
        object(json!({
            "type": "object",
            "properties": {
                "text": {"type": "string", "description": "Words of a name."},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_FOUND, "default": 15}
            },
            "required": ["text"]
        })),
    )
    .with_title("Search entities")
    .with_raw_output_schema(object(json!({
        "type": "object",
        "properties": {
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "name": {"type": "string"},
                "iri": {"type": "string"},
                "label": {"type": ["string", "null"]},
                "classes": {"type": "array", "items": {"type": "string"}}
            }}}
        },
        "required": ["results"]
    })))
    .with_annotations(read_only())
}

/// A stored query as a tool: its header's title and description, each
/// parameter a property of its declared type.
fn stored(query: &StoredQuery) -> Tool {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for param in &query.params {
        let (kind, hint) = match param.kind {
            ParamKind::Iri => ("string", "an IRI, a prefixed name such as mkd:x, or a slug"),
            ParamKind::String => ("string", "text"),
            ParamKind::Integer => ("integer", "a whole number"),
            ParamKind::Date => ("string", "a date, YYYY-MM-DD"),
            ParamKind::Entity => (
                "string",
                "an entity: its name (accents and case ignored), slug, prefixed name or IRI",
            ),
        };
        let mut schema = json!({
            "type": kind,
            "description": format!("{} ({hint})", param.description),
        });
        if param.kind == ParamKind::Date {
            schema["format"] = json!("date");
        }
        properties.insert(param.name.clone(), schema);
        if param.required {
            required.push(param.name.clone());
        }
    }
    let mut description = format!(
        "{}. {}",
        query.title.trim_end_matches('.'),
        query.description
    );
    if query.is_check() {
        description.push_str(" A check: no rows means the data passes it.");
    }
    description.push_str(
        " Each row comes with `supports` and `facts`: the articles that state what it rests on, and their passages.",
    );
    if !query.example.is_empty() {
        description.push_str(&format!(" Example: {}.", query.example.join(", ")));
    }
    Tool::new(
        query.name.clone(),
        description,
        object(json!({
            "type": "object",
            "properties": with_window(Value::Object(properties)),
            "required": required,
        })),
    )
    .with_title(query.title.clone())
    .with_raw_output_schema(results_schema())
    .with_annotations(read_only())
}
