//! The reader: an article's text (from `--articles`, the user's own copy)
//! laid out as paragraphs, each passage of the evidence graph marked where
//! it lies, with the facts it supports. The server's reader page
//! (`server/reader.rs`) renders an [`ArticleText`]; nothing here writes
//! HTML.
//!
//! Passages overlap (a sentence supports one fact, the paragraph around it
//! another), and some cross a paragraph's end: [`layout`] cuts each passage
//! into pieces that nest, so that the marks of a page are well formed; a
//! passage's first piece carries its anchor and its last one the link to
//! its facts. Offsets are Unicode code points, as in the evidence graph.

use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::provenance::evidence::{self, Articles, Passage};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{
    GraphNameRef, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, Triple,
};

/// One article's text with its passages, as the reader page shows it.
pub struct ArticleText {
    /// The paragraphs (the text's non-blank lines), each as pieces.
    pub paragraphs: Vec<Vec<Piece>>,
    /// Every passage of the article, in reading order (by start, then
    /// end), with the facts it supports; [`Piece::Mark`] points here.
    pub passages: Vec<Supported>,
}

/// A passage and the facts of the article's graph it states.
pub struct Supported {
    pub passage: Passage,
    /// Sorted; those of its evidence records whose fact the article's
    /// graph does not hold are left out (the check
    /// `evidence-without-fact` reports them).
    pub facts: Vec<Triple>,
}

/// Part of a paragraph: plain text, or a piece of a passage (which may
/// hold pieces of passages inside it).
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Mark {
        /// Its index in [`ArticleText::passages`].
        passage: usize,
        /// Whether this is the passage's first piece (which carries its
        /// anchor) and its last (after which its facts are linked).
        first: bool,
        last: bool,
        inner: Vec<Piece>,
    },
}

impl ArticleText {
    /// The text of `article` with its passages and their facts; `None`
    /// when `articles` has no text for it.
    pub fn compute(
        graph: &Graph,
        article: NamedNodeRef<'_>,
        articles: &Articles,
        budget: &Budget,
    ) -> Result<Option<Self>> {
        let Some(text) = articles.text(article.as_str()) else {
            return Ok(None);
        };
        let evidence_graph = vocab::graph("evidence");
        let in_evidence = Some(GraphNameRef::NamedNode(evidence_graph.as_ref()));
        let part_of = NamedNodeRef::new_unchecked(vocab::DCTERMS_IS_PART_OF);
        let passage_of = NamedNodeRef::new_unchecked(vocab::MK_PASSAGE);
        let mut passages: Vec<Supported> = Vec::new();
        for quad in graph.quads(None, Some(part_of), Some(article.into()), in_evidence) {
            let NamedOrBlankNode::NamedNode(node) = quad?.subject else {
                continue;
            };
            budget.check("reading an article's passages")?;
            let passage = evidence::read_passage(graph, node.as_ref(), Some(articles))?;
            let mut facts = Vec::new();
            for record in graph.quads(
                None,
                Some(passage_of),
                Some(node.as_ref().into()),
                in_evidence,
            ) {
                if let Some(fact) = recorded_fact(graph, record?.subject.as_ref())? {
                    let stated = graph.graphs_stating(
                        fact.subject.as_ref(),
                        fact.predicate.as_ref(),
                        fact.object.as_ref(),
                    )?;
                    if stated
                        .iter()
                        .any(|g| matches!(g, NamedOrBlankNode::NamedNode(g) if g == &article))
                    {
                        facts.push(fact);
                    }
                }
            }
            facts.sort_by_key(ToString::to_string);
            facts.dedup();
            passages.push(Supported { passage, facts });
        }
        passages.sort_by_key(|p| (p.passage.start, p.passage.end));
        passages.dedup_by_key(|p| (p.passage.start, p.passage.end));
        // Where each passage is in this copy: re-anchored in one that
        // differs from the recorded text, and nowhere (an empty range, no
        // mark) when not found there.
        let ranges: Vec<(usize, usize)> = passages
            .iter()
            .map(|p| p.passage.found.map_or((0, 0), |f| (f.start, f.end)))
            .collect();
        let chars: Vec<char> = text.chars().collect();
        Ok(Some(Self {
            paragraphs: layout(&chars, &ranges),
            passages,
        }))
    }
}

/// The fact an evidence record names (`rdf:subject`, `rdf:predicate`,
/// `rdf:object`), if it names a whole one.
fn recorded_fact(graph: &Graph, record: NamedOrBlankNodeRef<'_>) -> Result<Option<Triple>> {
    let evidence_graph = vocab::graph("evidence");
    let (mut subject, mut predicate, mut object): (Option<NamedOrBlankNode>, _, _) =
        (None, None, None);
    for quad in graph.quads(
        Some(record),
        None,
        None,
        Some(GraphNameRef::NamedNode(evidence_graph.as_ref())),
    ) {
        let quad = quad?;
        match (quad.predicate.as_str(), quad.object) {
            (vocab::RDF_SUBJECT, Term::NamedNode(node)) => subject = Some(node.into()),
            (vocab::RDF_SUBJECT, Term::BlankNode(node)) => subject = Some(node.into()),
            (vocab::RDF_PREDICATE, Term::NamedNode(node)) => predicate = Some(node),
            (vocab::RDF_OBJECT, value) => object = Some(value),
            _ => {}
        }
    }
    Ok(match (subject, predicate, object) {
        (Some(s), Some(p), Some(o)) => Some(Triple::new(s, p, o)),
        _ => None,
    })
}

/// Lays `chars` out as paragraphs (its non-blank lines) with the passages
/// `ranges` (start, end excluded, in code points; sorted by start) marked.
/// A passage crossing another's end, or a paragraph's, is cut there and
/// goes on in a new piece, so the pieces nest; a range past the text's end
/// is cut at it, and an empty one has no piece.
pub fn layout(chars: &[char], ranges: &[(usize, usize)]) -> Vec<Vec<Piece>> {
    let paragraphs = paragraphs(chars);
    let clip = |(start, end): (usize, usize), (from, to): (usize, usize)| {
        let (start, end) = (start.max(from), end.min(to));
        (start < end).then_some((start, end))
    };
    // Where each passage's last piece ends: its end in the last paragraph
    // it reaches.
    let mut last_end = vec![None; ranges.len()];
    for &paragraph in &paragraphs {
        for (index, &range) in ranges.iter().enumerate() {
            if let Some((_, end)) = clip(range, paragraph) {
                last_end[index] = Some(end);
            }
        }
    }
    let mut started = vec![false; ranges.len()];
    let mut laid = Vec::with_capacity(paragraphs.len());
    for &(from, to) in &paragraphs {
        // The passages in this paragraph, cut to it.
        let within: Vec<(usize, usize, usize)> = ranges
            .iter()
            .enumerate()
            .filter_map(|(index, &range)| clip(range, (from, to)).map(|(s, e)| (index, s, e)))
            .collect();
        let mut points: Vec<usize> = within.iter().flat_map(|&(_, s, e)| [s, e]).collect();
        points.extend([from, to]);
        points.sort_unstable();
        points.dedup();
        let end_of = |index: usize| within.iter().find(|w| w.0 == index).map_or(to, |w| w.2);
        // The open pieces, innermost last: (passage, first, contents).
        let mut open: Vec<(usize, bool, Vec<Piece>)> = Vec::new();
        let mut root: Vec<Piece> = Vec::new();
        let mut at = from;
        for &point in &points {
            if point > at {
                let text: String = chars[at..point].iter().collect();
                match open.last_mut() {
                    Some((_, _, inner)) => inner.push(Piece::Text(text)),
                    None => root.push(Piece::Text(text)),
                }
                at = point;
            }
            // Close down to the outermost piece ending here; the pieces
            // inside it that go on are closed too and opened again.
            let mut again = Vec::new();
            if let Some(depth) = open
                .iter()
                .position(|(index, _, _)| end_of(*index) == point)
            {
                while open.len() > depth {
                    let Some((index, first, inner)) = open.pop() else {
                        break;
                    };
                    let ends = end_of(index) == point;
                    let piece = Piece::Mark {
                        passage: index,
                        first,
                        last: ends && last_end[index] == Some(point),
                        inner,
                    };
                    match open.last_mut() {
                        Some((_, _, outer)) => outer.push(piece),
                        None => root.push(piece),
                    }
                    if !ends {
                        again.push(index);
                    }
                }
            }
            // Then open what starts here and what goes on, the longest
            // outermost.
            again.extend(
                within
                    .iter()
                    .filter(|&&(_, start, _)| start == point)
                    .map(|&(index, _, _)| index),
            );
            again.sort_by_key(|&index| (std::cmp::Reverse(end_of(index)), index));
            for index in again {
                if end_of(index) > point {
                    open.push((index, !started[index], Vec::new()));
                    started[index] = true;
                }
            }
        }
        laid.push(root);
    }
    laid
}

/// The paragraphs of a text: its lines that hold more than spaces, as
/// (start, end) in code points, without their line break.
fn paragraphs(chars: &[char]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut start = 0;
    for (at, &c) in chars.iter().enumerate().chain([(chars.len(), &'\n')]) {
        if c == '\n' || c == '\r' {
            if chars[start..at].iter().any(|c| !c.is_whitespace()) {
                found.push((start, at));
            }
            start = at + 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pieces as brackets: `[0 text]` is passage 0's piece, `*` its
    /// first, `.` its last.
    fn show(pieces: &[Piece]) -> String {
        pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(text) => text.clone(),
                Piece::Mark {
                    passage,
                    first,
                    last,
                    inner,
                } => format!(
                    "[{passage}{}{} {}]",
                    if *first { "*" } else { "" },
                    if *last { "." } else { "" },
                    show(inner)
                ),
            })
            .collect()
    }

    fn laid(text: &str, ranges: &[(usize, usize)]) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        layout(&chars, ranges).iter().map(|p| show(p)).collect()
    }

    #[test]
    fn nested_passages_nest() {
        assert_eq!(
            laid("une phrase entière.", &[(0, 19), (4, 10)]),
            ["[0*. une [1*. phrase] entière.]"]
        );
    }

    #[test]
    fn crossing_passages_are_cut_where_one_ends() {
        // 0 is 0..6, 1 is 3..9: 1 goes on after 0 ends.
        assert_eq!(
            laid("abcdefghij", &[(0, 6), (3, 9)]),
            ["[0*. abc[1* def]][1. ghi]j"]
        );
    }

    #[test]
    fn a_passage_across_paragraphs_is_cut_at_each() {
        assert_eq!(
            laid("été là\n\nici où", &[(4, 11)]),
            ["été [0* là]", "[0. ici] où"]
        );
    }

    #[test]
    fn offsets_are_code_points_and_bad_ranges_do_not_panic() {
        // "é" is two bytes, one code point: passage 2..4 is "ée".
        assert_eq!(laid("réée", &[(2, 4)]), ["ré[0*. ée]"]);
        assert_eq!(laid("abc", &[(1, 99), (5, 9), (2, 2)]), ["a[0*. bc]"]);
        assert_eq!(laid("", &[(0, 3)]), Vec::<String>::new());
        assert_eq!(laid("a\r\n\r\nb  \n   \n", &[]), ["a", "b  "]);
    }
}
