//! Evidence: where an article says each of its facts, and the article texts
//! that show it.
//!
//! Graph `mkg:evidence` holds one `mk:Evidence` node per fact of an
//! article's graph: the fact as `rdf:subject`, `rdf:predicate`,
//! `rdf:object`, the article (`mk:inArticle`) and its passages
//! (`mk:passage`), each a `mk:Passage` named by the article's IRI and an
//! RFC 5147 fragment (`#char=start,end`, Unicode code points, end excluded).
//! [`of_subject`] reads the passages of a subject's facts; [`Articles`]
//! reads the texts from `--articles DIR`, each checked against the SHA-256
//! the sources graph records, so a passage is shown only from the very text
//! the facts were read from. `describe --evidence`, `query --why
//! --evidence` and the server's entity pages compute their views here and
//! render them themselves.

use crate::error::Failure;
use crate::graph::Graph;
use crate::input;
use crate::labels;
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Term, TermRef};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

use vocab::{RDF_OBJECT, RDF_PREDICATE, RDF_SUBJECT};

/// Whether a property is one of the reification properties evidence nodes
/// use to name their fact: views leave those links out of an entity's
/// incoming facts (they are shown as passages under the facts instead).
pub fn is_reification(property: &str) -> bool {
    matches!(property, RDF_SUBJECT | RDF_PREDICATE | RDF_OBJECT)
}

/// One passage of an article stating a fact.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Passage {
    /// The article's short name (`article-002`) and IRI.
    pub article: String,
    pub article_iri: String,
    /// Where it starts and ends, in Unicode code points (end excluded).
    pub start: u64,
    pub end: u64,
    /// The passage's IRI: the article's, with `#char=start,end`.
    pub iri: String,
    /// The passage itself, when the article's text is at hand
    /// (`--articles`), its line breaks as spaces.
    pub text: Option<String>,
}

impl Passage {
    /// `article-002 #char=474,577`, how a passage is named without its text.
    pub fn place(&self) -> String {
        format!("{} #char={},{}", self.article, self.start, self.end)
    }
}

/// The article texts of `--articles DIR`, by article IRI.
pub struct Articles {
    texts: HashMap<String, String>,
}

impl Articles {
    /// Reads every article's text file (`mk:fileName`) from `dir`, each at
    /// most `max` bytes, and refuses one whose SHA-256 differs from the
    /// recorded `mk:sha256`, or a file name that is not a plain name.
    pub fn open(graph: &Graph, dir: &Path, max: u64) -> Result<Self> {
        let file_name = NamedNodeRef::new_unchecked(vocab::MK_FILE_NAME);
        let sha256 = NamedNodeRef::new_unchecked(vocab::MK_SHA256);
        let mut texts = HashMap::new();
        for quad in graph.default_quads(None, Some(file_name), None)? {
            let NamedOrBlankNodeRef::NamedNode(article) = quad.subject.as_ref() else {
                continue;
            };
            let short = labels::graph_name(article.as_str());
            let Term::Literal(name) = &quad.object else {
                continue;
            };
            let name = name.value();
            // The name comes from data: it may not lead out of DIR.
            if name.is_empty()
                || name.contains(['/', '\\'])
                || name == "."
                || name == ".."
                || name.contains('\0')
            {
                return Err(Failure::new(format!(
                    "{short}'s file name {name:?} is not a plain file name"
                ))
                .into());
            }
            let recorded = graph
                .objects(article.into(), sha256)?
                .into_iter()
                .find_map(|term| match term {
                    Term::Literal(literal) => Some(literal.value().to_ascii_lowercase()),
                    _ => None,
                })
                .ok_or_else(|| Failure::new(format!("{short} has no recorded mk:sha256")))?;
            let path = dir.join(name);
            let bytes = input::read_file(&path, max)?;
            let actual: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if actual != recorded {
                return Err(Failure::new(format!(
                    "{} is not the text of {short}: its SHA-256 is {actual}, the sources graph records {recorded}",
                    path.display()
                ))
                .into());
            }
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::new(format!("cannot read {}: not UTF-8 text", path.display()))
            })?;
            texts.insert(article.as_str().to_owned(), text);
        }
        if texts.is_empty() {
            return Err(Failure::new(format!(
                "--articles {}: the graph names no article file (mk:fileName)",
                dir.display()
            ))
            .into());
        }
        Ok(Self { texts })
    }

    /// The passage's text, if this article's text is here; an error for a
    /// range past its end (the evidence graph and the text disagree).
    fn passage(&self, article: &str, start: u64, end: u64) -> Result<Option<String>> {
        let Some(text) = self.texts.get(article) else {
            return Ok(None);
        };
        let count = text.chars().count() as u64;
        if start >= end || end > count {
            return Err(Failure::new(format!(
                "passage #char={start},{end} of {} lies outside its {count} characters",
                labels::graph_name(article)
            ))
            .into());
        }
        let span: String = text
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        Ok(Some(span.split_whitespace().collect::<Vec<_>>().join(" ")))
    }
}

/// The passages of a subject's facts, by (property, value).
pub type ByFact = HashMap<(NamedNode, Term), Vec<Passage>>;

/// The passages of each fact `subject` states, by (property, value), in
/// every article; with the texts when `articles` has them.
pub fn of_subject(
    graph: &Graph,
    subject: NamedOrBlankNodeRef<'_>,
    articles: Option<&Articles>,
) -> Result<ByFact> {
    let evidence_graph = vocab::graph("evidence");
    let in_evidence = Some(GraphNameRef::NamedNode(evidence_graph.as_ref()));
    let subject_term: TermRef<'_> = match subject {
        NamedOrBlankNodeRef::NamedNode(node) => node.into(),
        NamedOrBlankNodeRef::BlankNode(node) => node.into(),
    };
    let mut found = ByFact::new();
    let records = graph.quads(
        None,
        Some(NamedNodeRef::new_unchecked(RDF_SUBJECT)),
        Some(subject_term),
        in_evidence,
    );
    for record in records {
        let record = record?;
        let (mut predicate, mut object, mut passages) = (None, None, Vec::new());
        for quad in graph.quads(Some(record.subject.as_ref()), None, None, in_evidence) {
            let quad = quad?;
            match (quad.predicate.as_str(), quad.object) {
                (RDF_PREDICATE, Term::NamedNode(property)) => predicate = Some(property),
                (RDF_OBJECT, value) => object = Some(value),
                (vocab::MK_PASSAGE, Term::NamedNode(passage)) => passages.push(passage),
                _ => {}
            }
        }
        let (Some(predicate), Some(object)) = (predicate, object) else {
            continue;
        };
        let entry = found.entry((predicate, object)).or_default();
        for passage in passages {
            if let Some(passage) = read_passage(graph, passage.as_ref(), articles)? {
                if !entry.contains(&passage) {
                    entry.push(passage);
                }
            }
        }
        entry.sort();
    }
    Ok(found)
}

/// A passage node's article and range; `None` for one without them (the
/// check `evidence-without-fact` reports it).
fn read_passage(
    graph: &Graph,
    passage: NamedNodeRef<'_>,
    articles: Option<&Articles>,
) -> Result<Option<Passage>> {
    let evidence_graph = vocab::graph("evidence");
    let (mut article, mut start, mut end) = (None, None, None);
    for quad in graph.quads(
        Some(passage.into()),
        None,
        None,
        Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
    ) {
        let quad = quad?;
        // A position that is no whole number (or too large for one) is
        // named, not skipped: the record is wrong, and silence would hide it.
        let number = |term: &Term| match term {
            Term::Literal(literal) => literal.value().parse::<u64>().map_err(|_| {
                Failure::new(format!(
                    "passage <{}>: {} is not a position in a text (a whole number from 0)",
                    passage.as_str(),
                    crate::error::one_line(literal.value(), 40)
                ))
            }),
            other => Err(Failure::new(format!(
                "passage <{}>: {other} is not a position in a text",
                passage.as_str()
            ))),
        };
        match (quad.predicate.as_str(), &quad.object) {
            (vocab::DCTERMS_IS_PART_OF, Term::NamedNode(node)) => {
                article = Some(node.as_str().to_owned());
            }
            (vocab::MK_START, value) => start = Some(number(value)?),
            (vocab::MK_END, value) => end = Some(number(value)?),
            _ => {}
        }
    }
    let (Some(article), Some(start), Some(end)) = (article, start, end) else {
        return Ok(None);
    };
    if start >= end {
        return Err(Failure::new(format!(
            "passage <{}> ends at {end}, not after its start {start}",
            passage.as_str()
        ))
        .into());
    }
    let text = match articles {
        Some(articles) => articles.passage(&article, start, end)?,
        None => None,
    };
    Ok(Some(Passage {
        article: labels::graph_name(&article),
        article_iri: article,
        start,
        end,
        iri: passage.as_str().to_owned(),
        text,
    }))
}

/// The facts an answer rests on, one line each, as `query --why
/// --evidence` shows them: `subject property value: ` then, for each graph
/// of the answer's supports that holds it, the article's passages (or its
/// name alone: an article's types and names, and the other graphs, carry
/// none). A triple no such graph holds is left out. Subjects' evidence is
/// read once per call (`seen`).
pub fn fact_lines(
    graph: &Graph,
    facts: &[oxigraph::model::Triple],
    within: &[Term],
    articles: Option<&Articles>,
    seen: &mut HashMap<oxigraph::model::NamedOrBlankNode, ByFact>,
) -> Result<String> {
    let mut lines = Vec::new();
    for fact in facts {
        let mut stated: Vec<String> = Vec::new();
        for holder in graph.graphs_stating(
            fact.subject.as_ref(),
            fact.predicate.as_ref(),
            fact.object.as_ref(),
        )? {
            let holder_term = match &holder {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => Term::from(n.clone()),
                oxigraph::model::NamedOrBlankNode::BlankNode(b) => Term::from(b.clone()),
            };
            if !within.contains(&holder_term) {
                continue;
            }
            let name = match &holder {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => labels::graph_name(n.as_str()),
                other => other.to_string(),
            };
            if !seen.contains_key(&fact.subject) {
                let found = of_subject(graph, fact.subject.as_ref(), articles)?;
                seen.insert(fact.subject.clone(), found);
            }
            let passages: Vec<String> = seen[&fact.subject]
                .get(&(fact.predicate.clone(), fact.object.clone()))
                .into_iter()
                .flatten()
                .filter(|p| p.article == name)
                .map(|p| match &p.text {
                    Some(text) => format!("{} \"{text}\"", p.place()),
                    None => p.place(),
                })
                .collect();
            if passages.is_empty() {
                stated.push(name);
            } else {
                stated.extend(passages);
            }
        }
        if stated.is_empty() {
            continue;
        }
        stated.sort();
        let line = format!(
            "{} {} {}: {}",
            shown(&Term::from(fact.subject.clone())),
            labels::compact(fact.predicate.as_str()),
            shown(&fact.object),
            stated.join("; ")
        );
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines.sort();
    Ok(lines.join("\n"))
}

/// A term as a fact line shows it: a compact IRI, a literal in N-Triples.
fn shown(term: &Term) -> String {
    match term {
        Term::NamedNode(node) => labels::compact(node.as_str()),
        other => other.to_string(),
    }
}
