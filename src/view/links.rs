//! What the local graph knows for linking: each entity's names, classes,
//! recorded Wikidata items, and the Wikidata classes its own classes accept
//! (`mk:wikidataType`, inherited along `rdfs:subClassOf`). Also how two names
//! compare. Used by `links reconcile`, `links check`, `describe` and the
//! schema.org JSON-LD export.

use crate::graph::labels;
use crate::graph::Graph;
use crate::sparql;
use crate::vocab::{
    self, MK_IMDB_ID, MK_LINKED_ENTITY, MK_LINK_TARGET, MK_SEEN_IN, MK_SEEN_ON, OWL_SAME_AS,
    SCHEMA_ABOUT,
};
use anyhow::Result;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, TermRef};
use oxigraph::sparql::QueryResults;
use std::collections::BTreeMap;

/// An entity of the graph, as linking sees it.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// Its names: rdfs:label (the articles' wording), skos:prefLabel and
    /// mk:title, with their language tags.
    pub names: Vec<Name>,
    /// Its own classes.
    pub classes: Vec<NamedNode>,
    /// Wikidata classes an item linked to it must belong to; empty when
    /// none of its classes says (then the type cannot be checked).
    pub accepted_types: Vec<NamedNode>,
    /// Recorded `owl:sameAs wd:Q…`.
    pub wikidata: Vec<NamedNode>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    pub text: String,
    pub lang: Option<String>,
}

const SUBJECTS: &str = r#"
SELECT ?entity ?class ?name ?accepted ?item WHERE {
  ?entity a ?class .
  FILTER(STRSTARTS(STR(?entity), STR(mkd:)))
  FILTER NOT EXISTS { ?class rdfs:subClassOf* mk:QualifiedFact }
  OPTIONAL {
    { ?entity rdfs:label|skos:prefLabel|mk:title ?name }
    UNION { ?class rdfs:subClassOf* ?general . ?general mk:wikidataType ?accepted }
    UNION { ?entity owl:sameAs ?item FILTER(STRSTARTS(STR(?item), STR(wd:))) }
  }
}"#;

/// Every entity (not qualified facts), keyed by IRI, in IRI order.
pub fn subjects(store: &Graph) -> Result<BTreeMap<NamedNode, Subject>> {
    let QueryResults::Solutions(solutions) = sparql::prepare(SUBJECTS, "(linking subjects)")?
        .execute(store, &crate::guard::budget::Budget::default())?
    else {
        unreachable!("a SELECT query");
    };
    let mut subjects: BTreeMap<NamedNode, Subject> = BTreeMap::new();
    for solution in solutions {
        let solution = solution?;
        let Some(Term::NamedNode(entity)) = solution.get("entity") else {
            continue;
        };
        let subject = subjects.entry(entity.clone()).or_default();
        if let Some(Term::NamedNode(class)) = solution.get("class") {
            push_new(&mut subject.classes, class.clone());
        }
        if let Some(Term::Literal(name)) = solution.get("name") {
            push_new(
                &mut subject.names,
                Name {
                    text: name.value().to_owned(),
                    lang: name.language().map(str::to_owned),
                },
            );
        }
        if let Some(Term::NamedNode(accepted)) = solution.get("accepted") {
            push_new(&mut subject.accepted_types, accepted.clone());
        }
        if let Some(Term::NamedNode(item)) = solution.get("item") {
            push_new(&mut subject.wikidata, item.clone());
        }
    }
    for subject in subjects.values_mut() {
        subject.names.sort();
        subject.classes.sort();
        subject.accepted_types.sort();
        subject.wikidata.sort();
    }
    Ok(subjects)
}

/// One verified link of an entity, with where and when it was seen.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExternalLink {
    /// "Wikidata", "Wikipedia (fr)", "IMDb"…
    pub site: String,
    /// The page a person would open.
    pub url: String,
    /// The page the identifier was seen in, and the day (from mk:LinkEvidence).
    pub seen_in: Option<String>,
    pub seen_on: Option<String>,
}

/// The verified links of `entity` (Wikidata, Wikipedia, IMDb), sorted by site.
pub fn external_links(store: &Graph, entity: NamedNodeRef<'_>) -> Result<Vec<ExternalLink>> {
    let default = Some(GraphNameRef::DefaultGraph);
    let named = |iri: &'static str| NamedNodeRef::new_unchecked(iri);
    let mut links = Vec::new();
    let mut push = |site: String, target: TermRef<'_>, url: String| -> Result<()> {
        let (seen_in, seen_on) = evidence(store, entity, target)?;
        links.push(ExternalLink {
            site,
            url,
            seen_in,
            seen_on,
        });
        Ok(())
    };
    for quad in store.quads(Some(entity.into()), Some(named(OWL_SAME_AS)), None, default) {
        let quad = quad?;
        if let Term::NamedNode(item) = &quad.object {
            if let Some(id) = item.as_str().strip_prefix(vocab::WD) {
                push(
                    "Wikidata".into(),
                    quad.object.as_ref(),
                    format!("https://www.wikidata.org/wiki/{id}"),
                )?;
            }
        }
    }
    for quad in store.quads(
        None,
        Some(named(SCHEMA_ABOUT)),
        Some(entity.into()),
        default,
    ) {
        let NamedOrBlankNode::NamedNode(page) = quad?.subject else {
            continue;
        };
        let Some(lang) = wikipedia_language(page.as_str()) else {
            continue;
        };
        push(
            format!("Wikipedia ({lang})"),
            page.as_ref().into(),
            page.as_str().to_owned(),
        )?;
    }
    for quad in store.quads(Some(entity.into()), Some(named(MK_IMDB_ID)), None, default) {
        if let Term::Literal(id) = quad?.object {
            let url = imdb_url(id.value());
            push(
                "IMDb".into(),
                NamedNodeRef::new_unchecked(&url).into(),
                url.clone(),
            )?;
        }
    }
    links.sort();
    Ok(links)
}

/// `https://xx.wikipedia.org/wiki/…` → `xx`.
pub fn wikipedia_language(url: &str) -> Option<&str> {
    let host = url.strip_prefix("https://")?.split('/').next()?;
    let lang = host.strip_suffix(".wikipedia.org")?;
    (!lang.is_empty() && url.contains(".wikipedia.org/wiki/")).then_some(lang)
}

/// The page of an IMDb title (`tt…`) or name (`nm…`).
pub fn imdb_url(id: &str) -> String {
    let kind = if id.starts_with("nm") {
        "name"
    } else {
        "title"
    };
    format!("https://www.imdb.com/{kind}/{id}/")
}

/// Where and when the link `entity` → `target` was seen, from its evidence.
fn evidence(
    store: &Graph,
    entity: NamedNodeRef<'_>,
    target: TermRef<'_>,
) -> Result<(Option<String>, Option<String>)> {
    let default = Some(GraphNameRef::DefaultGraph);
    let named = |iri: &'static str| NamedNodeRef::new_unchecked(iri);
    for quad in store.quads(
        None,
        Some(named(MK_LINKED_ENTITY)),
        Some(entity.into()),
        default,
    ) {
        let record = quad?.subject;
        let record = record.as_ref();
        let targets = store
            .quads(
                Some(record),
                Some(named(MK_LINK_TARGET)),
                Some(target),
                default,
            )
            .next()
            .transpose()?;
        if targets.is_none() {
            continue;
        }
        let first = |property: &'static str| -> Result<Option<String>> {
            let quad = store
                .quads(Some(record), Some(named(property)), None, default)
                .next()
                .transpose()?;
            Ok(quad.map(|quad| match quad.object {
                Term::NamedNode(node) => node.into_string(),
                Term::Literal(literal) => literal.value().to_owned(),
                other => other.to_string(),
            }))
        };
        return Ok((first(MK_SEEN_IN)?, first(MK_SEEN_ON)?));
    }
    Ok((None, None))
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Accented Latin letters and what they fold to, as SPARQL REPLACE calls
/// can: `links reconcile --scan` sends this table to the endpoint, and
/// [`labels::fold`] gives the same on each of these letters (tested).
pub const FOLDS: &[(&str, &str)] = &[
    ("àáâãäå", "a"),
    ("ç", "c"),
    ("èéêë", "e"),
    ("ìíîï", "i"),
    ("ñ", "n"),
    ("òóôõöø", "o"),
    ("ùúûü", "u"),
    ("ýÿ", "y"),
    ("œ", "oe"),
    ("æ", "ae"),
];

/// How two names compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// Nothing alike.
    Different,
    /// Close after folding (one or two letters apart): a spelling variant
    /// or a typo, on one side or the other.
    Close,
    /// The same but for accents, case or spacing.
    Folded,
    /// The same text.
    Same,
}

pub fn compare(ours: &str, theirs: &str) -> Likeness {
    if ours == theirs {
        return Likeness::Same;
    }
    let (a, b) = (labels::fold(ours), labels::fold(theirs));
    if a == b {
        Likeness::Folded
    } else if a.chars().count() >= 5 && strsim::normalized_levenshtein(&a, &b) >= 0.85 {
        Likeness::Close
    } else {
        Likeness::Different
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sparql_fold_table_agrees_with_the_fold() {
        for (letters, folded) in FOLDS {
            for letter in letters.chars() {
                assert_eq!(labels::fold(&letter.to_string()), *folded, "{letter}");
                let upper: String = letter.to_uppercase().collect();
                assert_eq!(labels::fold(&upper), *folded, "{upper}");
            }
        }
    }

    #[test]
    fn compares_names() {
        assert_eq!(compare("Missions", "Missions"), Likeness::Same);
        assert_eq!(compare("Hélène Vivies", "Hélène Viviès"), Likeness::Folded);
        assert_eq!(
            compare("Alexandra Najac", "Alessandra Najac"),
            Likeness::Close
        );
        assert_eq!(compare("Lost", "Last"), Likeness::Different);
        assert_eq!(compare("Missions", "Mad Men"), Likeness::Different);
    }
}
