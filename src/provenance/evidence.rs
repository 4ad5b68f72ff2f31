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
//! the facts were read from; `reader.rs` lays an article's text out with its
//! passages marked. `describe --evidence`, `query --why
//! --evidence` and the server's entity pages compute their views here and
//! render them themselves.

use crate::config::Config;
use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::guard::input;
use crate::provenance::anchor::{self, Found, How, Selector};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term,
    TermRef, Triple,
};
use sha2::{Digest, Sha256};
use std::collections::hash_map::Entry;
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
    /// The passage itself, when the article's text is at hand
    /// (`--articles`), its line breaks as spaces.
    pub text: Option<String>,
    /// Where the text was found in that copy (code points of
    /// [`Articles::text`]) and how: at its offsets, or re-anchored in a
    /// copy that differs from the recorded text (`anchor.rs`).
    pub found: Option<Found>,
}

impl Passage {
    /// `article-002 #char=474,577`, how a passage is named without its text.
    pub fn place(&self) -> String {
        format!("{} #char={},{}", self.article, self.start, self.end)
    }

    /// `passage-474-577`: its anchor in the article's reader page
    /// (`reader.rs`), by its range, so that a link to it needs nothing
    /// but the passage.
    pub fn anchor(&self) -> String {
        format!("passage-{}-{}", self.start, self.end)
    }
}

/// The article texts of `--articles DIR`, by article IRI.
#[derive(Clone)]
pub struct Articles {
    texts: HashMap<String, String>,
    /// For an article whose copy differs from the recorded text: where
    /// each passage (by its recorded range) is in the copy, if found.
    anchored: HashMap<String, HashMap<(u64, u64), Option<Found>>>,
}

impl Articles {
    /// The whole text of the article `iri`, if it is here (for the reader,
    /// which shows it in its passages' light; never served whole).
    pub fn text(&self, iri: &str) -> Option<&str> {
        self.texts.get(iri).map(String::as_str)
    }

    /// The texts of `--articles DIR` ([`Articles::open`]), if it is given.
    pub fn configured(graph: &Graph, config: &Config, budget: &Budget) -> Result<Option<Self>> {
        config
            .articles
            .as_deref()
            .map(|dir| Self::open(graph, dir, config.max_input, budget))
            .transpose()
    }

    /// Reads every article's text file (`mk:fileName`) from `dir`, each at
    /// most `max` bytes and within `budget`'s memory, and refuses a file
    /// name that is not a plain name. A text whose SHA-256 is the recorded
    /// `mk:sha256` must hold every passage of the evidence graph, so that
    /// no page or answer meets one that does not; in a copy whose SHA-256
    /// differs, each passage is re-anchored from its quote selector
    /// (`anchor.rs`), and one warning line per such article on stderr says
    /// how many were found, and how.
    pub fn open(graph: &Graph, dir: &Path, max: u64, budget: &Budget) -> Result<Self> {
        if !dir.exists() {
            return Err(Failure::new(
                Kind::Input,
                format!("--articles {}: no such folder", dir.display()),
            )
            .into());
        }
        if !dir.is_dir() {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "--articles {}: not a folder (give the folder that holds the article texts)",
                    dir.display()
                ),
            )
            .into());
        }
        let file_name = NamedNodeRef::new_unchecked(vocab::MK_FILE_NAME);
        let sha256 = NamedNodeRef::new_unchecked(vocab::MK_SHA256);
        let mut texts = HashMap::new();
        let mut differing = Vec::new();
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
                return Err(Failure::new(
                    Kind::Damaged,
                    format!(
                        "{short}'s file name {} is not a plain file name",
                        crate::guard::error::one_line(&format!("{name:?}"), 200)
                    ),
                )
                .into());
            }
            let recorded = graph
                .objects(article.into(), sha256)?
                .into_iter()
                .find_map(|term| match term {
                    Term::Literal(literal) => Some(literal.value().to_ascii_lowercase()),
                    _ => None,
                })
                .ok_or_else(|| {
                    Failure::new(Kind::Damaged, format!("{short} has no recorded mk:sha256"))
                })?;
            let path = dir.join(name);
            let bytes = input::read_file(&path, max)?;
            budget.check("reading the article texts")?;
            let actual: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if actual != recorded {
                differing.push((article.as_str().to_owned(), actual, recorded));
                texts.insert(article.as_str().to_owned(), anchor::decode(&bytes));
                continue;
            }
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::new(
                    Kind::Input,
                    format!("cannot read {}: not UTF-8 text", path.display()),
                )
            })?;
            texts.insert(article.as_str().to_owned(), text);
        }
        if texts.is_empty() {
            return Err(Failure::new(
                Kind::Damaged,
                format!(
                    "--articles {}: the graph names no article file (mk:fileName)",
                    dir.display()
                ),
            )
            .into());
        }
        let mut articles = Self {
            texts,
            anchored: HashMap::new(),
        };
        let part_of = NamedNodeRef::new_unchecked(vocab::DCTERMS_IS_PART_OF);
        let evidence_graph = vocab::graph("evidence");
        for (article, actual, recorded) in differing {
            let chars: Vec<char> = articles.texts[&article].chars().collect();
            let copy = anchor::Copy::new(&chars);
            let mut found = HashMap::new();
            let mut counts = [0usize; 4];
            for quad in graph.quads(
                None,
                Some(part_of),
                Some(NamedNodeRef::new_unchecked(&article).into()),
                Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
            ) {
                let NamedOrBlankNode::NamedNode(passage) = quad?.subject else {
                    continue;
                };
                budget.check("re-anchoring the passages")?;
                let recorded_range = read_passage(graph, passage.as_ref(), None)?;
                let range = (recorded_range.start, recorded_range.end);
                if found.contains_key(&range) {
                    continue;
                }
                let place = selector(graph, passage.as_ref(), range)?
                    .and_then(|selector| copy.locate(&selector));
                counts[place.map_or(3, |p| p.how as usize)] += 1;
                found.insert(range, place);
            }
            eprintln!(
                "warning: {}: text differs from the recorded one (its SHA-256 is {actual}, the sources graph records {recorded}); {} passages re-anchored exactly, {} moved, {} moved (edited), {} not found",
                labels::graph_name(&article),
                counts[0],
                counts[1],
                counts[2],
                counts[3]
            );
            articles.anchored.insert(article, found);
        }
        for quad in graph.quads(
            None,
            Some(part_of),
            None,
            Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
        ) {
            if let NamedOrBlankNode::NamedNode(passage) = quad?.subject {
                // Reads the range and, with the text here, checks it.
                read_passage(graph, passage.as_ref(), Some(&articles))?;
            }
        }
        Ok(articles)
    }

    /// The passage's text and where it is, if this article's text is here
    /// and holds it; an error for a range past the end of a text with the
    /// recorded SHA-256 (the evidence graph and the text disagree).
    fn passage(&self, article: &str, start: u64, end: u64) -> Result<Option<(String, Found)>> {
        let Some(text) = self.texts.get(article) else {
            return Ok(None);
        };
        if let Some(anchored) = self.anchored.get(article) {
            let Some(Some(found)) = anchored.get(&(start, end)) else {
                return Ok(None);
            };
            let span: String = text
                .chars()
                .skip(found.start)
                .take(found.end - found.start)
                .collect();
            return Ok(Some((
                span.split_whitespace().collect::<Vec<_>>().join(" "),
                *found,
            )));
        }
        let count = text.chars().count() as u64;
        if start >= end || end > count {
            return Err(Failure::new(
                Kind::Damaged,
                format!(
                    "passage #char={start},{end} of {} lies outside its {count} characters",
                    labels::graph_name(article)
                ),
            )
            .into());
        }
        let span: String = text
            .chars()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        let found = Found {
            start: to_index(start),
            end: to_index(end),
            how: How::Exact,
        };
        Ok(Some((
            span.split_whitespace().collect::<Vec<_>>().join(" "),
            found,
        )))
    }
}

fn to_index(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

/// The quote selector of a passage (`data/selectors.trig`), if it has a
/// digest; its prefix and suffix may be missing (then empty).
pub(crate) fn selector(
    graph: &Graph,
    passage: NamedNodeRef<'_>,
    (start, end): (u64, u64),
) -> Result<Option<Selector>> {
    let evidence_graph = vocab::graph("evidence");
    let (mut digest, mut prefix, mut suffix) = (None, Vec::new(), Vec::new());
    for quad in graph.quads(
        Some(passage.into()),
        None,
        None,
        Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
    ) {
        let quad = quad?;
        let Term::Literal(value) = &quad.object else {
            continue;
        };
        match quad.predicate.as_str() {
            vocab::MK_EXACT_DIGEST => digest = Some(value.value().to_ascii_lowercase()),
            vocab::MK_PREFIX => prefix = value.value().chars().collect(),
            vocab::MK_SUFFIX => suffix = value.value().chars().collect(),
            _ => {}
        }
    }
    Ok(digest.map(|digest| Selector {
        start: to_index(start),
        end: to_index(end),
        digest,
        prefix,
        suffix,
    }))
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
                (vocab::MK_PASSAGE, other) => {
                    return Err(Failure::new(Kind::Damaged, format!(
                        "evidence {}: its passage {other} is not an IRI (the article's, with #char=start,end)",
                        record.subject
                    ))
                    .into())
                }
                _ => {}
            }
        }
        let (Some(predicate), Some(object)) = (predicate, object) else {
            continue;
        };
        let entry = found.entry((predicate, object)).or_default();
        for passage in passages {
            let passage = read_passage(graph, passage.as_ref(), articles)?;
            if !entry.contains(&passage) {
                entry.push(passage);
            }
        }
        entry.sort();
    }
    Ok(found)
}

/// Every subject's passages, as [`of_subject`] reads them, read once. For
/// the server, whose graph and texts do not change while it runs: a page
/// looks its facts up here instead of reading the evidence graph again,
/// which for a person linked from the series meant reading the passages of
/// all the series' facts (hundreds) to show the one pointing at them, once
/// per such fact (80 % of an entity page's time).
pub struct Index {
    by_subject: HashMap<NamedOrBlankNode, ByFact>,
}

impl Index {
    /// Reads the passages of every subject the evidence graph names; the
    /// first error [`of_subject`] meets is returned, as a page would.
    pub fn build(graph: &Graph, articles: Option<&Articles>) -> Result<Self> {
        let evidence_graph = vocab::graph("evidence");
        let mut by_subject = HashMap::new();
        for record in graph.quads(
            None,
            Some(NamedNodeRef::new_unchecked(RDF_SUBJECT)),
            None,
            Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
        ) {
            let subject: NamedOrBlankNode = match record?.object {
                Term::NamedNode(node) => node.into(),
                Term::BlankNode(node) => node.into(),
                // [`of_subject`] is never asked for a literal's.
                _ => continue,
            };
            if let Entry::Vacant(entry) = by_subject.entry(subject) {
                let found = of_subject(graph, entry.key().as_ref(), articles)?;
                entry.insert(found);
            }
        }
        Ok(Self { by_subject })
    }

    /// What [`of_subject`] reads for `subject`; `None` for a subject no
    /// record names (it would read nothing).
    pub fn of(&self, subject: NamedOrBlankNodeRef<'_>) -> Option<&ByFact> {
        self.by_subject.get(&subject.into_owned())
    }
}

/// A passage node's article and range, and its text when `articles` has
/// it. A passage without them, with a position that is not a whole number
/// (`xsd:integer`), an empty or reversed range, or an IRI other than its
/// article's with `#char=start,end` is named in an error: the record is
/// wrong, and skipping it would hide that (the check
/// `evidence-without-fact` finds the same).
pub(crate) fn read_passage(
    graph: &Graph,
    passage: NamedNodeRef<'_>,
    articles: Option<&Articles>,
) -> Result<Passage> {
    let evidence_graph = vocab::graph("evidence");
    let (mut article, mut start, mut end) = (None, None, None);
    let named = || {
        format!(
            "passage <{}>",
            crate::guard::error::one_line(passage.as_str(), 200)
        )
    };
    let number = |term: &Term| -> Result<u64, Failure> {
        match term {
            Term::Literal(literal)
                if [vocab::XSD_INTEGER, vocab::XSD_NON_NEGATIVE_INTEGER]
                    .contains(&literal.datatype().as_str()) =>
            {
                literal.value().parse::<u64>().map_err(|_| {
                    Failure::new(
                        Kind::Damaged,
                        format!(
                            "{}: {} is not a position in a text (a whole number from 0)",
                            named(),
                            crate::guard::error::one_line(literal.value(), 40)
                        ),
                    )
                })
            }
            other => Err(Failure::new(
                Kind::Damaged,
                format!(
                    "{}: {} is not a position in a text (an xsd:integer from 0)",
                    named(),
                    crate::guard::error::one_line(&other.to_string(), 60)
                ),
            )),
        }
    };
    for quad in graph.quads(
        Some(passage.into()),
        None,
        None,
        Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
    ) {
        let quad = quad?;
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
        return Err(Failure::new(
            Kind::Damaged,
            format!(
                "{}: a passage needs its article (dcterms:isPartOf), mk:start and mk:end",
                named()
            ),
        )
        .into());
    };
    if start >= end {
        return Err(Failure::new(
            Kind::Damaged,
            format!("{} ends at {end}, not after its start {start}", named()),
        )
        .into());
    }
    let expected = format!("{article}#char={start},{end}");
    if passage.as_str() != expected {
        return Err(Failure::new(
            Kind::Damaged,
            format!(
                "{}: its IRI should be <{}>, the article's with its range",
                named(),
                crate::guard::error::one_line(&expected, 200)
            ),
        )
        .into());
    }
    let (text, found) = match articles {
        Some(articles) => articles.passage(&article, start, end)?.unzip(),
        None => (None, None),
    };
    Ok(Passage {
        article: labels::graph_name(&article),
        article_iri: article,
        start,
        end,
        text,
        found,
    })
}

/// The most facts `query --why --evidence` lists for one answer, and the
/// most bytes of one answer's list: an answer that many rows share (a
/// query without DISTINCT over a product) would otherwise repeat a list
/// that grows with all of them. The rest is counted in a last line.
pub const MAX_FACTS: usize = 500;
pub const MAX_FACTS_BYTES: usize = 1 << 20;

/// A fact an answer rests on, with each graph of the answer's supports
/// that holds it (its short name) and, for an article, its passages there
/// (none for an article's types and names, nor for the other graphs).
pub struct StatedFact {
    pub fact: Triple,
    pub stated: Vec<Holder>,
    /// The line `query --why --evidence` shows: `subject property value: `
    /// then the passages (their text as a quoted literal) or the graph's
    /// name alone.
    pub line: String,
}

/// A graph holding a fact.
pub struct Holder {
    /// Its short name: `article-002`, `sources`…
    pub name: String,
    /// Whether it is an article's graph (`mks:`).
    pub article: bool,
    /// The article's passages stating the fact, in reading order.
    pub passages: Vec<Passage>,
}

/// The facts among `facts` that a graph of `within` (or any, without it)
/// holds, each with its passages, sorted by their line, each line once;
/// subjects' evidence is read once per call (`seen`).
pub fn stated_facts(
    graph: &Graph,
    facts: &[Triple],
    within: Option<&[Term]>,
    articles: Option<&Articles>,
    seen: &mut HashMap<NamedOrBlankNode, ByFact>,
) -> Result<Vec<StatedFact>> {
    let mut found = Vec::new();
    for fact in facts {
        let mut stated: Vec<Holder> = Vec::new();
        for holder in graph.graphs_stating(
            fact.subject.as_ref(),
            fact.predicate.as_ref(),
            fact.object.as_ref(),
        )? {
            let (holder_term, name, article) = match &holder {
                NamedOrBlankNode::NamedNode(n) => (
                    Term::from(n.clone()),
                    labels::graph_name(n.as_str()),
                    n.as_str().starts_with(vocab::MKS),
                ),
                NamedOrBlankNode::BlankNode(b) => (Term::from(b.clone()), b.to_string(), false),
            };
            if within.is_none_or(|within| within.contains(&holder_term)) {
                stated.push(Holder {
                    name,
                    article,
                    passages: Vec::new(),
                });
            }
        }
        if stated.is_empty() {
            continue;
        }
        if !seen.contains_key(&fact.subject) {
            let found = of_subject(graph, fact.subject.as_ref(), articles)?;
            seen.insert(fact.subject.clone(), found);
        }
        let passages = seen[&fact.subject].get(&(fact.predicate.clone(), fact.object.clone()));
        for holder in &mut stated {
            holder.passages.extend(
                passages
                    .into_iter()
                    .flatten()
                    .filter(|p| p.article == holder.name)
                    .cloned(),
            );
            // In reading order, by position (not as text).
            holder.passages.sort_by_key(|p| (p.start, p.end));
        }
        stated.sort_by(|a, b| a.name.cmp(&b.name));
        let places: Vec<String> = stated
            .iter()
            .flat_map(|holder| {
                if holder.passages.is_empty() {
                    vec![holder.name.clone()]
                } else {
                    holder
                        .passages
                        .iter()
                        .map(|p| match &p.text {
                            Some(text) => {
                                format!("{} {}", p.place(), Literal::new_simple_literal(text))
                            }
                            None => p.place(),
                        })
                        .collect()
                }
            })
            .collect();
        let line = format!(
            "{} {} {}: {}",
            shown_term(&Term::from(fact.subject.clone())),
            labels::compact(fact.predicate.as_str()),
            shown_term(&fact.object),
            places.join("; ")
        );
        found.push(StatedFact {
            fact: fact.clone(),
            stated,
            line,
        });
    }
    found.sort_by(|a, b| a.line.cmp(&b.line));
    found.dedup_by(|a, b| a.line == b.line);
    Ok(found)
}

/// The facts an answer rests on ([`stated_facts`]), one line each, as
/// `query --why --evidence` shows them. At most [`MAX_FACTS`] lines and
/// [`MAX_FACTS_BYTES`]; the rest is counted in a last line.
pub fn fact_lines(facts: &[StatedFact]) -> String {
    let total = facts.len();
    let (mut text, mut listed) = (String::new(), 0);
    for line in facts.iter().map(|f| &f.line) {
        if listed == MAX_FACTS || text.len() + line.len() + 1 > MAX_FACTS_BYTES {
            break;
        }
        if listed > 0 {
            text.push('\n');
        }
        text.push_str(line);
        listed += 1;
    }
    if listed < total {
        text.push_str(&format!(
            "\n… and {} more facts (an answer lists at most {MAX_FACTS}, 1 MiB: narrow the query)",
            total - listed
        ));
    }
    text
}

/// A term as a fact line shows it: a compact IRI, a literal in N-Triples.
fn shown_term(term: &Term) -> String {
    labels::term(term.as_ref(), labels::Style::NTriples)
}
