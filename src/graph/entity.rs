//! Finding the entity a user means: by label, slug, prefixed name or IRI.
//!
//! Used by `describe` and by `entity` query parameters. Labels are compared
//! without case or accents ("Viviès" = "vivies"), so users need not type
//! French diacritics. Entities of the data come before ontology terms of the
//! same name. When no label matches whole, a name that is part of a label
//! does ("Ulysse", "Meyer"), things before qualified facts (roles,
//! broadcasts…). Several matches are an error listing them; no match is an
//! error naming the closest labels.

use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
};
use std::collections::BTreeSet;

/// The IRI `input` names, or an error explaining why there is not exactly one.
pub fn resolve(store: &Graph, input: &str) -> Result<NamedNode> {
    let input = input.trim();
    // Every label is compared with the name: a name no label can be is
    // refused before that work.
    if input.chars().count() > MAX_NAME_CHARS {
        return Err(Failure::new(Kind::NotFound, format!(
            "no entity matches '{}': names longer than {MAX_NAME_CHARS} characters are not looked up",
            shown(input)
        ))
        .into());
    }
    if let Some(iri) = vocab::iri_from_text(input) {
        let node = NamedNode::new(&iri)
            .map_err(|e| Failure::usage(format!("'{}' is not a valid IRI: {e}", shown(input))))?;
        if is_known(store, node.as_ref())? {
            return Ok(node);
        }
        return Err(no_match(store, input)?.into());
    }
    let wanted = labels::fold(input);
    let exact = labelled(store, None, |label| labels::fold(label) == wanted)?;
    // Things of the data come before terms of the ontology ("budget" is both
    // a class and a property of mk:), and whole labels before partial ones.
    let (terms, things): (BTreeSet<NamedNode>, BTreeSet<NamedNode>) = exact
        .into_iter()
        .partition(|node| node.as_str().starts_with(vocab::MK));
    let slug = match NamedNode::new(format!("{}{input}", vocab::MKD)) {
        Ok(slug) if is_known(store, slug.as_ref())? => Some(slug),
        _ => None,
    };
    // A slug names one thing: it beats names found inside longer labels
    // ("national-geographic-channel" is also in the label of the series
    // Mars (National Geographic Channel series)).
    if let (true, Some(slug)) = (things.is_empty(), &slug) {
        return Ok(slug.clone());
    }
    let mut candidates = things;
    if candidates.is_empty() {
        let wanted = format!(" {} ", words(input));
        let partial = labelled(store, None, |label| {
            format!(" {} ", words(label)).contains(&wanted)
        })?;
        // Roles, broadcasts and other qualified facts only when nothing else matches.
        let (mut qualified, mut plain) = (BTreeSet::new(), BTreeSet::new());
        for node in partial {
            if node.as_str().starts_with(vocab::MK) {
                continue;
            }
            if is_qualified_fact(store, node.as_ref().into())? {
                qualified.insert(node);
            } else {
                plain.insert(node);
            }
        }
        candidates = if plain.is_empty() { qualified } else { plain };
    }
    if candidates.is_empty() {
        candidates = terms;
    }
    candidates.extend(slug);
    let mut candidates: Vec<NamedNode> = candidates.into_iter().collect();
    match candidates.len() {
        0 => Err(no_match(store, input)?.into()),
        1 => Ok(candidates.remove(0)),
        _ => Err(ambiguous(store, input, &candidates)?.into()),
    }
}

/// The longest name looked up, in characters.
const MAX_NAME_CHARS: usize = 500;
/// How many entities an ambiguous name lists.
const MAX_LISTED: usize = 20;
/// Labels longer than this are not compared for suggestions (the cost of
/// a comparison grows with both lengths).
const MAX_SUGGESTED_CHARS: usize = 200;

/// How many labels (per label property) are compared with a name that
/// matches nothing, to suggest the nearest: on a large dataset the
/// suggestions come from the first ones in index order.
const MAX_COMPARED: usize = 50_000;

/// A name as quoted in a message: one line, at most 80 characters.
fn shown(input: &str) -> String {
    crate::guard::error::one_line(input, 80)
}

/// The IRIs with a label (preferred, plain or alternative) that `matches`.
fn labelled(
    store: &Graph,
    budget: Option<&Budget>,
    matches: impl Fn(&str) -> bool,
) -> Result<BTreeSet<NamedNode>> {
    described(
        store,
        budget,
        &[
            vocab::SKOS_PREF_LABEL,
            vocab::RDFS_LABEL,
            vocab::SKOS_ALT_LABEL,
        ],
        matches,
    )
}

/// The nodes one of whose `predicates` (texts) `matches`, within `budget`
/// when there is one (a search reads every label of a large store).
fn described(
    store: &Graph,
    budget: Option<&Budget>,
    predicates: &[&str],
    matches: impl Fn(&str) -> bool,
) -> Result<BTreeSet<NamedNode>> {
    let mut found = BTreeSet::new();
    for &predicate in predicates {
        for quad in store.quads(
            None,
            Some(NamedNodeRef::new_unchecked(predicate)),
            None,
            Some(GraphNameRef::DefaultGraph),
        ) {
            let quad = quad?;
            if let Some(budget) = budget {
                budget.check("search")?;
            }
            if let (NamedOrBlankNode::NamedNode(subject), Term::Literal(label)) =
                (quad.subject, quad.object)
            {
                if matches(label.value()) {
                    found.insert(subject);
                }
            }
        }
    }
    Ok(found)
}

/// The entities whose label contains every word of `text`, ignoring case
/// and accents (the search box of the server's pages), then those whose
/// label has a word close to each (a typo), then those whose description
/// contains every word; in each, things before ontology terms and
/// qualified facts, then by label; at most `limit`.
pub fn search(store: &Graph, text: &str, limit: usize, budget: &Budget) -> Result<Vec<NamedNode>> {
    let wanted: Vec<String> = words(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if wanted.is_empty() || text.chars().count() > MAX_NAME_CHARS {
        return Ok(Vec::new());
    }
    let contains_all = |text: &str| {
        let text = format!(" {} ", words(text));
        wanted.iter().all(|word| text.contains(word.as_str()))
    };
    // Three tiers: labels holding every word; labels close to every word
    // (a typo: "Komarof", "Alessandra"); descriptions holding every word.
    let exact = labelled(store, Some(budget), contains_all)?;
    let close = labelled(store, Some(budget), |label| {
        let said: Vec<String> = words(label).split(' ').map(str::to_owned).collect();
        wanted.iter().all(|word| {
            said.iter()
                .any(|w| w.starts_with(word.as_str()) || close_words(word, w))
        })
    })?;
    let described = described(
        store,
        Some(budget),
        &[
            &format!("{}description", vocab::MK),
            vocab::RDFS_COMMENT,
            vocab::SKOS_DEFINITION,
            vocab::DCTERMS_DESCRIPTION,
        ],
        contains_all,
    )?;
    let mut seen = BTreeSet::new();
    let mut ranked = Vec::new();
    for (tier, found) in [exact, close, described].into_iter().enumerate() {
        for node in found {
            if !seen.insert(node.clone()) {
                continue;
            }
            let rank = if node.as_str().starts_with(vocab::MK) {
                2
            } else if is_qualified_fact(store, node.as_ref().into())? {
                1
            } else {
                0
            };
            let label =
                crate::graph::labels::label(store, node.as_ref().into(), None)?.unwrap_or_default();
            ranked.push(((tier, rank), labels::fold(&label), node));
        }
    }
    ranked.sort();
    Ok(ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, node)| node)
        .collect())
}

/// [`normalize`]d, with punctuation turned into spaces: the words of a label.
fn words(text: &str) -> String {
    labels::fold(&text.replace(|c: char| !c.is_alphanumeric(), " "))
}

/// Whether one of `node`'s classes is `mk:QualifiedFact` or below it: an
/// n-ary node (a role, a broadcast, an award) rather than a thing.
pub fn is_qualified_fact(store: &Graph, node: NamedOrBlankNodeRef<'_>) -> Result<bool> {
    let rdf_type = NamedNodeRef::new_unchecked(vocab::RDF_TYPE);
    let sub_class_of = NamedNodeRef::new_unchecked(vocab::RDFS_SUB_CLASS_OF);
    let target = TermRef::from(NamedNodeRef::new_unchecked(vocab::MK_QUALIFIED_FACT));
    let mut pending: Vec<Term> = store.objects(node, rdf_type)?;
    let mut seen = BTreeSet::new();
    while let Some(class) = pending.pop() {
        if class.as_ref() == target {
            return Ok(true);
        }
        let Term::NamedNode(class) = class else {
            continue;
        };
        if seen.insert(class.clone()) {
            pending.extend(store.objects(class.as_ref().into(), sub_class_of)?);
        }
    }
    Ok(false)
}

/// The IRI is used somewhere in the merged view.
fn is_known(store: &Graph, node: NamedNodeRef<'_>) -> Result<bool> {
    let default = Some(GraphNameRef::DefaultGraph);
    if store
        .quads(Some(node.into()), None, None, default)
        .next()
        .transpose()?
        .is_some()
    {
        return Ok(true);
    }
    Ok(store
        .quads(None, None, Some(node.into()), default)
        .next()
        .transpose()?
        .is_some())
}

fn ambiguous(store: &Graph, input: &str, candidates: &[NamedNode]) -> Result<Failure> {
    let mut cache = LabelCache::new(store, None);
    let mut lines = Vec::new();
    for node in candidates.iter().take(MAX_LISTED) {
        let label = cache.get(node.as_ref().into())?.unwrap_or("").to_owned();
        let classes: Vec<String> = store
            .default_quads(
                Some(node.as_ref().into()),
                Some(NamedNodeRef::new_unchecked(vocab::RDF_TYPE)),
                None,
            )?
            .into_iter()
            .map(|quad| match quad.object {
                Term::NamedNode(class) => labels::compact(class.as_str()),
                other => other.to_string(),
            })
            .collect();
        lines.push(format!(
            "  {}  {label}  ({})",
            labels::compact(node.as_str()),
            classes.join(", ")
        ));
    }
    if candidates.len() > MAX_LISTED {
        lines.push(format!("  … and {} more", candidates.len() - MAX_LISTED));
    }
    Ok(Failure::new(
        Kind::NotFound,
        format!(
            "'{}' matches {} entities; name one by slug or IRI:\n{}",
            shown(input),
            candidates.len(),
            lines.join("\n")
        ),
    )
    .block()
    .with_candidates(
        candidates
            .iter()
            .take(MAX_LISTED)
            .map(|node| node.as_str().to_owned())
            .collect(),
    ))
}

/// How close `wanted` is to `label` (both folded), 0 to 1: the best of the
/// whole label and of each run of as many of its words as `wanted` has,
/// so a misspelt surname ("komarof") finds the full name ("vladimir
/// komarov").
fn closeness(wanted: &str, label: &str) -> f64 {
    let whole = strsim::jaro_winkler(wanted, label);
    let words: Vec<&str> = label.split_whitespace().collect();
    let width = wanted.split_whitespace().count().max(1);
    if words.len() <= width {
        return whole;
    }
    words
        .windows(width)
        .map(|run| strsim::jaro_winkler(wanted, &run.join(" ")))
        // A label has many words, and some short word is always a little
        // like what was typed: a part counts only when it is very close.
        .filter(|score| *score >= 0.88)
        .fold(whole, f64::max)
}

/// Whether two words (folded) are one word misspelt: very close by
/// Jaro-Winkler, and long enough for that to mean something.
fn close_words(typed: &str, word: &str) -> bool {
    typed.chars().count() >= 4 && strsim::jaro_winkler(typed, word) >= 0.88
}

fn no_match(store: &Graph, input: &str) -> Result<Failure> {
    let wanted = labels::fold(input);
    let mut scored: Vec<(f64, String, String)> = Vec::new();
    for predicate in [vocab::SKOS_PREF_LABEL, vocab::RDFS_LABEL] {
        for quad in store
            .quads(
                None,
                Some(NamedNodeRef::new_unchecked(predicate)),
                None,
                Some(GraphNameRef::DefaultGraph),
            )
            .take(MAX_COMPARED)
        {
            let quad = quad?;
            if let Term::Literal(label) = quad.object {
                if label.value().len() > MAX_SUGGESTED_CHARS * 4 {
                    continue;
                }
                let candidate = labels::fold(label.value());
                // A label containing what was typed is the best hint.
                let score = if candidate.contains(&wanted) {
                    1.0
                } else {
                    closeness(&wanted, &candidate)
                };
                // A blank node has no page: only IRIs are offered as links.
                let subject = match quad.subject {
                    oxigraph::model::NamedOrBlankNode::NamedNode(node) => node.into_string(),
                    oxigraph::model::NamedOrBlankNode::BlankNode(_) => String::new(),
                };
                scored.push((score, label.value().to_owned(), subject));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    // Each thing once (a label per language), and things before the roles
    // and other qualified facts that carry a name in their labels.
    let mut seen = BTreeSet::new();
    let (mut plain, mut qualified) = (Vec::new(), Vec::new());
    for (_, label, subject) in scored.into_iter().take_while(|(s, _, _)| *s > 0.75) {
        if plain.len() >= 3 || seen.len() >= 30 || !seen.insert(subject.clone()) {
            continue;
        }
        let is_qualified = !subject.is_empty()
            && is_qualified_fact(store, NamedNodeRef::new_unchecked(&subject).into())?;
        let shown = if subject.is_empty() {
            format!("'{label}'")
        } else {
            format!("'{label}' ({})", labels::compact(&subject))
        };
        let entry = (shown, subject);
        if is_qualified {
            qualified.push(entry)
        } else {
            plain.push(entry)
        }
    }
    let nearest: Vec<(String, String)> = plain.into_iter().chain(qualified).take(3).collect();
    let candidates = nearest
        .iter()
        .filter(|(_, subject)| !subject.is_empty())
        .map(|(_, subject)| subject.clone())
        .collect();
    let nearest: Vec<String> = nearest.into_iter().map(|(label, _)| label).collect();
    let input = shown(input);
    let message = if nearest.is_empty() {
        format!("no entity matches '{input}'")
    } else {
        format!(
            "no entity matches '{input}'; nearest labels: {}",
            nearest.join(", ")
        )
    };
    Ok(Failure::new(Kind::NotFound, message).with_candidates(candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_word_of_a_label_is_close() {
        assert!(closeness("komarof", "vladimir komarov") > 0.9);
        assert!(closeness("alessandra najac", "alexandra najac") > 0.9);
        assert!(closeness("komarof", "julien lacombe") < 0.75);
    }

    #[test]
    fn normalizes_case_accents_and_spaces() {
        assert_eq!(labels::fold("  Viviès   ÉTÉ "), "vivies ete");
    }
}
