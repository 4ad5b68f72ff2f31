//! What a tool answers, as JSON an assistant can read and cite: a page of
//! a query's rows (terms written as SPARQL 1.1 JSON results write them), an
//! entity with the articles and passages of each fact, the entities a
//! search finds. Every list is cut to a [`Window`]: at most its rows and at
//! most [`MAX_BYTES`], saying how many more there are and the offset that
//! reads on.

use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::provenance::evidence::{Passage, StatedFact, MAX_FACTS};
use crate::view::entity::{EntityView, Fact};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::sparql::QueryResults;
use serde_json::{json, Map, Value};

/// Rows one call returns unless it asks for another number.
pub const DEFAULT_ROWS: usize = 100;
/// The most rows one call returns.
pub const MAX_ROWS: usize = 1000;
/// The most bytes of rows one call returns (their JSON); the rows past it
/// are left for the next call, as those past the row limit are.
pub const MAX_BYTES: usize = 256 * 1024;

/// The most characters a text keeps in an item that alone passes
/// [`MAX_BYTES`] (then a sixteenth of it, then a 256th, with lists cut to
/// as many items, if that is not enough).
const CUT_CHARS: usize = 16 * 1024;

/// Cuts every string in `value` longer than `longest` characters to that
/// many, ending it with " … (N more characters)"; at the last pass (64
/// characters) every list is cut to 64 items too, the last saying how
/// many more there were.
fn cut_texts(value: &mut Value, longest: usize) {
    match value {
        Value::String(text) => {
            let count = text.chars().count();
            if count > longest {
                let kept: String = text.chars().take(longest).collect();
                *text = format!("{kept} … ({} more characters)", count - longest);
            }
        }
        Value::Array(items) => {
            if longest <= CUT_CHARS / 256 && items.len() > longest {
                let more = items.len() - longest;
                items.truncate(longest);
                items.push(json!(format!("… ({more} more)")));
            }
            items.iter_mut().for_each(|item| cut_texts(item, longest));
        }
        Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| cut_texts(field, longest)),
        _ => {}
    }
}

/// Which part of a list one call returns.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub offset: usize,
    pub limit: usize,
}

/// A tool's answer: the structured content, and one short line for people.
pub struct Answer {
    pub content: Value,
    pub summary: String,
}

/// Gathers a list's items within a window and counts the rest.
struct Pager {
    window: Window,
    items: Vec<Value>,
    bytes: usize,
    total: usize,
    /// Set once an item did not fit in [`MAX_BYTES`]: the page stops there.
    full: bool,
    /// Set when an item alone was larger than [`MAX_BYTES`]: its long
    /// texts were cut ([`cut_texts`]).
    cut: bool,
}

impl Pager {
    fn new(window: Window) -> Self {
        Self {
            window,
            items: Vec::new(),
            bytes: 0,
            total: 0,
            full: false,
            cut: false,
        }
    }

    /// Whether the next item falls in the page; it is counted either way.
    fn wants(&mut self) -> bool {
        self.total += 1;
        let index = self.total - 1;
        !self.full && index >= self.window.offset && self.items.len() < self.window.limit
    }

    fn push(&mut self, mut item: Value) {
        let mut size = item.to_string().len();
        if self.bytes + size > MAX_BYTES && !self.items.is_empty() {
            self.full = true;
            return;
        }
        // Alone past the limit (a GROUP_CONCAT of a whole graph): its long
        // texts are cut, so the page keeps its bound and says so.
        for longest in [CUT_CHARS, CUT_CHARS / 16, CUT_CHARS / 256] {
            if size <= MAX_BYTES {
                break;
            }
            cut_texts(&mut item, longest);
            self.cut = true;
            size = item.to_string().len();
        }
        self.bytes += size;
        self.items.push(item);
    }

    /// The paging fields of the answer, and the line saying what is shown.
    fn finish(self, what: &str, content: &mut Map<String, Value>, key: &str) -> String {
        let shown = self.items.len();
        let offset = self.window.offset;
        let more = self.total.saturating_sub(offset + shown);
        content.insert(key.to_owned(), Value::Array(self.items));
        content.insert("total".to_owned(), json!(self.total));
        content.insert("offset".to_owned(), json!(offset));
        content.insert("shown".to_owned(), json!(shown));
        content.insert("more".to_owned(), json!(more));
        if self.cut {
            content.insert("cut".to_owned(), json!(true));
        }
        let mut summary = format!("{} {what}", self.total);
        if self.cut {
            summary.push_str(" (long texts cut: the answer would pass 256 KiB)");
        }
        if shown > 0 && (offset > 0 || more > 0) {
            let (first, last) = (offset + 1, offset + shown);
            summary.push_str(&if first == last {
                format!("; number {first} shown")
            } else {
                format!("; {first}–{last} shown")
            });
        }
        if more > 0 {
            let next = offset + shown;
            content.insert("next_offset".to_owned(), json!(next));
            summary.push_str(&format!(
                " … and {more} more (call again with offset {next})"
            ));
        }
        summary
    }
}

/// A query's answers: its rows (SELECT), its boolean (ASK) or its triples
/// (CONSTRUCT, DESCRIBE), each list cut to `window`. `row` may add fields
/// to each row it keeps, given its position among all rows (`why`'s
/// supports and facts).
pub fn results(
    results: QueryResults<'_>,
    window: Window,
    mut row: impl FnMut(usize, &mut Map<String, Value>),
) -> Result<Answer> {
    let mut content = Map::new();
    match results {
        QueryResults::Solutions(solutions) => {
            let columns: Vec<String> = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let mut pager = Pager::new(window);
            for solution in solutions {
                let solution = solution?;
                if !pager.wants() {
                    continue;
                }
                let mut binding = Map::new();
                for (variable, term) in solution.iter() {
                    binding.insert(variable.as_str().to_owned(), term_json(term));
                }
                row(pager.total - 1, &mut binding);
                pager.push(Value::Object(binding));
            }
            content.insert("form".to_owned(), json!("select"));
            content.insert("columns".to_owned(), json!(columns));
            let summary = pager.finish("rows", &mut content, "rows");
            Ok(Answer {
                content: Value::Object(content),
                summary,
            })
        }
        QueryResults::Boolean(answer) => {
            content.insert("form".to_owned(), json!("ask"));
            content.insert("boolean".to_owned(), json!(answer));
            Ok(Answer {
                content: Value::Object(content),
                summary: format!("the answer is {answer}"),
            })
        }
        QueryResults::Graph(triples) => {
            let mut pager = Pager::new(window);
            for triple in triples {
                let triple = triple?;
                if !pager.wants() {
                    continue;
                }
                pager.push(json!({
                    "subject": term_json(&triple.subject.into()),
                    "predicate": term_json(&triple.predicate.into()),
                    "object": term_json(&triple.object),
                }));
            }
            content.insert("form".to_owned(), json!("graph"));
            let summary = pager.finish("triples", &mut content, "triples");
            Ok(Answer {
                content: Value::Object(content),
                summary,
            })
        }
    }
}

/// A term as SPARQL 1.1 Query Results JSON writes it (`missions-kg query
/// --format json`): `{"type": "uri" | "literal" | "bnode", "value", …}`.
pub fn term_json(term: &Term) -> Value {
    match term {
        Term::NamedNode(node) => json!({"type": "uri", "value": node.as_str()}),
        Term::BlankNode(node) => json!({"type": "bnode", "value": node.as_str()}),
        Term::Literal(literal) => {
            let mut value = json!({"type": "literal", "value": literal.value()});
            if let Some(language) = literal.language() {
                value["xml:lang"] = json!(language);
            } else if literal.datatype().as_str() != vocab::XSD_STRING {
                value["datatype"] = json!(literal.datatype().as_str());
            }
            value
        }
        Term::Triple(triple) => json!({
            "type": "triple",
            "value": {
                "subject": term_json(&triple.subject.clone().into()),
                "predicate": term_json(&triple.predicate.clone().into()),
                "object": term_json(&triple.object),
            }
        }),
    }
}

/// A query's answers (`results`), each row with the facts it rests on
/// (`facts`, in the rows' order) and, when `traced` (`why`), its supports
/// from the trace's `why` column (its last).
pub fn with_facts(
    answers: QueryResults<'_>,
    facts: &[std::sync::Arc<Vec<StatedFact>>],
    window: Window,
    traced: bool,
) -> Result<Answer> {
    let columns: Vec<String> = match &answers {
        QueryResults::Solutions(solutions) => solutions
            .variables()
            .iter()
            .map(|v| v.as_str().to_owned())
            .collect(),
        _ => Vec::new(),
    };
    let keys = Keys::new(&columns, traced);
    results(answers, window, |index, row| {
        let facts = facts.get(index).map_or(&[][..], |f| f.as_slice());
        add_supports(row, facts, &keys);
    })
}

/// The keys a row's additions go under: the trace's `why` column (its
/// last), and `supports` and `facts`, each with `_` appended while a
/// column of the query has that name (as the trace names `why`), so that
/// no addition hides a value of the query's.
struct Keys {
    why: Option<String>,
    supports: String,
    facts: String,
    more_facts: String,
}

impl Keys {
    fn new(columns: &[String], traced: bool) -> Self {
        let free = |base: &str| {
            let mut name = base.to_owned();
            while columns.contains(&name) {
                name.push('_');
            }
            name
        };
        Self {
            why: traced.then(|| columns.last().cloned()).flatten(),
            supports: free("supports"),
            facts: free("facts"),
            more_facts: free("more_facts"),
        }
    }
}

/// A row's additions as lists: `supports` (traced rows), each a set of
/// graphs whose facts together give the answer (the `why` cell, ` | `
/// between sets and ` + ` within one), and `facts`, each fact it rests on
/// with the graphs (of its supports, when traced) that hold it, which of
/// them are articles, and their passages.
fn add_supports(row: &mut Map<String, Value>, facts: &[StatedFact], keys: &Keys) {
    let why = keys
        .why
        .as_ref()
        .and_then(|why| row.get(why))
        .and_then(|term| term.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(why) = why {
        let supports: Vec<Vec<&str>> = why
            .split(" | ")
            .filter(|s| !s.is_empty())
            .map(|support| support.split(" + ").collect())
            .collect();
        row.insert(keys.supports.clone(), json!(supports));
    }
    let more = facts.len().saturating_sub(MAX_FACTS);
    let facts: Vec<Value> = facts
        .iter()
        .take(MAX_FACTS)
        .map(|stated| {
            let articles: Vec<&str> = stated
                .stated
                .iter()
                .filter(|h| h.article)
                .map(|h| h.name.as_str())
                .collect();
            let graphs: Vec<&str> = stated.stated.iter().map(|h| h.name.as_str()).collect();
            let passages: Vec<Value> = stated
                .stated
                .iter()
                .flat_map(|h| h.passages.iter().map(passage_json))
                .collect();
            json!({
                "subject": term_json(&stated.fact.subject.clone().into()),
                "property": stated.fact.predicate.as_str(),
                "value": term_json(&stated.fact.object),
                "text": stated.line,
                "articles": articles,
                "graphs": graphs,
                "passages": passages,
            })
        })
        .collect();
    if more > 0 {
        row.insert(keys.more_facts.clone(), json!(more));
    }
    row.insert(keys.facts.clone(), json!(facts));
}

/// An entity as `describe` shows it: its facts and the facts pointing at
/// it (cut to `window`), each with the graphs and the articles stating it
/// and, when the view has them, the passages.
pub fn entity(view: &EntityView, window: Window) -> Answer {
    let mut content = Map::new();
    content.insert("iri".to_owned(), json!(view.iri.as_str()));
    content.insert("name".to_owned(), json!(labels::compact(view.iri.as_str())));
    content.insert("label".to_owned(), json!(view.label));
    let classes: Vec<&str> = view.classes.iter().map(|c| c.text.as_str()).collect();
    content.insert("classes".to_owned(), json!(classes));
    let external: Vec<Value> = view
        .external
        .iter()
        .map(|link| json!({"site": link.site, "url": link.url}))
        .collect();
    content.insert("external_links".to_owned(), json!(external));
    let mut pager = Pager::new(window);
    let all = view
        .facts
        .iter()
        .map(|fact| (fact, "out"))
        .chain(view.incoming.iter().map(|fact| (fact, "in")));
    for (fact, direction) in all {
        if pager.wants() {
            pager.push(fact_json(fact, Some(direction)));
        }
    }
    let shown = view
        .label
        .as_deref()
        .unwrap_or(view.iri.as_str())
        .to_owned();
    let summary = pager.finish("facts", &mut content, "facts");
    Answer {
        content: Value::Object(content),
        summary: format!("{shown}: {summary}"),
    }
}

/// One fact: property, value, the graphs stating it and which of them are
/// articles, the passages, and a qualified value's own facts.
fn fact_json(fact: &Fact, direction: Option<&str>) -> Value {
    let articles: Vec<&str> = fact
        .sources
        .iter()
        .filter(|source| {
            matches!(&source.graph, NamedOrBlankNode::NamedNode(graph) if graph.as_str().starts_with(vocab::MKS))
        })
        .map(|source| source.name.as_str())
        .collect();
    let graphs: Vec<&str> = fact.sources.iter().map(|s| s.name.as_str()).collect();
    let mut value = json!({
        "property": fact.property.as_str(),
        "property_name": fact.property_name,
        "value": term_json(&fact.value.term),
        "value_text": fact.value.text,
        "articles": articles,
        "graphs": graphs,
        "passages": fact.passages.iter().map(passage_json).collect::<Vec<_>>(),
    });
    if let Some(direction) = direction {
        value["direction"] = json!(direction);
    }
    if fact.more_passages > 0 {
        value["more_passages"] = json!(fact.more_passages);
    }
    if !fact.nested.is_empty() {
        value["nested"] = json!(fact
            .nested
            .iter()
            .map(|nested| fact_json(nested, None))
            .collect::<Vec<_>>());
    }
    value
}

fn passage_json(passage: &Passage) -> Value {
    let mut value = json!({
        "article": passage.article,
        "article_iri": passage.article_iri,
        "start": passage.start,
        "end": passage.end,
        "place": passage.place(),
    });
    if let Some(text) = &passage.text {
        value["text"] = json!(text);
    }
    value
}

/// The entities `search` finds for `text`, as the server's
/// `/search?format=json` lists them: prefixed name, IRI, label, classes.
pub fn search(
    graph: &Graph,
    text: &str,
    limit: usize,
    lang: Option<&str>,
    budget: &crate::guard::budget::Budget,
) -> Result<Answer> {
    let found = entity::search(graph, text, limit, budget)?;
    let mut labels = LabelCache::new(graph, lang);
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let mut results = Vec::new();
    for node in &found {
        let mut classes = Vec::new();
        for quad in graph.default_quads(Some(node.as_ref().into()), Some(rdf_type), None)? {
            if let Term::NamedNode(class) = &quad.object {
                classes.push(name_of(&mut labels, class)?);
            }
        }
        results.push(json!({
            "name": labels::compact(node.as_str()),
            "iri": node.as_str(),
            "label": labels.get(node.as_ref().into())?,
            "classes": classes,
        }));
    }
    let summary = match results.len() {
        0 => format!(
            "nothing matches '{}'",
            crate::guard::error::one_line(text, 80)
        ),
        n => format!("{n} entities match"),
    };
    Ok(Answer {
        content: json!({ "results": results }),
        summary,
    })
}

/// A class's label, else its compact IRI.
fn name_of(labels: &mut LabelCache<'_>, class: &NamedNode) -> Result<String> {
    Ok(labels
        .get(class.as_ref().into())?
        .map_or_else(|| labels::compact(class.as_str()), str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::{Pager, Window, MAX_BYTES};
    use serde_json::{json, Map};

    fn page(window: Window, items: usize, size: usize) -> (Map<String, serde_json::Value>, String) {
        let mut pager = Pager::new(window);
        for i in 0..items {
            if pager.wants() {
                pager.push(json!({"i": i, "pad": "x".repeat(size)}));
            }
        }
        let mut content = Map::new();
        let summary = pager.finish("rows", &mut content, "rows");
        (content, summary)
    }

    #[test]
    fn a_page_says_how_many_more_and_where_to_read_on() {
        let (content, summary) = page(
            Window {
                offset: 2,
                limit: 2,
            },
            6,
            1,
        );
        assert_eq!(content["rows"][0]["i"], json!(2));
        assert_eq!(
            (content["shown"].clone(), content["more"].clone()),
            (json!(2), json!(2))
        );
        assert_eq!(content["next_offset"], json!(4));
        assert_eq!(
            summary,
            "6 rows; 3–4 shown … and 2 more (call again with offset 4)"
        );
        let (content, summary) = page(
            Window {
                offset: 0,
                limit: 10,
            },
            3,
            1,
        );
        assert!(content.get("next_offset").is_none());
        assert_eq!(summary, "3 rows");
    }

    #[test]
    fn a_page_stops_at_its_bytes_and_reads_on_from_there() {
        let (content, _) = page(
            Window {
                offset: 0,
                limit: 1000,
            },
            100,
            MAX_BYTES / 10,
        );
        let shown = content["shown"].as_u64().unwrap();
        assert!((1..10).contains(&shown), "{shown}");
        assert_eq!(content["next_offset"], json!(shown));
        assert_eq!(content["more"], json!(100 - shown));
    }

    #[test]
    fn one_item_past_the_bytes_has_its_long_texts_cut_and_says_so() {
        let (content, summary) = page(
            Window {
                offset: 0,
                limit: 10,
            },
            3,
            MAX_BYTES * 4,
        );
        // The first is cut to fit; the rest wait for the next page.
        assert_eq!(content["shown"], json!(1));
        assert_eq!(content["cut"], json!(true));
        let text = serde_json::to_string(&content["rows"]).unwrap();
        assert!(text.len() <= MAX_BYTES, "{}", text.len());
        let pad = content["rows"][0]["pad"].as_str().unwrap();
        assert!(
            pad.ends_with(" more characters)"),
            "{}",
            &pad[pad.len() - 40..]
        );
        assert!(summary.contains("long texts cut"), "{summary}");
    }
}
