//! Ids for the evaluator: the merged view's dictionary and each named
//! graph's map from its own ids to the merged ones, so terms compare
//! across graphs without decoding.

use super::files::open_regular;
use crate::guard::budget::contain_panic;
use anyhow::Result;
use hdt::four_sect_dict::IdKind;
use hdt::Hdt;
use oxigraph::model::Term;
use std::path::Path;

/// A term as the store's SPARQL evaluation handles it. Every term of the
/// merged view (which holds every triple of every graph) is an `Id`, its
/// number there, so joins compare integers and decode nothing; a term the
/// merged view lacks (a graph's name, a computed value) is its HDT text;
/// a computed triple term, which no HDT file holds, is kept as it is.
/// One term has exactly one form, so equal terms compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreTerm {
    Id(u64),
    Text(String),
    Other(Term),
}

/// The merged view's file and its id spaces. HDT numbers subjects,
/// predicates and objects apart (a term used as both subject and object
/// is "shared", with one number); here they become one space:
/// `1..=S` shared, then subject-only, then object-only, then
/// predicate-only terms. A predicate also used as a subject or object
/// takes that number, found once at open.
pub(super) struct Merged {
    pub(super) hdt: Hdt,
    pub(super) shared: u64,
    pub(super) subjects: u64,
    pub(super) objects: u64,
    /// Predicate id (index) → canonical id.
    pub(super) predicate_ids: Vec<u64>,
    /// Canonical id → predicate id.
    pub(super) predicates: rustc_hash::FxHashMap<u64, usize>,
}

impl Merged {
    pub(super) fn new(hdt: Hdt) -> Result<Self> {
        let dict = &hdt.dict;
        let (shared, subjects, objects) = (
            dict.shared.num_strings as u64,
            dict.subjects.num_strings as u64,
            dict.objects.num_strings as u64,
        );
        let mut merged = Self {
            shared,
            subjects,
            objects,
            predicate_ids: vec![0],
            predicates: Default::default(),
            hdt,
        };
        let count = merged.hdt.dict.predicates.num_strings;
        for id in 1..=count {
            let text = merged
                .hdt
                .dict
                .id_to_string(id, IdKind::Predicate)
                .map_err(|e| anyhow::anyhow!("damaged HDT dictionary: {e}"))?;
            let canonical = merged
                .subject_or_object(&text)
                .unwrap_or(shared + subjects + objects + id as u64);
            merged.predicate_ids.push(canonical);
            merged.predicates.insert(canonical, id);
        }
        Ok(merged)
    }

    /// The canonical id of a term used as subject or object.
    pub(super) fn subject_or_object(&self, text: &str) -> Option<u64> {
        let dict = &self.hdt.dict;
        match dict.string_to_id(text, IdKind::Subject) {
            0 => match dict.string_to_id(text, IdKind::Object) {
                0 => None,
                id => Some(self.object_id(id)),
            },
            id => Some(id as u64),
        }
    }

    pub(super) fn canonical(&self, text: &str) -> Option<u64> {
        self.subject_or_object(text).or_else(|| {
            match self.hdt.dict.string_to_id(text, IdKind::Predicate) {
                0 => None,
                id => Some(self.predicate_ids[id]),
            }
        })
    }

    pub(super) fn object_id(&self, id: usize) -> u64 {
        let id = id as u64;
        if id <= self.shared {
            id
        } else {
            id + self.subjects
        }
    }

    /// The HDT id of a canonical id in one position; `None` if the term is
    /// never used there.
    pub(super) fn position(&self, canonical: u64, kind: IdKind) -> Option<usize> {
        let (shared, subjects, objects) = (self.shared, self.subjects, self.objects);
        match kind {
            IdKind::Subject => (canonical <= shared + subjects).then_some(canonical as usize),
            IdKind::Object if canonical <= shared => Some(canonical as usize),
            IdKind::Object => (canonical > shared + subjects
                && canonical <= shared + subjects + objects)
                .then(|| (canonical - subjects) as usize),
            IdKind::Predicate => self.predicates.get(&canonical).copied(),
        }
    }

    pub(super) fn text(&self, canonical: u64) -> Result<String, StoreError> {
        let (shared, subjects, objects) = (self.shared, self.subjects, self.objects);
        let (id, kind) = if canonical <= shared + subjects {
            (canonical, IdKind::Subject)
        } else if canonical <= shared + subjects + objects {
            (canonical - subjects, IdKind::Object)
        } else {
            (canonical - shared - subjects - objects, IdKind::Predicate)
        };
        contain_panic(|| self.hdt.dict.id_to_string(id as usize, kind))
            .map_err(|panic| StoreError(format!("damaged HDT dictionary: {panic}")))?
            .map_err(|e| StoreError(format!("damaged HDT dictionary: {e}")))
    }
}

/// How many ids an HDT file has as subjects, predicates and objects (the
/// shared section counts for subjects and objects both).
pub(super) fn section_sizes(hdt: &Hdt) -> [usize; 3] {
    let dict = &hdt.dict;
    let shared = dict.shared.num_strings;
    [
        shared + dict.subjects.num_strings,
        dict.predicates.num_strings,
        shared + dict.objects.num_strings,
    ]
}

/// A named graph's ids → the merged view's (`ids[kind][id]`).
pub(super) struct GraphIds(pub(super) [Vec<u64>; 3]);

impl GraphIds {
    /// The `.ids` file: for subjects, predicates and objects in turn, a
    /// count then that many ids (entry 0 unused), all u64 little-endian.
    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for map in &self.0 {
            bytes.extend((map.len() as u64).to_le_bytes());
            for id in map {
                bytes.extend(id.to_le_bytes());
            }
        }
        bytes
    }

    /// Reads what [`GraphIds::to_bytes`] wrote for `hdt`, checking every
    /// count against its dictionary and every id against the merged view,
    /// then the maps' order ([`in_order`]).
    pub(super) fn read(path: &Path, hdt: &Hdt, merged: &Merged) -> Result<Self, String> {
        let damaged = |what: &str| format!("damaged store: {}: {what}", path.display());
        let sizes = section_sizes(hdt);
        // Its size follows from the HDT file's: checked before reading.
        let expected = 8 * sizes.iter().map(|size| size + 2).sum::<usize>() as u64;
        let file = open_regular(path).map_err(|e| e.to_string())?;
        if file.metadata().map_or(0, |m| m.len()) != expected {
            return Err(damaged("its size does not fit its HDT file"));
        }
        let mut bytes = Vec::with_capacity(expected as usize);
        std::io::Read::read_to_end(&mut std::io::Read::take(file, expected), &mut bytes)
            .map_err(|e| damaged(&crate::guard::error::io_reason(&e)))?;
        if bytes.len() % 8 != 0 {
            return Err(damaged("not a whole number of ids"));
        }
        let mut words = bytes
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
        // `predicate_ids` has an unused entry 0.
        let highest = merged.shared
            + merged.subjects
            + merged.objects
            + (merged.predicate_ids.len() as u64 - 1);
        let mut maps: [Vec<u64>; 3] = Default::default();
        for (map, size) in maps.iter_mut().zip(sizes) {
            if words.next() != Some(size as u64 + 1) {
                return Err(damaged("counts differ from its HDT file"));
            }
            map.extend(words.by_ref().take(size + 1));
            if map.len() != size + 1 || map.iter().skip(1).any(|&id| id == 0 || id > highest) {
                return Err(damaged("ids outside the merged view"));
            }
        }
        if words.next().is_some() {
            return Err(damaged("trailing bytes"));
        }
        in_order(&maps, hdt, merged).map_err(damaged)?;
        Ok(Self(maps))
    }

    pub(super) fn build(hdt: &Hdt, merged: &Merged) -> Result<Self, String> {
        let sizes = section_sizes(hdt);
        let mut maps: [Vec<u64>; 3] = Default::default();
        for ((map, size), kind) in maps.iter_mut().zip(sizes).zip(IdKind::KINDS) {
            map.reserve(size + 1);
            map.push(0);
            for id in 1..=size {
                let text = hdt
                    .dict
                    .id_to_string(id, kind)
                    .map_err(|e| format!("damaged HDT dictionary: {e}"))?;
                // Every graph's triple is in the merged view.
                let canonical = merged.canonical(&text).ok_or_else(|| {
                    format!(
                        "damaged store: {} is not in the merged view",
                        crate::guard::error::one_line(&text, 80)
                    )
                })?;
                map.push(canonical);
            }
        }
        Ok(Self(maps))
    }
}

/// Whether `maps`, read from a `.ids` file, can be `hdt`'s ids in
/// `merged`, asked of the ids alone: decoding every term to compare them
/// would cost what the file saves at each open. Found by a hostile review:
/// ids swapped within range gave wrong answers, and a graph's properties
/// mapped to literals panicked the evaluator's sort.
///
/// Both files come from the `hdt` crate, which sorts each dictionary
/// section by its bytes, so a map keeps that order within each section of
/// the merged view it maps a section into; a term has one id, the same as
/// subject and as object; and every id is one the merged view has in that
/// position (a subject among its subjects, a property among its
/// properties). What passes puts no term where the merged view never has
/// it; two terms swapped across two of its sections (a subject that is
/// also an object there, and one that is not) still pass.
fn in_order(maps: &[Vec<u64>; 3], hdt: &Hdt, merged: &Merged) -> Result<(), &'static str> {
    let [subjects, predicates, objects] = maps;
    let shared = hdt.dict.shared.num_strings;
    let shared_end = merged.shared;
    let subjects_end = shared_end + merged.subjects;
    let objects_end = subjects_end + merged.objects;
    if subjects[1..=shared] != objects[1..=shared] {
        return Err("a term with one id as subject and another as object");
    }
    // The ids in the merged view's shared section, from each part, each
    // list increasing: no two terms may have the same one.
    let mut in_shared: [Vec<u64>; 3] = Default::default();
    // Each part of the maps, with the sections of the merged view its ids
    // may be in (by the first and last id of each).
    let parts = [
        (&subjects[1..=shared], &[(1, shared_end)][..]),
        (
            &subjects[shared + 1..],
            &[(1, shared_end), (shared_end + 1, subjects_end)],
        ),
        (
            &objects[shared + 1..],
            &[(1, shared_end), (subjects_end + 1, objects_end)],
        ),
    ];
    for ((ids, sections), in_shared) in parts.into_iter().zip(&mut in_shared) {
        let mut last = [0; 2];
        for &id in ids {
            let section = sections
                .iter()
                .position(|&(first, end)| first <= id && id <= end)
                .ok_or("an id the merged view has for another kind of term")?;
            if id <= last[section] {
                return Err("ids out of their dictionary's order, or repeated");
            }
            last[section] = id;
            if id <= shared_end {
                in_shared.push(id);
            }
        }
    }
    let [a, b, c] = &in_shared;
    if !disjoint(a, b) || !disjoint(a, c) || !disjoint(b, c) {
        return Err("one id for two terms");
    }
    let mut last = 0;
    for id in &predicates[1..] {
        let position = *merged
            .predicates
            .get(id)
            .ok_or("a property's id that is no property of the merged view")?;
        if position <= last {
            return Err("ids out of their dictionary's order, or repeated");
        }
        last = position;
    }
    Ok(())
}

/// Whether two increasing lists have no value in common.
fn disjoint(a: &[u64], b: &[u64]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return false,
        }
    }
    true
}

/// The evaluator's form of a term given as HDT text.
pub(super) fn internal_of(merged: Option<&Merged>, text: String) -> StoreTerm {
    match merged.and_then(|m| m.canonical(&text)) {
        Some(id) => StoreTerm::Id(id),
        None => StoreTerm::Text(text),
    }
}

/// Why the evaluation over the store failed: a damaged file, or a
/// computed term over the size limit.
#[derive(Debug)]
pub struct StoreError(pub(super) String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdt(triples: &[[&str; 3]]) -> Hdt {
        Hdt::from_triples(triples.iter().copied(), "http://e.org/").unwrap()
    }

    #[test]
    fn a_map_as_load_writes_it_passes_and_altered_ones_do_not() {
        let graph = [
            ["http://e.org/a", "http://e.org/p", "http://e.org/a"],
            ["http://e.org/b", "http://e.org/p", "\"l\""],
            ["http://e.org/b", "http://e.org/q", "http://e.org/c"],
            ["http://e.org/p", "http://e.org/q", "_:x"],
            [
                "_:y",
                "http://e.org/r",
                "\"1\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            ],
        ];
        let mut all = graph.to_vec();
        all.extend([
            ["http://e.org/z", "http://e.org/p", "http://e.org/b"],
            ["http://e.org/c", "http://e.org/s", "http://e.org/z"],
            ["http://e.org/d", "http://e.org/p", "\"m\""],
        ]);
        let merged = Merged::new(hdt(&all)).unwrap();
        let graph = hdt(&graph);
        let ids = GraphIds::build(&graph, &merged).unwrap();
        // The merged view's shared terms are a, b, c, z (1 to 4), its
        // subjects _:y, d, p (5 to 7), its objects the three literals and
        // _:x (8 to 11): the graph's subjects _:y, b, p map into two of
        // those sections, its objects into two others, and its property p
        // is a subject too.
        assert_eq!(
            ids.0,
            [
                vec![0, 1, 5, 2, 7],
                vec![0, 7, 13, 14],
                vec![0, 1, 8, 9, 11, 3]
            ]
        );
        in_order(&ids.0, &graph, &merged).unwrap();
        type Alteration = fn(&mut [Vec<u64>; 3]);
        let alterations: [(&str, Alteration); 6] = [
            ("a shared term with two ids", |maps| maps[0][1] = 4),
            ("two subjects swapped", |maps| maps[0].swap(2, 4)),
            ("two properties swapped", |maps| maps[1].swap(1, 2)),
            ("a subject's id for an object", |maps| maps[2][5] = 2),
            ("a literal as a property", |maps| maps[1][1] = 8),
            ("an object as a subject", |maps| maps[0][2] = 8),
        ];
        for (case, alter) in alterations {
            let mut maps = ids.0.clone();
            alter(&mut maps);
            assert!(in_order(&maps, &graph, &merged).is_err(), "{case}");
        }
        // The limit of a check that decodes nothing: _:y and b, swapped
        // across two sections of the merged view, keep each one's order.
        let mut maps = ids.0.clone();
        maps[0].swap(2, 3);
        assert!(in_order(&maps, &graph, &merged).is_ok());
    }
}
