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
    /// count against its dictionary and every id against the merged view.
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
