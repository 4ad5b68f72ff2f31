//! The read-only, in-memory RDF dataset: the backend of [`super::Graph`]
//! for the built-in data and `--data` files (the others are the on-disk
//! store and a remote engine).
//!
//! `Graph::open` builds one per run and nothing changes it after, so
//! it need not be a database: terms are interned once to integer ids and the
//! quads are kept as four sorted arrays of ids (SPOG, POSG, OSPG, GSPO), so
//! any triple pattern is a binary search plus a scan. Building it costs a
//! sort of a few thousand rows, where inserting into Oxigraph's transactional
//! `Store` cost more than parsing the data (measured: README, "Speed").
//! SPARQL runs on it through `spareval::QueryableDataset`, Oxigraph's own
//! evaluator; `Graph`'s reads (`describe`, `stats`, `export`, the label
//! lookups) come through [`Dataset::quads_for_pattern`].
//!
//! The built-in graph is not even built at run time: `build.rs` interns and
//! sorts it into static arrays ([`StaticIndex`]), and [`Dataset::embedded`]
//! only points at them, so a query on it starts without parsing anything.

mod static_index;

pub use static_index::{StaticIndex, StaticTerm};

use hashbrown::HashTable;
use oxigraph::model::{
    BlankNodeRef, GraphName, GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term,
    TermRef,
};
use spareval::{InternalQuad, QueryableDataset};
use std::borrow::Cow;
use std::hash::{BuildHasher, Hash};
mod restrict;
/// The id of the default graph in the graph position.
pub const DEFAULT_GRAPH: u32 = u32::MAX;

/// A set of quads, indexed for every triple pattern.
#[derive(Debug, Default)]
pub struct Dataset {
    /// Id ↔ term. Graph names are terms too (IRIs or blank nodes).
    terms: Terms,
    /// Quads as `[s, p, o, g]`, sorted and without duplicates.
    spog: Cow<'static, [[u32; 4]]>,
    /// The same quads as `[p, o, s, g]`, sorted.
    posg: Cow<'static, [[u32; 4]]>,
    /// As `[o, s, p, g]`, sorted.
    ospg: Cow<'static, [[u32; 4]]>,
    /// As `[g, s, p, o]`, sorted.
    gspo: Cow<'static, [[u32; 4]]>,
}

/// The terms of a dataset, by id, and the way back.
#[derive(Debug, Clone)]
enum Terms {
    /// Parsed at run time.
    Owned {
        terms: Vec<Term>,
        /// Term → id: ids hashed by their term, so a lookup by a borrowed
        /// term neither allocates nor keeps each term twice.
        ids: HashTable<u32>,
    },
    /// The built-in graph's, written by `build.rs`.
    Static(static_index::Lookup),
}

impl Default for Terms {
    fn default() -> Self {
        Self::Owned {
            terms: Vec::new(),
            ids: HashTable::new(),
        }
    }
}

impl Terms {
    fn get(&self, id: u32) -> TermRef<'_> {
        match self {
            Self::Owned { terms, .. } => terms[id as usize].as_ref(),
            Self::Static(lookup) => lookup.index.term(id),
        }
    }

    fn find(&self, term: TermRef<'_>) -> Option<u32> {
        match self {
            Self::Owned { terms, ids } => find_id(terms, ids, term),
            Self::Static(lookup) => lookup.find(term),
        }
    }
}

/// Which sorted array answers a pattern, and how its rows map back to SPOG.
#[derive(Clone, Copy)]
enum Order {
    Spog,
    Posg,
    Ospg,
    Gspo,
}

/// From how many rows [`DatasetBuilder::build`] sorts on two threads
/// (below it, starting a thread costs more than it saves).
const PARALLEL_SORT_FROM: usize = 1 << 16;

impl Order {
    const ALL: [Self; 4] = [Self::Spog, Self::Posg, Self::Ospg, Self::Gspo];

    /// Row of this order → `[s, p, o, g]`.
    fn unpermute(self, row: [u32; 4]) -> [u32; 4] {
        match self {
            Self::Spog => row,
            Self::Posg => [row[2], row[0], row[1], row[3]],
            Self::Ospg => [row[1], row[2], row[0], row[3]],
            Self::Gspo => [row[1], row[2], row[3], row[0]],
        }
    }

    /// `[s, p, o, g]` → row of this order.
    fn permute(self, [s, p, o, g]: [u32; 4]) -> [u32; 4] {
        match self {
            Self::Spog => [s, p, o, g],
            Self::Posg => [p, o, s, g],
            Self::Ospg => [o, s, p, g],
            Self::Gspo => [g, s, p, o],
        }
    }
}

/// A pattern over ids: `None` is a wildcard. For the graph, `Some(None)`
/// is the default graph and `None` any graph.
#[derive(Clone, Copy)]
struct Pattern {
    spog: [Option<u32>; 4],
    /// With an unbound graph: skip the default graph (SPARQL's `GRAPH ?g`).
    named_only: bool,
}

/// Collects quads as ids while they are parsed, then sorts them into a
/// [`Dataset`]; terms are interned as they come, so no quad is kept twice.
#[derive(Default)]
pub struct DatasetBuilder {
    terms: Vec<Term>,
    ids: HashTable<u32>,
    rows: Vec<[u32; 4]>,
}

/// The hash of a term in the id table.
fn term_hash(term: TermRef<'_>) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(term)
}

/// The id of `term` among `terms`, through `ids`.
fn find_id(terms: &[Term], ids: &HashTable<u32>, term: TermRef<'_>) -> Option<u32> {
    ids.find(term_hash(term), |&id| terms[id as usize].as_ref() == term)
        .copied()
}

impl DatasetBuilder {
    pub fn insert(&mut self, quad: Quad) {
        let graph = match quad.graph_name {
            GraphName::DefaultGraph => DEFAULT_GRAPH,
            GraphName::NamedNode(node) => self.intern(node.into()),
            GraphName::BlankNode(node) => self.intern(node.into()),
        };
        let row = [
            self.intern(quad.subject.into()),
            self.intern(quad.predicate.into()),
            self.intern(quad.object),
            graph,
        ];
        self.rows.push(row);
    }

    /// The labels of the blank nodes held so far (a file loaded next must
    /// not reuse them for its own nodes).
    pub fn blank_labels(&self) -> impl Iterator<Item = String> + '_ {
        self.terms.iter().filter_map(|term| match term {
            Term::BlankNode(node) => Some(node.as_str().to_owned()),
            _ => None,
        })
    }

    /// Adds a default-graph copy of every named-graph quad: the merged view.
    /// The dataset is a set, so a fact stated by two graphs is there once.
    pub fn merge_named_graphs_into_default(&mut self) {
        let copies: Vec<[u32; 4]> = self
            .rows
            .iter()
            .filter(|row| row[3] != DEFAULT_GRAPH)
            .map(|&[s, p, o, _]| [s, p, o, DEFAULT_GRAPH])
            .collect();
        self.rows.extend(copies);
    }

    /// Appends the terms and rows of `other`, each term passed through
    /// `map` first (the loader renames blank nodes there): the result is
    /// what inserting `other`'s quads one by one would have given.
    pub fn absorb(&mut self, other: DatasetBuilder, mut map: impl FnMut(Term) -> Term) {
        let ids: Vec<u32> = other
            .terms
            .into_iter()
            .map(|term| self.intern(map(term)))
            .collect();
        let id = |id: u32| {
            if id == DEFAULT_GRAPH {
                id
            } else {
                ids[id as usize]
            }
        };
        self.rows.extend(
            other
                .rows
                .into_iter()
                .map(|[s, p, o, g]| [id(s), id(p), id(o), id(g)]),
        );
    }

    fn intern(&mut self, term: Term) -> u32 {
        if let Some(id) = find_id(&self.terms, &self.ids, term.as_ref()) {
            return id;
        }
        // Fewer than u32::MAX terms: the data is a few thousand quads, and
        // `--data` files that large would not fit in memory as terms anyway.
        let id = u32::try_from(self.terms.len()).unwrap_or(DEFAULT_GRAPH - 1);
        let terms = &self.terms;
        self.ids.insert_unique(term_hash(term.as_ref()), id, |&id| {
            term_hash(terms[id as usize].as_ref())
        });
        self.terms.push(term);
        id
    }

    /// The terms and the quads as rows of term ids `[s, p, o, g]`, sorted
    /// by graph (the default graph, [`DEFAULT_GRAPH`], last) then subject,
    /// predicate, object, without duplicates: what the on-disk store
    /// writes, one graph at a time.
    pub fn into_rows(self) -> (Vec<Term>, Vec<[u32; 4]>) {
        let mut rows = self.rows;
        rows.sort_unstable_by_key(|&[s, p, o, g]| (g, s, p, o));
        rows.dedup();
        (self.terms, rows)
    }

    /// Sorts the quads into the four indexes; duplicates collapse. Each
    /// index is sorted from the raw rows on its own, so large inputs sort
    /// two at a time on a second thread (sorting was an eighth of a 1M-quad
    /// `--data` load).
    pub fn build(self) -> Dataset {
        let rows = &self.rows;
        let sorted = |order: Order| {
            let mut sorted: Vec<[u32; 4]> = rows.iter().map(|&q| order.permute(q)).collect();
            sorted.sort_unstable();
            sorted.dedup();
            sorted
        };
        let [spog, posg, ospg, gspo] = if rows.len() < PARALLEL_SORT_FROM {
            Order::ALL.map(sorted)
        } else {
            std::thread::scope(|scope| {
                let other = scope.spawn(|| [sorted(Order::Posg), sorted(Order::Gspo)]);
                let [spog, ospg] = [sorted(Order::Spog), sorted(Order::Ospg)];
                // A sort cannot panic on plain integers; if the thread did,
                // sorting here again is still right.
                let [posg, gspo] = other
                    .join()
                    .unwrap_or_else(|_| [sorted(Order::Posg), sorted(Order::Gspo)]);
                [spog, posg, ospg, gspo]
            })
        };
        Dataset {
            posg: posg.into(),
            ospg: ospg.into(),
            gspo: gspo.into(),
            spog: spog.into(),
            terms: Terms::Owned {
                terms: self.terms,
                ids: self.ids,
            },
        }
    }
}

impl Dataset {
    /// The built-in graph, as `build.rs` indexed it; `None` when it left
    /// the built-in files to the run-time loader.
    pub fn embedded() -> Option<Self> {
        let index = crate::graph::embedded::INDEX.as_ref()?;
        Some(Self {
            terms: Terms::Static(static_index::Lookup::new(index)),
            spog: Cow::Borrowed(index.spog),
            posg: Cow::Borrowed(index.posg),
            ospg: Cow::Borrowed(index.ospg),
            gspo: Cow::Borrowed(index.gspo),
        })
    }

    /// Builds the dataset from quads; duplicates collapse, as in any RDF set.
    pub fn from_quads(quads: impl IntoIterator<Item = Quad>) -> Self {
        let mut builder = DatasetBuilder::default();
        for quad in quads {
            builder.insert(quad);
        }
        builder.build()
    }

    /// The id of a term, if the dataset holds it.
    pub(crate) fn id(&self, term: TermRef<'_>) -> Option<u32> {
        self.terms.find(term)
    }

    /// Every term by id, and the four indexes: two datasets built alike
    /// from the same files have the same parts (the compile-time index is
    /// checked against the loader so).
    #[cfg(test)]
    pub fn parts(&self) -> (Vec<TermRef<'_>>, [&[[u32; 4]]; 4]) {
        let count = match &self.terms {
            Terms::Owned { terms, .. } => terms.len(),
            Terms::Static(lookup) => lookup.index.terms.len(),
        };
        let terms = (0..count as u32).map(|id| self.terms.get(id)).collect();
        (terms, [&self.spog, &self.posg, &self.ospg, &self.gspo])
    }

    /// Number of quads, default graph included.
    pub fn len(&self) -> usize {
        self.spog.len()
    }

    /// Whether it holds no quad at all.
    pub fn is_empty(&self) -> bool {
        self.spog.is_empty()
    }

    /// All quads, sorted by subject, predicate, object, graph ids.
    pub fn iter(&self) -> impl Iterator<Item = QuadRef<'_>> {
        self.spog.iter().map(|&row| self.quad(row))
    }

    /// Every predicate, each once: a jump per predicate through the POSG
    /// index, not a scan of every quad.
    pub fn predicates(&self) -> impl Iterator<Item = NamedNodeRef<'_>> + '_ {
        let mut at = 0;
        std::iter::from_fn(move || {
            let p = self.posg.get(at)?[0];
            at += self.posg[at..].partition_point(|row| row[0] == p);
            match self.terms.get(p) {
                TermRef::NamedNode(node) => Some(node),
                // Predicates are IRIs; nothing else is interned there.
                _ => None,
            }
        })
    }

    /// The named graphs (those holding at least one quad).
    pub fn named_graphs(&self) -> impl Iterator<Item = NamedOrBlankNodeRef<'_>> {
        self.named_graph_ids().map(|g| self.subject(g))
    }

    /// Ids of the named graphs, each once (GSPO is sorted by graph first).
    fn named_graph_ids(&self) -> impl Iterator<Item = u32> + '_ {
        let mut previous = None;
        self.gspo
            .iter()
            .map(|row| row[0])
            .filter(move |&g| g != DEFAULT_GRAPH && previous.replace(g) != Some(g))
    }

    /// Whether `graph` names a graph holding at least one quad.
    pub fn contains_named_graph(&self, graph: NamedOrBlankNodeRef<'_>) -> bool {
        self.id(subject_term(graph)).is_some_and(|g| {
            let pattern = Pattern {
                spog: [None, None, None, Some(g)],
                named_only: false,
            };
            self.matches(pattern).next().is_some()
        })
    }

    /// Quads matching a pattern; `None` matches anything (for the graph:
    /// any graph, the default one included), as in Oxigraph's `Store`.
    pub fn quads_for_pattern<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph_name: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = QuadRef<'a>> + 'a> {
        let lookup = |term: Option<TermRef<'_>>| match term {
            None => Some(None),
            Some(term) => self.id(term).map(Some),
        };
        let graph = match graph_name {
            None => Some(None),
            Some(GraphNameRef::DefaultGraph) => Some(Some(DEFAULT_GRAPH)),
            Some(GraphNameRef::NamedNode(node)) => lookup(Some(node.into())),
            Some(GraphNameRef::BlankNode(node)) => lookup(Some(node.into())),
        };
        let (Some(s), Some(p), Some(o), Some(g)) = (
            lookup(subject.map(subject_term)),
            lookup(predicate.map(TermRef::from)),
            lookup(object),
            graph,
        ) else {
            // A term the dataset does not hold matches nothing.
            return Box::new(std::iter::empty());
        };
        let pattern = Pattern {
            spog: [s, p, o, g],
            named_only: false,
        };
        Box::new(self.matches(pattern).map(|row| self.quad(row)))
    }

    /// Rows `[s, p, o, g]` matching `pattern`, from the index whose sort
    /// order starts with the most bound positions.
    fn matches(&self, pattern: Pattern) -> impl Iterator<Item = [u32; 4]> + '_ {
        let [s, p, o, g] = pattern.spog;
        let (order, rows) = match (s, p, o, g) {
            (Some(_), _, _, _) => (Order::Spog, &self.spog),
            (None, Some(_), _, _) => (Order::Posg, &self.posg),
            (None, None, Some(_), _) => (Order::Ospg, &self.ospg),
            (None, None, None, Some(_)) => (Order::Gspo, &self.gspo),
            (None, None, None, None) => (Order::Spog, &self.spog),
        };
        // The leading bound positions of this order delimit a contiguous range.
        let key = order.permute(pattern.spog.map(|x| x.unwrap_or(0)));
        let bound = order.permute(pattern.spog.map(|x| u32::from(x.is_some())));
        let prefix = bound.iter().take_while(|&&b| b == 1).count();
        // The range runs from the key with the rest at 0 to the key with the
        // rest at u32::MAX; whole-row comparisons, not slice ones (those
        // went through memcmp, a tenth of an entity page's time).
        let (mut low, mut high) = (key, key);
        for position in prefix..4 {
            low[position] = 0;
            high[position] = u32::MAX;
        }
        let start = rows.partition_point(|row| *row < low);
        let end = start + rows[start..].partition_point(|row| *row <= high);
        rows[start..end]
            .iter()
            .map(move |&row| order.unpermute(row))
            .filter(move |row| {
                row.iter()
                    .zip(pattern.spog)
                    .all(|(value, wanted)| wanted.is_none_or(|w| *value == w))
                    && !(pattern.named_only && row[3] == DEFAULT_GRAPH)
            })
    }

    fn quad(&self, [s, p, o, g]: [u32; 4]) -> QuadRef<'_> {
        let graph = if g == DEFAULT_GRAPH {
            GraphNameRef::DefaultGraph
        } else {
            match self.subject(g) {
                NamedOrBlankNodeRef::NamedNode(node) => node.into(),
                NamedOrBlankNodeRef::BlankNode(node) => node.into(),
            }
        };
        let predicate = match self.term(p) {
            TermRef::NamedNode(node) => node,
            // Parsers only yield IRIs as predicates.
            _ => NamedNodeRef::new_unchecked("urn:missions-kg:invalid-predicate"),
        };
        QuadRef::new(self.subject(s), predicate, self.term(o), graph)
    }

    fn term(&self, id: u32) -> TermRef<'_> {
        self.terms.get(id)
    }

    fn subject(&self, id: u32) -> NamedOrBlankNodeRef<'_> {
        match self.term(id) {
            TermRef::NamedNode(node) => node.into(),
            TermRef::BlankNode(node) => node.into(),
            // Parsers only yield IRIs and blank nodes as subjects and graphs.
            _ => BlankNodeRef::new_unchecked("invalid").into(),
        }
    }
}

fn subject_term(subject: NamedOrBlankNodeRef<'_>) -> TermRef<'_> {
    match subject {
        NamedOrBlankNodeRef::NamedNode(node) => node.into(),
        NamedOrBlankNodeRef::BlankNode(node) => node.into(),
    }
}

/// A term as the SPARQL evaluator handles it: the id of a term of the
/// dataset, or a term computed by the query (`BIND`, `CONCAT`…) that the
/// dataset does not hold. A term the dataset holds is always `Known`, so
/// equal terms always compare equal.
#[derive(Debug, PartialEq, Eq, Hash)]
pub enum EvalTerm {
    Known(u32),
    Other(Term),
}

impl Clone for EvalTerm {
    /// Every joined row clones its terms, so a clone is where a query that
    /// never reads the dataset any more (a join of materialized sides
    /// feeding COUNT or ORDER BY) can still notice it was cancelled; see
    /// `budget::catch_cancellation`.
    #[inline]
    fn clone(&self) -> Self {
        crate::guard::budget::notice_cancellation();
        match self {
            Self::Known(id) => Self::Known(*id),
            Self::Other(term) => Self::Other(term.clone()),
        }
    }
}

/// The largest term a query may compute (`CONCAT`, `REPLACE`,
/// `GROUP_CONCAT`…), in bytes of text. Each step of such a computation
/// is bounded by it, so the evaluator looks at its cancellation token
/// between bounded steps; without it, `CONCAT` doubling a string sixteen
/// times built gigabytes inside one row, past any timeout or ceiling.
pub const MAX_COMPUTED_TERM_BYTES: usize = 16 * 1024 * 1024;

/// Why the dataset refused a term a query computed.
#[derive(Debug)]
pub struct TermTooLarge(usize);

impl std::fmt::Display for TermTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the query computes a value of {} bytes; computed values are limited to {} MiB",
            self.0,
            MAX_COMPUTED_TERM_BYTES / (1024 * 1024)
        )
    }
}

impl std::error::Error for TermTooLarge {}

/// The bytes of text a term holds.
fn term_bytes(term: &Term) -> usize {
    match term {
        Term::NamedNode(node) => node.as_str().len(),
        Term::BlankNode(node) => node.as_str().len(),
        Term::Literal(literal) => literal.value().len(),
        Term::Triple(triple) => {
            triple.subject.to_string().len()
                + triple.predicate.as_str().len()
                + term_bytes(&triple.object)
        }
    }
}

impl<'a> QueryableDataset<'a> for &'a Dataset {
    type InternalTerm = EvalTerm;
    type Error = TermTooLarge;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&EvalTerm>,
        predicate: Option<&EvalTerm>,
        object: Option<&EvalTerm>,
        graph_name: Option<Option<&EvalTerm>>,
    ) -> impl Iterator<Item = Result<InternalQuad<EvalTerm>, TermTooLarge>> + use<'a> {
        let dataset: &'a Dataset = self;
        // `None` for a term outside the dataset, which matches nothing.
        let known = |term: Option<&EvalTerm>| match term {
            None => Some(None),
            Some(EvalTerm::Known(id)) => Some(Some(*id)),
            Some(EvalTerm::Other(_)) => None,
        };
        let (graph, named_only) = match graph_name {
            None => (Some(None), true),
            Some(None) => (Some(Some(DEFAULT_GRAPH)), false),
            Some(Some(graph)) => (known(Some(graph)), false),
        };
        let pattern = match (known(subject), known(predicate), known(object), graph) {
            (Some(s), Some(p), Some(o), Some(g)) => Some(Pattern {
                spog: [s, p, o, g],
                named_only,
            }),
            _ => None,
        };
        pattern
            .into_iter()
            .flat_map(move |pattern| dataset.matches(pattern))
            .map(|[s, p, o, g]| {
                Ok(InternalQuad {
                    subject: EvalTerm::Known(s),
                    predicate: EvalTerm::Known(p),
                    object: EvalTerm::Known(o),
                    graph_name: (g != DEFAULT_GRAPH).then_some(EvalTerm::Known(g)),
                })
            })
    }

    fn internal_named_graphs(
        &self,
    ) -> impl Iterator<Item = Result<EvalTerm, TermTooLarge>> + use<'a> {
        let dataset: &'a Dataset = self;
        dataset.named_graph_ids().map(|g| Ok(EvalTerm::Known(g)))
    }

    fn internalize_term(&self, term: Term) -> Result<EvalTerm, TermTooLarge> {
        Ok(match self.terms.find(term.as_ref()) {
            Some(id) => EvalTerm::Known(id),
            None => {
                let bytes = term_bytes(&term);
                if bytes > MAX_COMPUTED_TERM_BYTES {
                    return Err(TermTooLarge(bytes));
                }
                EvalTerm::Other(term)
            }
        })
    }

    fn externalize_term(&self, term: EvalTerm) -> Result<Term, TermTooLarge> {
        Ok(match term {
            EvalTerm::Known(id) => self.terms.get(id).into_owned(),
            EvalTerm::Other(term) => term,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{Literal, NamedNode};
    use oxigraph::sparql::{QueryResults, SparqlEvaluator};

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://e.org/{s}"))
    }

    fn sample() -> Dataset {
        Dataset::from_quads([
            Quad::new(n("a"), n("p"), n("b"), n("g1")),
            Quad::new(n("a"), n("p"), n("b"), n("g1")),
            Quad::new(n("a"), n("p"), n("b"), n("g2")),
            Quad::new(n("a"), n("q"), Literal::from(1), GraphName::DefaultGraph),
            Quad::new(n("b"), n("p"), n("c"), GraphName::DefaultGraph),
        ])
    }

    #[test]
    fn duplicates_collapse() {
        assert_eq!(sample().len(), 4);
    }

    #[test]
    fn every_pattern_shape_finds_the_same_quads_as_a_scan() {
        let dataset = sample();
        let all: Vec<QuadRef<'_>> = dataset.iter().collect();
        for quad in &all {
            for mask in 0..16u8 {
                let s = (mask & 1 != 0).then_some(quad.subject);
                let p = (mask & 2 != 0).then_some(quad.predicate);
                let o = (mask & 4 != 0).then_some(quad.object);
                let g = (mask & 8 != 0).then_some(quad.graph_name);
                let mut found: Vec<QuadRef<'_>> = dataset.quads_for_pattern(s, p, o, g).collect();
                let mut expected: Vec<QuadRef<'_>> = all
                    .iter()
                    .copied()
                    .filter(|q| {
                        s.is_none_or(|s| q.subject == s)
                            && p.is_none_or(|p| q.predicate == p)
                            && o.is_none_or(|o| q.object == o)
                            && g.is_none_or(|g| q.graph_name == g)
                    })
                    .collect();
                found.sort_by_key(ToString::to_string);
                expected.sort_by_key(ToString::to_string);
                assert_eq!(found, expected, "pattern mask {mask} on {quad}");
            }
        }
    }

    #[test]
    fn unknown_terms_match_nothing() {
        let dataset = sample();
        let missing = n("missing");
        let missing = missing.as_ref();
        // In each position, alone and beside known terms.
        let a = n("a");
        let p = n("p");
        let patterns = [
            dataset.quads_for_pattern(Some(missing.into()), None, None, None),
            dataset.quads_for_pattern(None, Some(missing), None, None),
            dataset.quads_for_pattern(None, None, Some(missing.into()), None),
            dataset.quads_for_pattern(None, None, None, Some(missing.into())),
            dataset.quads_for_pattern(Some(a.as_ref().into()), Some(missing), None, None),
            dataset.quads_for_pattern(None, Some(p.as_ref()), Some(missing.into()), None),
            dataset.quads_for_pattern(
                Some(a.as_ref().into()),
                Some(p.as_ref()),
                None,
                Some(missing.into()),
            ),
        ];
        for (i, pattern) in patterns.into_iter().enumerate() {
            assert_eq!(pattern.count(), 0, "pattern {i}");
        }
    }

    #[test]
    fn sparql_sees_the_default_graph_and_named_graphs_apart() {
        let dataset = sample();
        let count = |query: &str| {
            let results = SparqlEvaluator::new()
                .parse_query(query)
                .unwrap()
                .on_queryable_dataset(&dataset)
                .execute()
                .unwrap();
            let QueryResults::Solutions(solutions) = results else {
                panic!("not a SELECT")
            };
            solutions.count()
        };
        assert_eq!(count("SELECT * { ?s ?p ?o }"), 2);
        assert_eq!(count("SELECT * { GRAPH ?g { ?s ?p ?o } }"), 2);
        assert_eq!(
            count("SELECT * { GRAPH <http://e.org/g2> { ?s ?p ?o } }"),
            1
        );
        assert_eq!(
            count("SELECT * { BIND(<http://e.org/a> AS ?s) ?s ?p ?o }"),
            1
        );
        assert_eq!(
            count("SELECT * { BIND(<http://e.org/zz> AS ?s) ?s ?p ?o }"),
            0
        );
    }
}
