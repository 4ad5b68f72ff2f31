//! Re-anchoring: finding a passage again in a copy of its article that
//! differs a little from the recorded text (white space, encoding, Unicode
//! normalisation, a few edits), from the quote selector the evidence graph
//! keeps beside its offsets (`data/selectors.trig`, written by
//! `scripts/quote-selectors.py`): the digest of the passage's text, and the code
//! points before and after it, as the Web Annotation model's
//! `TextQuoteSelector` has them, but masked ([`mask`]: 16 letters and the
//! spaces), so that the repository holds none of the articles' words. [`locate`] says where a passage is in the
//! copy, and how it was found: [`How::Exact`] at its recorded offsets,
//! [`How::Moved`] elsewhere with the very same words (its digest checks
//! it), [`How::Edited`] between its prefix and suffix, with a length
//! within a tenth of its own, when an edit hit the passage itself; or
//! nowhere. Nothing here reads the graph; `evidence.rs` calls it.
//!
//! The context is matched approximately, with Myers' bit-parallel edit
//! distance (one 64-bit word: a prefix or suffix of at most 64 code points),
//! allowing a quarter of its length in edits.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// What re-anchors one passage: its recorded range (code points, end
/// excluded), the digest of its text ([`digest`]), and its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    pub start: usize,
    pub end: usize,
    pub digest: String,
    pub prefix: Vec<char>,
    pub suffix: Vec<char>,
}

/// How a passage was found in a copy of its article.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum How {
    /// At its recorded offsets, with its digest.
    Exact,
    /// Elsewhere, with its digest: the same words.
    Moved,
    /// Between its prefix and suffix, its digest differing: an edit hit
    /// the passage itself.
    Edited,
}

impl How {
    pub fn name(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Moved => "moved",
            Self::Edited => "moved (edited)",
        }
    }
}

/// Where a passage is in the copy (code points, end excluded), and how it
/// was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub how: How,
}

/// A text as the digest reads it: NFC, each run of white space (Unicode
/// `White_Space`) one space, trimmed.
pub fn normalise(text: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.iter().copied().nfc() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// The SHA-256, in lower-case hex, of [`normalise`]`(text)`: `mk:exactDigest`.
pub fn digest(text: &[char]) -> String {
    hex(&Sha256::digest(normalise(text).as_bytes()))
}

/// A text as [`normalise`] reads it, once, with where each code point
/// went: the digest of any span that starts and ends with no white space is
/// the digest of a slice of it.
struct Spans {
    normalised: String,
    /// Byte offsets in `normalised` of each code point (of the text as
    /// given) that is not white space: where it starts, where it ends.
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Spans {
    fn new(text: &[char]) -> Self {
        let mut normalised = String::with_capacity(text.len());
        let (mut starts, mut ends) = (vec![0; text.len()], vec![0; text.len()]);
        let mut space = false;
        for (i, &c) in text.iter().enumerate() {
            if c.is_whitespace() {
                space = !normalised.is_empty();
            } else {
                if space {
                    normalised.push(' ');
                    space = false;
                }
                starts[i] = normalised.len();
                normalised.push(c);
                ends[i] = normalised.len();
            }
        }
        Self {
            normalised,
            starts,
            ends,
        }
    }

    /// [`digest`] of `text[from..to]`, neither end white space. A text
    /// that is not in NFC (a copy is, once [`decode`]d) is read as
    /// [`digest`] reads it.
    fn digest(&self, from: usize, to: usize) -> String {
        let slice = &self.normalised[self.starts[from]..self.ends[to - 1]];
        if !unicode_normalization::is_nfc_quick(slice.chars())
            .eq(&unicode_normalization::IsNormalized::Yes)
        {
            let chars: Vec<char> = slice.chars().collect();
            return digest(&chars);
        }
        hex(&Sha256::digest(slice.as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// A copy of an article as text: UTF-8 without a byte-order mark, else
/// Windows-1252 (what a French text saved by an older editor is); then NFC.
/// Offsets found in a copy count the code points of this text.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    };
    text.nfc().collect()
}

/// A Windows-1252 byte as a character (its five unused bytes as the C1
/// controls Latin-1 gives them).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// The code points of context a selector keeps on each side of its passage
/// (`scripts/quote-selectors.py`): a shorter one reaches the text's edge.
pub const CONTEXT: usize = 48;

/// The most edits a context of `len` code points may have and still match.
fn allowed(len: usize) -> u32 {
    u32::try_from(len / 4).unwrap_or(u32::MAX)
}

/// A code point as the selectors' context keeps it: white space as one
/// space, anything else as one of 16 letters (`a`–`p`) from a hash of
/// it. The context is matched on these, never on the article's words,
/// which the repository does not hold: 48 masked code points still place a
/// passage, and cannot be read back (`scripts/quote-selectors.py` masks alike).
pub fn mask(c: char) -> char {
    if c.is_whitespace() {
        return ' ';
    }
    let bucket = (u32::from(c).wrapping_mul(2_654_435_761) >> 28) as u8;
    char::from(b'a' + bucket)
}

/// [`mask`] over a text, position for position.
pub fn masked(text: &[char]) -> Vec<char> {
    text.iter().map(|&c| mask(c)).collect()
}

/// A copy of an article made ready, once, for every passage looked for in
/// it: masked, read backwards, normalised (a copy may be megabytes long;
/// each passage would otherwise pay for all three).
pub struct Copy {
    original: Vec<char>,
    masked: Vec<char>,
    backwards: Vec<char>,
    spans: Spans,
}

impl Copy {
    pub fn new(text: &[char]) -> Self {
        let masked = masked(text);
        Self {
            original: text.to_vec(),
            backwards: reversed(&masked),
            masked,
            spans: Spans::new(text),
        }
    }

    /// Finds the passage `selector` describes, or `None`.
    pub fn locate(&self, selector: &Selector) -> Option<Found> {
        find(self, selector)
    }
}

/// Finds the passage `selector` describes in `text`, or `None`: one
/// passage; [`Copy::locate`] for many in one text.
pub fn locate(text: &[char], selector: &Selector) -> Option<Found> {
    Copy::new(text).locate(selector)
}

fn find(copy: &Copy, selector: &Selector) -> Option<Found> {
    // The context is compared masked; the digest on the words themselves.
    let original = &copy.original[..];
    let text = &copy.masked[..];
    let (start, end) = (selector.start, selector.end);
    if start < end && end <= text.len() && digest(&original[start..end]) == selector.digest {
        return Some(Found {
            start,
            end,
            how: How::Exact,
        });
    }
    let length = end.saturating_sub(start);
    let starts = context_ends(&selector.prefix, text);
    let ends = context_starts(&selector.suffix, text);
    // The same words between a place the prefix ends and one the suffix
    // starts, or at the recorded length from either.
    let slack = 4 + length / 4;
    let mut moved: Vec<(u32, usize, usize, usize)> = Vec::new();
    // Thousands of candidate spans per passage: each span's digest is
    // taken from a slice of the copy normalised once.
    let same_words = |from: usize, to: usize| {
        let (from, to) = trim(text, from, to);
        (from < to && copy.spans.digest(from, to) == selector.digest).then_some((from, to))
    };
    for &(from, before) in &starts {
        for &(to, after) in &ends {
            if to > from && (to - from).abs_diff(length) <= slack {
                if let Some((f, t)) = same_words(from, to) {
                    moved.push((before + after, f.abs_diff(start), f, t));
                }
            }
        }
    }
    let tolerance = 3 + length / 10;
    if moved.is_empty() {
        // One side's context lost (or found at a place that only looks
        // like it, close to the right one): the recorded length from the
        // other, give or take some white space. The digest decides.
        let whitespace = 2 + length / 16;
        // The places each side fits best (what an unchanged context gives),
        // each span's digest taken once: most passages that get here were
        // edited, and no span will do.
        let near_best = |places: &[(usize, u32)]| -> Vec<(usize, u32)> {
            let best = places.first().map_or(0, |&(_, d)| d);
            places
                .iter()
                .copied()
                .filter(|&(_, d)| d <= best + 2)
                .collect()
        };
        let mut tried = std::collections::HashSet::new();
        let mut same_words = |from: usize, to: usize| {
            let (f, t) = trim(text, from, to);
            if tried.insert((f, t)) {
                same_words(from, to)
            } else {
                None
            }
        };
        for &(from, before) in &near_best(&starts) {
            let low = (from + length).saturating_sub(whitespace);
            for to in low..=(from + length + whitespace).min(text.len()) {
                if let Some((f, t)) = same_words(from, to) {
                    let distance = before + allowed(selector.suffix.len()) + 1;
                    moved.push((distance, f.abs_diff(start), f, t));
                }
            }
        }
        for &(to, after) in &near_best(&ends) {
            let centre = to.saturating_sub(length);
            for from in centre.saturating_sub(whitespace)..=centre + whitespace {
                if from < to {
                    if let Some((f, t)) = same_words(from, to) {
                        let distance = after + allowed(selector.prefix.len()) + 1;
                        moved.push((distance, f.abs_diff(start), f, t));
                    }
                }
            }
        }
    }
    if let Some(&(_, _, from, to)) = moved.iter().min() {
        return Some(Found {
            start: from,
            end: to,
            how: How::Moved,
        });
    }
    // An edit inside the passage: the prefix and the suffix agree, the
    // length is within a tenth, and no other place does as well.
    // Ranked by the edits in the context, then by those edits counted
    // without substitutions (a character replaced costs two: a deletion and
    // an insertion, so that where a character was inserted or deleted at
    // the passage's edge, the edge is not moved over a neighbour), then by
    // how far the length is from the recorded one, then by how far it moved.
    let at_starts: Vec<usize> = starts.iter().map(|&(from, _)| from).collect();
    let indels_at_starts = indels_at(&selector.prefix, text, &at_starts);
    // The suffix read backwards, as the text is, from each end.
    let at_ends: Vec<usize> = ends.iter().map(|&(to, _)| text.len() - to).collect();
    let indels_at_ends = indels_at(&reversed(&selector.suffix), &copy.backwards, &at_ends);
    let mut edited: Vec<(Rank, usize, usize)> = Vec::new();
    for (&(from, before), &indels_start) in starts.iter().zip(&indels_at_starts) {
        for (&(to, after), &indels_end) in ends.iter().zip(&indels_at_ends) {
            if to > from && (to - from).abs_diff(length) <= tolerance {
                let off = (to - from).abs_diff(length);
                let key = (
                    before + after,
                    indels_start + indels_end,
                    off,
                    from.abs_diff(start),
                );
                edited.push((key, from, to));
            }
        }
    }
    edited.sort_unstable();
    let &(best, from, to) = edited.first()?;
    // Another place where the context fits as well, an edge more than two
    // characters away, makes it a guess: not found rather than maybe wrong.
    let (from, to) = trim(text, from, to);
    let rival = edited.iter().skip(1).any(|&(score, f, t)| {
        let (f, t) = trim(text, f, t);
        score.0 == best.0 && (f.abs_diff(from) > 2 || t.abs_diff(to) > 2)
    });
    if rival || selector.prefix.is_empty() && selector.suffix.is_empty() {
        return None;
    }
    // Nor when edits hit right at an edge: the three characters of context
    // next to each edge must be there with at most one edit (white space
    // compared as one space, so that line breaks written CR LF pass).
    let before = squeeze(&selector.prefix[selector.prefix.len().saturating_sub(3)..]);
    let after = reversed(&squeeze(&selector.suffix[..selector.suffix.len().min(3)]));
    let near_edge = |context: &[char], copy: Vec<char>| {
        context.is_empty()
            || distances(context, copy.into_iter())
                .last()
                .is_some_and(|&d| d <= 1)
    };
    let copy_before = squeeze(&text[from.saturating_sub(8)..from]);
    let copy_after = reversed(&squeeze(&text[to..(to + 8).min(text.len())]));
    if !near_edge(&before, copy_before) || !near_edge(&after, copy_after) {
        return None;
    }
    (from < to).then_some(Found {
        start: from,
        end: to,
        how: How::Edited,
    })
}

/// How a place fits, best first: edits in the context, the same without
/// substitutions, distance from the recorded length, from the recorded start.
type Rank = (u32, u32, usize, usize);

/// `from..to` without white space at either end (no passage starts or
/// ends with it).
fn trim(text: &[char], mut from: usize, mut to: usize) -> (usize, usize) {
    while from < to && text[from].is_whitespace() {
        from += 1;
    }
    while to > from && text[to - 1].is_whitespace() {
        to -= 1;
    }
    (from, to)
}

/// The places where `prefix` may end in `text` (the passage's start), with
/// its edit distance there: within [`allowed`] edits, best first, at most
/// 64. An empty prefix (a passage at the text's start) ends at 0.
fn context_ends(prefix: &[char], text: &[char]) -> Vec<(usize, u32)> {
    if prefix.is_empty() {
        return vec![(0, 0)];
    }
    if prefix.len() < CONTEXT {
        // A short prefix is all there was before the passage: it starts
        // the text.
        return from_the_edge(prefix, text);
    }
    let prefix = &prefix[prefix.len().saturating_sub(64)..];
    let limit = allowed(prefix.len());
    let mut found: Vec<(usize, u32)> = distances(prefix, text.iter().copied())
        .into_iter()
        .enumerate()
        .filter(|&(_, d)| d <= limit)
        .map(|(at, d)| (at + 1, d))
        .collect();
    best(&mut found);
    found
}

/// The places where `suffix` may start in `text` (the passage's end), as
/// [`context_ends`] does, on the text read backwards.
fn context_starts(suffix: &[char], text: &[char]) -> Vec<(usize, u32)> {
    if suffix.is_empty() {
        return vec![(text.len(), 0)];
    }
    if suffix.len() < CONTEXT {
        // A short suffix is all there was after the passage: it ends the
        // text, whose end is read backwards here.
        let tail = &text[text.len().saturating_sub(suffix.len() * 2 + 2)..];
        return from_the_edge(&reversed(suffix), &reversed(tail))
            .into_iter()
            .map(|(at, d)| (text.len() - at, d))
            .collect();
    }
    let suffix: Vec<char> = suffix[..suffix.len().min(64)]
        .iter()
        .rev()
        .copied()
        .collect();
    let limit = allowed(suffix.len());
    let mut found: Vec<(usize, u32)> = distances(&suffix, text.iter().rev().copied())
        .into_iter()
        .enumerate()
        .filter(|&(_, d)| d <= limit)
        .map(|(at, d)| (text.len() - 1 - at, d))
        .collect();
    best(&mut found);
    found
}

/// Where `context`, read from the very start of `text`, may end: each
/// place within [`allowed`] edits (one more, a short context having little
/// to spare), with its edit distance, best first.
fn from_the_edge(context: &[char], text: &[char]) -> Vec<(usize, u32)> {
    let limit = allowed(context.len()) + 1;
    let window = &text[..(context.len() + context.len() / 4 + 2).min(text.len())];
    // Row i: `context[..i]` against `window[..j]`, both from the start.
    let mut row: Vec<u32> = (0..=window.len())
        .map(|j| u32::try_from(j).unwrap_or(u32::MAX))
        .collect();
    for (i, &c) in context.iter().enumerate() {
        let mut next = vec![u32::try_from(i + 1).unwrap_or(u32::MAX); window.len() + 1];
        for (j, &t) in window.iter().enumerate() {
            let substitution = row[j] + u32::from(c != t);
            next[j + 1] = substitution.min(row[j + 1] + 1).min(next[j] + 1);
        }
        row = next;
    }
    let mut found: Vec<(usize, u32)> = row
        .into_iter()
        .enumerate()
        .filter(|&(_, d)| d <= limit)
        .collect();
    best(&mut found);
    found
}

/// `chars` with each run of white space as one space.
fn squeeze(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for &c in chars {
        if !c.is_whitespace() {
            out.push(c);
        } else if out.last() != Some(&' ') {
            out.push(' ');
        }
    }
    out
}

fn reversed(chars: &[char]) -> Vec<char> {
    chars.iter().rev().copied().collect()
}

/// For each place of `ats`, the least number of insertions and deletions
/// (no substitutions) that turn `context` into a stretch of `text` ending
/// there, the stretch at most a quarter longer than the context: one pass
/// over the part of the text the places span.
fn indels_at(context: &[char], text: &[char], ats: &[usize]) -> Vec<u32> {
    let (Some(&low), Some(&high)) = (ats.iter().min(), ats.iter().max()) else {
        return Vec::new();
    };
    let m = context.len();
    let base = low.saturating_sub(m + m / 4 + 1);
    let window = &text[base..high.min(text.len())];
    // Row i: `context[..i]` against stretches ending at each point of the
    // window; row 0 is free (a stretch may start anywhere).
    let mut row: Vec<u32> = vec![0; window.len() + 1];
    let mut next: Vec<u32> = vec![0; window.len() + 1];
    for (i, &c) in context.iter().enumerate() {
        next[0] = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (j, &t) in window.iter().enumerate() {
            let diagonal = if c == t { row[j] } else { u32::MAX };
            next[j + 1] = diagonal.min(row[j + 1] + 1).min(next[j] + 1);
        }
        std::mem::swap(&mut row, &mut next);
    }
    ats.iter()
        .map(|&at| row[at.min(text.len()) - base])
        .collect()
}

fn best(found: &mut Vec<(usize, u32)>) {
    found.sort_by_key(|&(at, d)| (d, at));
    found.truncate(64);
}

/// For each position `j` of `text`, the least edit distance between
/// `pattern` (1 to 64 code points) and a stretch of `text` ending at `j`
/// (Myers 1999, in Hyyrö's formulation).
fn distances(pattern: &[char], text: impl Iterator<Item = char>) -> Vec<u32> {
    let m = pattern.len();
    debug_assert!((1..=64).contains(&m));
    // Latin-1 by table (most of a French text), the rest by map.
    let mut latin = [0u64; 256];
    let mut peq: HashMap<char, u64> = HashMap::new();
    for (i, &c) in pattern.iter().enumerate() {
        match u8::try_from(u32::from(c)) {
            Ok(byte) => latin[usize::from(byte)] |= 1 << i,
            Err(_) => *peq.entry(c).or_default() |= 1 << i,
        }
    }
    let high = 1u64 << (m - 1);
    let (mut pv, mut mv) = (u64::MAX, 0u64);
    let mut score = u32::try_from(m).unwrap_or(64);
    let mut out = Vec::new();
    for c in text {
        let eq = match u8::try_from(u32::from(c)) {
            Ok(byte) => latin[usize::from(byte)],
            Err(_) => peq.get(&c).copied().unwrap_or(0),
        };
        let xv = eq | mv;
        let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
        let ph = mv | !(xh | pv);
        let mh = pv & xh;
        if ph & high != 0 {
            score += 1;
        } else if mh & high != 0 {
            score -= 1;
        }
        let (ph, mh) = (ph << 1, mh << 1);
        pv = mh | !(xv | ph);
        mv = ph & xv;
        out.push(score);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    fn selector(text: &str, start: usize, end: usize) -> Selector {
        let text = chars(text);
        Selector {
            start,
            end,
            digest: digest(&text[start..end]),
            prefix: masked(&text[start.saturating_sub(CONTEXT)..start]),
            suffix: masked(&text[end..(end + CONTEXT).min(text.len())]),
        }
    }

    const TEXT: &str = "Le premier paragraphe parle d'autre chose entièrement.\n\nMissions est une série de science-fiction française créée par Julien Lacombe et Pascal Sid. Elle a été tournée au Maroc, dans le désert, pendant l'été.";

    fn span(text: &str, found: Found) -> String {
        chars(text)[found.start..found.end].iter().collect()
    }

    #[test]
    fn edit_distance_is_the_least_over_the_stretches_ending_there() {
        let text = chars("xxabcdxx");
        let d = distances(&chars("abcd"), text.iter().copied());
        assert_eq!(d[5], 0);
        assert_eq!(d[4], 1);
        let d = distances(&chars("abXd"), text.iter().copied());
        assert_eq!(d[5], 1);
        assert_eq!(
            d[0], 4,
            "x matches nothing: three deletions and one substitution"
        );
    }

    #[test]
    fn the_digest_ignores_white_space_and_normalisation() {
        assert_eq!(digest(&chars(" a\u{0301}  b\n")), digest(&chars("á b")));
        assert_ne!(digest(&chars("ab")), digest(&chars("a b")));
    }

    #[test]
    fn a_passage_is_found_exact_moved_edited_or_not_at_all() {
        let (start, end) = (TEXT.find("Julien").unwrap(), 0);
        let start = TEXT[..start].chars().count();
        let end = end + start + "Julien Lacombe et Pascal Sid".chars().count();
        let wanted = selector(TEXT, start, end);
        let exact = locate(&chars(TEXT), &wanted).unwrap();
        assert_eq!(exact.how, How::Exact);

        let shifted = TEXT.replace("Le premier", "Tout au début, le premier");
        let moved = locate(&chars(&shifted), &wanted).unwrap();
        assert_eq!(
            (moved.how, span(&shifted, moved).as_str()),
            (How::Moved, "Julien Lacombe et Pascal Sid")
        );

        let spaced = TEXT
            .replace("Julien Lacombe", "Julien\r\n Lacombe")
            .replace("\n\n", "\r\n\r\n");
        let moved = locate(&chars(&spaced), &wanted).unwrap();
        assert_eq!(moved.how, How::Moved);
        assert_eq!(span(&spaced, moved), "Julien\r\n Lacombe et Pascal Sid");

        let edited = shifted.replace("Lacombe", "Lacomb");
        let found = locate(&chars(&edited), &wanted).unwrap();
        assert_eq!(
            (found.how, span(&edited, found).as_str()),
            (How::Edited, "Julien Lacomb et Pascal Sid")
        );

        let gone = TEXT.replace("Julien Lacombe et Pascal Sid", "deux auteurs");
        assert_eq!(locate(&chars(&gone), &wanted), None);
    }

    /// A context shorter than [`CONTEXT`] reaches the text's edge: a
    /// passage ending one full stop before the end, edited inside, is found
    /// by its prefix and that edge (a lone "." matches everywhere else).
    #[test]
    fn a_short_context_holds_to_the_edge_of_the_text() {
        let start = TEXT.chars().count() - "pendant l'été.".chars().count();
        let end = TEXT.chars().count() - 1;
        let wanted = selector(TEXT, start, end);
        assert_eq!(wanted.suffix.len(), 1);
        // Well over 64 places where a lone masked "." fits, before the end.
        let edited = format!(
            "{}{}",
            "Au début. ".repeat(100),
            TEXT.replace("pendant l'été", "pendnt l'été")
        );
        let found = locate(&chars(&edited), &wanted).expect("found");
        assert_eq!(
            (found.how, span(&edited, found).as_str()),
            (How::Edited, "pendnt l'été")
        );
    }

    /// A passage whose words did not change is found whatever happened
    /// to one side's context: a sentence written before the text's first
    /// one, or 13 letters typed just before the passage (more edits than
    /// the prefix allows, its best places a few characters off).
    #[test]
    fn unchanged_words_are_found_when_one_context_is_lost() {
        let first = "Le premier paragraphe parle d'autre chose entièrement."
            .chars()
            .count();
        let wanted = selector(TEXT, 0, first);
        let prepended = format!("Une phrase de plus. {TEXT}");
        let found = locate(&chars(&prepended), &wanted).expect("found");
        assert_eq!(
            (found.how, span(&prepended, found).as_str()),
            (
                How::Moved,
                "Le premier paragraphe parle d'autre chose entièrement."
            )
        );
        let at = TEXT.find("Elle a été tournée").unwrap();
        let start = TEXT[..at].chars().count();
        let wanted = selector(
            TEXT,
            start,
            start + "Elle a été tournée au Maroc".chars().count(),
        );
        let typed = TEXT.replace("Sid. Elle", "Sid. xxxxxxxxxxxxx Elle");
        let found = locate(&chars(&typed), &wanted).expect("found");
        assert_eq!(
            (found.how, span(&typed, found).as_str()),
            (How::Moved, "Elle a été tournée au Maroc")
        );
    }

    #[test]
    fn windows_1252_and_a_byte_order_mark_are_read() {
        assert_eq!(decode(b"\xEF\xBB\xBFl\xC3\xA9t\xC3\xA9"), "lété");
        assert_eq!(decode(b"l\xE9t\xE9 \x92"), "lété ’");
        assert_eq!(decode("e\u{0301}".as_bytes()), "é");
    }
}
