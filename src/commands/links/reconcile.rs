//! `missions-kg links reconcile`: Wikidata candidates for the entities that
//! have no Wikidata link, written as Turtle for a curator to review.
//!
//! Candidates are items whose French or English label is one of the
//! entity's names, as written or without accents (a lookup the public
//! service answers from its label index); `--scan` also compares folded
//! labels on the endpoint, which finds "Viviès" for "Vivies" but reads every
//! label. A candidate whose type is outside the Wikidata classes accepted
//! for the entity's class (a human for a series) is dropped. Nothing is
//! accepted: each proposal carries the lines to move into `data/links.trig`.

use crate::cli::ReconcileArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::graph::client::SparqlClient;
use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::view::links::{self, Likeness, Subject, FOLDS};
use crate::vocab;
use anyhow::Result;
use oxigraph::model::{Literal, NamedNode, Term};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// Entities per query: keeps each request well under URL-size and
/// query-time limits of public endpoints.
const BATCH: usize = 25;

/// What the endpoint says of one candidate item.
#[derive(Default)]
struct Candidate {
    labels: BTreeSet<(String, String)>,
    descriptions: BTreeSet<(String, String)>,
    types: BTreeSet<NamedNode>,
    fitting: BTreeSet<NamedNode>,
}

/// One scored proposal.
struct Proposal {
    entity: NamedNode,
    item: NamedNode,
    score: f64,
    reason: String,
}

pub fn run(config: &Config, args: &ReconcileArgs) -> Result<()> {
    let endpoint = SparqlClient::new(&args.endpoint.endpoint, args.endpoint.timeout)?;
    // Held to the end, as `query` holds its own: the endpoint's rows are
    // read after the graph is opened, and count against the memory
    // ceiling only while a budget is watched.
    let budget = Budget::new(config, None)?;
    let store = Graph::open(config, &budget)?;
    // What a stop names from here on: no longer the loading.
    budget.set_phase("links reconcile");
    let only = match &args.entity {
        Some(text) => Some(entity::resolve(&store, text)?),
        None => None,
    };
    let subjects: BTreeMap<NamedNode, Subject> = links::subjects(&store)?
        .into_iter()
        .filter(|(entity, subject)| {
            subject.wikidata.is_empty() && only.as_ref().is_none_or(|only| only == entity)
        })
        .collect();
    if let (Some(only), true) = (&only, subjects.is_empty()) {
        eprintln!(
            "{} already has a Wikidata link (see `missions-kg links check`)",
            labels::compact(only.as_str())
        );
        return Ok(());
    }
    let entities: Vec<(&NamedNode, &Subject)> = subjects.iter().collect();
    let mut found: BTreeMap<(NamedNode, NamedNode), Candidate> = BTreeMap::new();
    for batch in entities.chunks(BATCH) {
        find_candidates(&endpoint, batch, args.scan, &mut found)?;
        check_types(&endpoint, batch, &mut found)?;
    }
    let mut dropped = 0;
    let mut proposals = Vec::new();
    for ((entity, item), candidate) in &found {
        match score(&subjects[entity], candidate) {
            Some((score, reason)) => proposals.push(Proposal {
                entity: entity.clone(),
                item: item.clone(),
                score,
                reason,
            }),
            None => dropped += 1,
        }
    }
    proposals.sort_by(|a, b| {
        (&a.entity, b.score, &a.item)
            .partial_cmp(&(&b.entity, a.score, &b.item))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut labels = LabelCache::new(&store, config.lang.as_deref());
    write_output(args.output.as_deref(), |out| {
        write_proposals(&proposals, &found, &mut labels, endpoint.shown_url(), out)
    })?;
    let proposed: BTreeSet<&NamedNode> = proposals.iter().map(|p| &p.entity).collect();
    eprintln!(
        "asked {} for {} entities without a Wikidata link: {} proposals for {} entities; {dropped} candidates dropped because their type does not fit{}",
        endpoint.shown_url(),
        subjects.len(),
        proposals.len(),
        proposed.len(),
        if args.scan { "" } else { " (add --scan to also match labels that differ in accents or case)" }
    );
    Ok(())
}

/// Our names to look for, each as written and without accents, in French
/// and in English (a Wikidata label is tagged with its language; ours may
/// carry the other tag or none).
fn search_names(subject: &Subject) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for name in &subject.names {
        for text in [name.text.clone(), unaccent(&name.text)] {
            for lang in ["fr", "en"] {
                names.insert(
                    Literal::new_language_tagged_literal_unchecked(&text, lang).to_string(),
                );
            }
        }
    }
    names
}

/// Removes accents but keeps case, for the label-index lookup.
fn unaccent(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        let lower: String = c.to_lowercase().collect();
        match FOLDS.iter().find(|(from, _)| from.contains(lower.as_str())) {
            Some((_, to)) if c.is_uppercase() => plain.push_str(&to.to_uppercase()),
            Some((_, to)) => plain.push_str(to),
            None => plain.push(c),
        }
    }
    plain
}

/// The SPARQL expression folding `?label` as [`labels::fold`] does.
fn fold_expression(variable: &str) -> String {
    let mut expression = format!("LCASE(STR({variable}))");
    for (from, to) in FOLDS {
        expression = format!("REPLACE({expression}, \"[{from}]\", \"{to}\")");
    }
    expression
}

fn find_candidates(
    endpoint: &SparqlClient,
    batch: &[(&NamedNode, &Subject)],
    scan: bool,
    found: &mut BTreeMap<(NamedNode, NamedNode), Candidate>,
) -> Result<()> {
    let mut rows = Vec::new();
    for (entity, subject) in batch {
        for name in search_names(subject) {
            rows.push(format!("({entity} {name})"));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let describe = r#"
  OPTIONAL { ?item rdfs:label ?label FILTER(LANG(?label) IN ("fr", "en")) }
  OPTIONAL { ?item schema:description ?description FILTER(LANG(?description) IN ("fr", "en")) }
  OPTIONAL { ?item wdt:P31 ?type }"#;
    let prefixes = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n\
                    PREFIX schema: <http://schema.org/>\n\
                    PREFIX wdt: <http://www.wikidata.org/prop/direct/>\n";
    let mut queries = vec![format!(
        "{prefixes}SELECT ?entity ?item ?label ?description ?type WHERE {{\n  VALUES (?entity ?name) {{ {} }}\n  ?item rdfs:label ?name .{describe}\n}}",
        rows.join(" ")
    )];
    if scan {
        let keys: BTreeSet<String> = batch
            .iter()
            .flat_map(|(entity, subject)| {
                subject.names.iter().map(move |name| {
                    format!(
                        "({entity} {})",
                        Literal::new_simple_literal(labels::fold(&name.text))
                    )
                })
            })
            .collect();
        queries.push(format!(
            "{prefixes}SELECT ?entity ?item ?label ?description ?type WHERE {{\n  VALUES (?entity ?key) {{ {} }}\n  ?item rdfs:label ?any FILTER(LANG(?any) IN (\"fr\", \"en\"))\n  FILTER({} = ?key){describe}\n}}",
            keys.into_iter().collect::<Vec<_>>().join(" "),
            fold_expression("?any")
        ));
    }
    for query in queries {
        for solution in endpoint.select(&query)? {
            let (Some(Term::NamedNode(entity)), Some(Term::NamedNode(item))) =
                (solution.get("entity"), solution.get("item"))
            else {
                continue;
            };
            let candidate = found.entry((entity.clone(), item.clone())).or_default();
            if let Some(Term::Literal(label)) = solution.get("label") {
                candidate.labels.insert((
                    label.value().to_owned(),
                    label.language().unwrap_or_default().to_owned(),
                ));
            }
            if let Some(Term::Literal(description)) = solution.get("description") {
                candidate.descriptions.insert((
                    description.value().to_owned(),
                    description.language().unwrap_or_default().to_owned(),
                ));
            }
            if let Some(Term::NamedNode(class)) = solution.get("type") {
                candidate.types.insert(class.clone());
            }
        }
    }
    Ok(())
}

/// Which accepted classes each candidate belongs to, through subclasses.
fn check_types(
    endpoint: &SparqlClient,
    batch: &[(&NamedNode, &Subject)],
    found: &mut BTreeMap<(NamedNode, NamedNode), Candidate>,
) -> Result<()> {
    let mut pairs = BTreeSet::new();
    for (entity, subject) in batch {
        for ((candidate_entity, item), _) in
            found.range(((*entity).clone(), NamedNode::new_unchecked(""))..)
        {
            if candidate_entity != *entity {
                break;
            }
            for accepted in &subject.accepted_types {
                pairs.insert((item.clone(), accepted.clone()));
            }
        }
    }
    for (item, accepted) in super::instances_of(endpoint, &pairs)? {
        for (entity, subject) in batch {
            if subject.accepted_types.contains(&accepted) {
                if let Some(candidate) = found.get_mut(&((*entity).clone(), item.clone())) {
                    candidate.fitting.insert(accepted.clone());
                }
            }
        }
    }
    Ok(())
}

/// A score in [0, 1] and the reason, or `None` when the type rules the
/// candidate out.
fn score(subject: &Subject, candidate: &Candidate) -> Option<(f64, String)> {
    let mut best = (Likeness::Different, String::new());
    for name in &subject.names {
        for (label, lang) in &candidate.labels {
            let likeness = links::compare(&name.text, label);
            if likeness > best.0 {
                best = (likeness, format!("\"{label}\"@{lang}"));
            }
        }
    }
    let (label_score, label_reason) = match best.0 {
        Likeness::Same => (1.0, format!("label {} is one of our names", best.1)),
        Likeness::Folded => (
            0.8,
            format!(
                "label {} matches one of our names but for accents or case",
                best.1
            ),
        ),
        // Found through a name the endpoint matched, but its labels in
        // French and English are not ours (an alias or another language).
        Likeness::Close | Likeness::Different => (
            0.5,
            "matched by a name, but no French or English label is ours".to_owned(),
        ),
    };
    let (type_score, type_reason) = if subject.accepted_types.is_empty() {
        (
            0.6,
            "type not checked: no accepted Wikidata type for this class".to_owned(),
        )
    } else if !candidate.fitting.is_empty() {
        let fitting: Vec<String> = candidate
            .fitting
            .iter()
            .map(|t| labels::compact(t.as_str()))
            .collect();
        (
            1.0,
            format!(
                "an instance of {}, which the class accepts",
                fitting.join(", ")
            ),
        )
    } else if candidate.types.is_empty() {
        (0.5, "the item has no type (wdt:P31) to check".to_owned())
    } else {
        return None;
    };
    let score = (label_score * type_score * 100.0_f64).round() / 100.0;
    Some((score, format!("{label_reason}; {type_reason}")))
}

fn write_proposals(
    proposals: &[Proposal],
    found: &BTreeMap<(NamedNode, NamedNode), Candidate>,
    labels: &mut LabelCache<'_>,
    endpoint: &str,
    out: &mut impl Write,
) -> Result<()> {
    writeln!(
        out,
        "# Wikidata candidates proposed by `missions-kg links reconcile` from {endpoint}."
    )?;
    writeln!(
        out,
        "# Nothing here is accepted. To accept a candidate, check its page, then move the two"
    )?;
    writeln!(
        out,
        "# commented statements under it into data/links.trig (graph mkg:links), with the page"
    )?;
    writeln!(out, "# you read as mk:seenIn and the day as mk:seenOn.")?;
    writeln!(out)?;
    for (name, iri) in vocab::PREFIXES {
        if ["mk", "mkd", "mkl", "rdfs", "schema", "wd", "xsd"].contains(name) {
            writeln!(out, "@prefix {name}: <{iri}> .")?;
        }
    }
    let mut rank = BTreeMap::<&NamedNode, usize>::new();
    for proposal in proposals {
        let entity = labels::compact(proposal.entity.as_str());
        let item = labels::compact(proposal.item.as_str());
        let id = item.trim_start_matches("wd:");
        let slug = entity.trim_start_matches("mkd:");
        let n = rank.entry(&proposal.entity).or_default();
        *n += 1;
        let name = labels.display(proposal.entity.as_ref().into())?;
        writeln!(out)?;
        writeln!(out, "# {name}: candidate {n}, score {:.2}", proposal.score)?;
        writeln!(out, "#   {entity} owl:sameAs {item} .")?;
        writeln!(
            out,
            "#   mkl:{slug}-wikidata a mk:LinkEvidence ; mk:linkedEntity {entity} ; mk:linkTarget {item} ; mk:seenIn <https://www.wikidata.org/wiki/{id}> ; mk:seenOn \"YYYY-MM-DD\"^^xsd:date ."
        )?;
        let candidate = &found[&(proposal.entity.clone(), proposal.item.clone())];
        write!(
            out,
            "mkl:proposal-{slug}-{id} a mk:LinkProposal ;\n    mk:proposedFor {entity} ;\n    mk:candidate {item} ;\n    mk:score {:.2} ;\n    mk:matchReason {}",
            proposal.score,
            Literal::new_simple_literal(&proposal.reason)
        )?;
        for (label, lang) in &candidate.labels {
            write!(
                out,
                " ;\n    rdfs:label {}",
                Literal::new_language_tagged_literal_unchecked(label, lang)
            )?;
        }
        for (description, lang) in &candidate.descriptions {
            write!(
                out,
                " ;\n    schema:description {}",
                Literal::new_language_tagged_literal_unchecked(description, lang)
            )?;
        }
        for class in &candidate.types {
            write!(
                out,
                " ;\n    mk:candidateType {}",
                labels::compact(class.as_str())
            )?;
        }
        writeln!(out, " .")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaccents_keeping_case() {
        assert_eq!(unaccent("Hélène Viviès"), "Helene Vivies");
        assert_eq!(unaccent("État"), "Etat");
    }

    #[test]
    fn folds_in_sparql_like_in_rust() {
        let expression = fold_expression("?l");
        assert!(expression.starts_with("REPLACE(REPLACE("));
        assert!(expression.contains("LCASE(STR(?l))"));
        assert!(expression.contains("\"[èéêë]\", \"e\""));
    }
}
