//! The built-in graph's terms as `build.rs` writes them ([`StaticIndex`]),
//! and the way back from a term to its id ([`Lookup`]): a binary search
//! over the ids sorted by term, then, once a process has looked up enough
//! terms for it to pay (a server's pages look up thousands, one
//! command's query a few), a hash table of every term built once, as the
//! run-time loader's datasets have from the start. Each binary search
//! compared a dozen IRIs sharing a long prefix: a sixth of an entity
//! page's time.

use super::term_hash;
use hashbrown::HashTable;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{LiteralRef, NamedNodeRef, TermRef};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// How many binary searches a process makes before hashing every term
/// instead: hashing them all costs about as much as a thousand searches,
/// so no process pays more than twice what it would have either way.
const SEARCHES: u32 = 1024;

/// The built-in graph as `build.rs` writes it (`embedded::INDEX`): what
/// [`super::DatasetBuilder::build`] would make of the built-in files, computed
/// at compile time.
#[derive(Debug)]
pub struct StaticIndex {
    /// The terms' text, one after the other.
    pub text: &'static str,
    /// Id → term.
    pub terms: &'static [StaticTerm],
    /// Every id, sorted by its term's key ([`StaticIndex::key`]): term →
    /// id is a binary search.
    pub by_term: &'static [u32],
    pub spog: &'static [[u32; 4]],
    pub posg: &'static [[u32; 4]],
    pub ospg: &'static [[u32; 4]],
    pub gspo: &'static [[u32; 4]],
}

/// A term of the built-in graph: its kind and where its one or two strings
/// lie in [`StaticIndex::text`]. Offsets rather than `&str`s: a table of
/// pointers would cost the dynamic loader a relocation each at every
/// start. Blank nodes, triple terms and directional literals have no
/// place here: `build.rs` leaves data holding them to the run-time loader.
#[derive(Debug, Clone, Copy)]
pub struct StaticTerm {
    /// 0 an IRI, 2 a simple literal, 3 a language-tagged one (value,
    /// tag), 4 a typed one (value, datatype IRI, never `xsd:string`).
    pub kind: u8,
    pub start: u32,
    pub split: u32,
    pub end: u32,
}

impl StaticIndex {
    pub(super) fn term(&self, id: u32) -> TermRef<'static> {
        let (kind, first, second) = self.key(self.terms[id as usize]);
        match kind {
            0 => NamedNodeRef::new_unchecked(first).into(),
            3 => LiteralRef::new_language_tagged_literal_unchecked(first, second).into(),
            4 => LiteralRef::new_typed_literal(first, NamedNodeRef::new_unchecked(second)).into(),
            _ => LiteralRef::new_simple_literal(first).into(),
        }
    }

    /// The order of `by_term`; `build.rs` sorts by the same key.
    fn key(&self, term: StaticTerm) -> (u8, &'static str, &'static str) {
        let text = self.text;
        let (start, split, end) = (term.start as usize, term.split as usize, term.end as usize);
        (term.kind, &text[start..split], &text[split..end])
    }
}

/// A term's [`StaticIndex::key`]; `None` for a term no static index holds.
fn static_key(term: TermRef<'_>) -> Option<(u8, &str, &str)> {
    match term {
        TermRef::NamedNode(node) => Some((0, node.as_str(), "")),
        TermRef::Literal(literal) if literal.direction().is_some() => None,
        TermRef::Literal(literal) => Some(match literal.language() {
            Some(language) => (3, literal.value(), language),
            None if literal.datatype() == xsd::STRING => (2, literal.value(), ""),
            None => (4, literal.value(), literal.datatype().as_str()),
        }),
        TermRef::BlankNode(_) | TermRef::Triple(_) => None,
    }
}

/// Term → id for a [`StaticIndex`]: [`SEARCHES`] binary searches, then
/// lookups in a hash table of every term, built by the search past them.
#[derive(Debug)]
pub(super) struct Lookup {
    pub(super) index: &'static StaticIndex,
    searches: AtomicU32,
    hashed: OnceLock<HashTable<u32>>,
}

/// A copy for a dataset that shares these terms (a part of the built-in
/// graph, `restrict.rs`): the table, once built, comes along.
impl Clone for Lookup {
    fn clone(&self) -> Self {
        Self {
            index: self.index,
            searches: AtomicU32::new(self.searches.load(Ordering::Relaxed)),
            hashed: self.hashed.clone(),
        }
    }
}

impl Lookup {
    pub(super) fn new(index: &'static StaticIndex) -> Self {
        Self {
            index,
            searches: AtomicU32::new(0),
            hashed: OnceLock::new(),
        }
    }

    /// The id of `term`, if the index holds it.
    pub(super) fn find(&self, term: TermRef<'_>) -> Option<u32> {
        let hashed = match self.hashed.get() {
            Some(hashed) => Some(hashed),
            None if self.searches.fetch_add(1, Ordering::Relaxed) >= SEARCHES => {
                Some(self.hashed.get_or_init(|| self.hash_all()))
            }
            None => None,
        };
        if let Some(hashed) = hashed {
            // A term no static index holds (a blank node…) equals none of
            // its terms, so it is not found, as by the search.
            return hashed
                .find(term_hash(term), |&id| self.index.term(id) == term)
                .copied();
        }
        let index = self.index;
        let key = static_key(term)?;
        let at = index
            .by_term
            .binary_search_by(|&id| index.key(index.terms[id as usize]).cmp(&key))
            .ok()?;
        Some(index.by_term[at])
    }

    fn hash_all(&self) -> HashTable<u32> {
        let terms = self.index.terms.len();
        let mut hashed = HashTable::with_capacity(terms);
        for id in 0..u32::try_from(terms).unwrap_or(u32::MAX) {
            let hash = term_hash(self.index.term(id));
            hashed.insert_unique(hash, id, |&other| term_hash(self.index.term(other)));
        }
        hashed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::BlankNodeRef;

    /// Both ways find every term at its id, and nothing else.
    #[test]
    fn the_hash_table_finds_what_the_search_finds() {
        let index = crate::graph::embedded::INDEX
            .as_ref()
            .expect("build.rs indexed the built-in graph");
        let (searched, hashed) = (Lookup::new(index), Lookup::new(index));
        hashed.searches.store(SEARCHES, Ordering::Relaxed);
        let absent = [
            NamedNodeRef::new_unchecked("https://w3id.org/missions-kg/id/nobody").into(),
            LiteralRef::new_simple_literal("not in the data at all").into(),
            BlankNodeRef::new_unchecked("b0").into(),
        ];
        for id in 0..u32::try_from(index.terms.len()).expect("fewer terms than ids") {
            let term = index.term(id);
            assert_eq!(hashed.find(term), Some(id), "{term}");
            // Well under SEARCHES: every one of these is a search.
            if id < SEARCHES / 2 {
                assert_eq!(searched.find(term), Some(id), "{term}");
            }
        }
        assert!(hashed.hashed.get().is_some());
        for term in absent {
            assert_eq!(hashed.find(term), None, "{term}");
            assert_eq!(searched.find(term), None, "{term}");
        }
    }
}
