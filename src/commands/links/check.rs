//! `missions-kg links check`: is every recorded Wikidata link still right?
//!
//! For each `owl:sameAs wd:Q…` it asks the endpoint for the item's French
//! and English labels and aliases, its description and its types, and
//! whether it is an instance (through `wdt:P31/wdt:P279*`) of a class that
//! the entity's class accepts (`mk:wikidataType`). A missing item, a type
//! that does not fit or labels with nothing in common with ours make the
//! link look wrong (exit 1); a label that differs from ours only in spelling
//! (accents, a letter or two) is reported, since the articles' spelling is
//! kept as they wrote it, but is not an error.

use crate::cli::CheckArgs;
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, Payload};
use crate::graph::client::SparqlClient;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::view::links::{self, Likeness, Subject};
use anyhow::Result;
use oxigraph::model::{Literal, NamedNode, Term};
use oxigraph::sparql::{QueryResults, QuerySolutionIter, Variable};
use std::collections::{BTreeMap, BTreeSet};

/// What the endpoint says of one item.
#[derive(Default)]
struct Item {
    names: BTreeSet<(String, String)>,
    description: Option<String>,
    types: BTreeSet<NamedNode>,
    fitting: BTreeSet<NamedNode>,
    exists: bool,
}

/// One line of the report.
struct Finding {
    entity: NamedNode,
    item: NamedNode,
    verdict: &'static str,
    problem: String,
    ours: String,
    theirs: String,
}

pub fn run(config: &Config, args: &CheckArgs) -> Result<()> {
    let format = format::resolve(
        args.format.as_deref(),
        None,
        Payload::Results,
        config.is_terminal,
    )?;
    let endpoint = SparqlClient::new(&args.endpoint.endpoint, args.endpoint.timeout)?;
    // Held to the end, as `query` holds its own: the endpoint's rows are
    // read after the graph is opened, and count against the memory
    // ceiling only while a budget is watched.
    let budget = Budget::new(config, None)?;
    let store = Graph::open(config, &budget)?;
    // What a stop names from here on: no longer the loading.
    budget.set_phase("links check");
    let subjects = links::subjects(&store)?;
    let linked: Vec<(&NamedNode, &Subject, &NamedNode)> = subjects
        .iter()
        .flat_map(|(entity, subject)| {
            subject
                .wikidata
                .iter()
                .map(move |item| (entity, subject, item))
        })
        .collect();
    if linked.is_empty() {
        eprintln!("no Wikidata link to check (see `missions-kg links --missing`)");
        return Ok(());
    }
    let items = ask(&endpoint, &linked)?;
    let mut findings = Vec::new();
    for (entity, subject, item) in &linked {
        let found = items.get(*item);
        findings.extend(judge(entity, subject, item, found));
    }
    let wrong = findings.iter().filter(|f| f.verdict == "wrong").count();
    let differs = findings.len() - wrong;
    let untyped = linked
        .iter()
        .filter(|(_, subject, _)| subject.accepted_types.is_empty())
        .count();
    write_output(None, |out| {
        format::write_results(
            report(findings),
            format,
            LabelCache::new(&store, config.lang.as_deref()),
            out,
        )
    })?;
    eprintln!(
        "checked {} Wikidata links on {}: {wrong} look wrong, {differs} spelling differences{}",
        linked.len(),
        endpoint.shown_url(),
        if untyped == 0 {
            String::new()
        } else {
            format!("; type not checked for {untyped} (no accepted Wikidata type for their class)")
        }
    );
    if wrong > 0 {
        return Err(Failure::new(
            Kind::Check,
            format!("{wrong} Wikidata link(s) look wrong; see the table above"),
        )
        .into());
    }
    Ok(())
}

/// Two queries: what each item is called and is, then which accepted types
/// it belongs to.
fn ask(
    endpoint: &SparqlClient,
    linked: &[(&NamedNode, &Subject, &NamedNode)],
) -> Result<BTreeMap<NamedNode, Item>> {
    let values: BTreeSet<String> = linked.iter().map(|(_, _, item)| item.to_string()).collect();
    let query = format!(
        r#"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
SELECT ?item ?name ?description ?type WHERE {{
  VALUES ?item {{ {} }}
  {{ ?item rdfs:label|skos:altLabel ?name FILTER(LANG(?name) IN ("fr", "en")) }}
  UNION {{ ?item schema:description ?description FILTER(LANG(?description) = "en") }}
  UNION {{ ?item wdt:P31 ?type }}
}}"#,
        values.into_iter().collect::<Vec<_>>().join(" ")
    );
    let mut items: BTreeMap<NamedNode, Item> = BTreeMap::new();
    for solution in endpoint.select(&query)? {
        let Some(Term::NamedNode(item)) = solution.get("item") else {
            continue;
        };
        let entry = items.entry(item.clone()).or_default();
        entry.exists = true;
        if let Some(Term::Literal(name)) = solution.get("name") {
            entry.names.insert((
                name.value().to_owned(),
                name.language().unwrap_or_default().to_owned(),
            ));
        }
        if let Some(Term::Literal(description)) = solution.get("description") {
            entry.description = Some(description.value().to_owned());
        }
        if let Some(Term::NamedNode(class)) = solution.get("type") {
            entry.types.insert(class.clone());
        }
    }
    let pairs: BTreeSet<(NamedNode, NamedNode)> = linked
        .iter()
        .flat_map(|(_, subject, item)| {
            subject
                .accepted_types
                .iter()
                .map(move |accepted| ((*item).clone(), accepted.clone()))
        })
        .collect();
    for (item, accepted) in super::instances_of(endpoint, &pairs)? {
        items.entry(item).or_default().fitting.insert(accepted);
    }
    Ok(items)
}

/// The findings for one link; none when all is well.
fn judge(
    entity: &NamedNode,
    subject: &Subject,
    item: &NamedNode,
    found: Option<&Item>,
) -> Vec<Finding> {
    let finding = |verdict, problem: String, ours: String, theirs: String| Finding {
        entity: entity.clone(),
        item: item.clone(),
        verdict,
        problem,
        ours,
        theirs,
    };
    let Some(found) = found.filter(|found| found.exists) else {
        return vec![finding(
            "wrong",
            "no such item (deleted, merged or mistyped?)".into(),
            String::new(),
            String::new(),
        )];
    };
    let mut findings = Vec::new();
    if !subject.accepted_types.is_empty() && found.fitting.is_empty() {
        let theirs = found
            .types
            .iter()
            .map(|t| labels::compact(t.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let ours = subject
            .accepted_types
            .iter()
            .map(|t| labels::compact(t.as_str()))
            .collect::<Vec<_>>()
            .join(" or ");
        findings.push(finding(
            "wrong",
            "type does not fit the entity's class".into(),
            format!("an instance of {ours}"),
            if theirs.is_empty() {
                "no type (wdt:P31)".into()
            } else {
                format!("an instance of {theirs}")
            },
        ));
    }
    // The names to compare: ours in French or English (or untagged), theirs
    // as labels or aliases in French or English.
    let ours: Vec<&links::Name> = subject
        .names
        .iter()
        .filter(|name| matches!(name.lang.as_deref(), None | Some("fr" | "en")))
        .collect();
    let best = |name: &str| {
        found
            .names
            .iter()
            .map(|(theirs, lang)| (links::compare(name, theirs), theirs, lang))
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))
    };
    let mut any_alike = false;
    let mut unlike = Vec::new();
    for name in &ours {
        match best(&name.text) {
            Some((Likeness::Same, _, _)) => any_alike = true,
            Some((likeness @ (Likeness::Folded | Likeness::Close), theirs, lang)) => {
                any_alike = true;
                findings.push(finding(
                    "differs",
                    if likeness == Likeness::Folded {
                        "spelling differs (accents or case)".into()
                    } else {
                        "spelling differs".into()
                    },
                    tagged(&name.text, name.lang.as_deref()),
                    tagged(theirs, Some(lang)),
                ));
            }
            _ => unlike.push(*name),
        }
    }
    if !any_alike && !ours.is_empty() {
        let theirs = found
            .names
            .iter()
            .filter(|(_, lang)| lang == "fr" || lang == "en")
            .take(4)
            .map(|(name, lang)| tagged(name, Some(lang)))
            .collect::<Vec<_>>()
            .join(", ");
        findings.push(finding(
            "wrong",
            "no label or alias in French or English matches ours".into(),
            unlike
                .iter()
                .take(4)
                .map(|name| tagged(&name.text, name.lang.as_deref()))
                .collect::<Vec<_>>()
                .join(", "),
            match (&found.description, theirs.is_empty()) {
                (Some(description), false) => format!("{theirs} ({description})"),
                (Some(description), true) => format!("({description})"),
                (None, _) => theirs,
            },
        ));
    }
    findings
}

fn tagged(text: &str, lang: Option<&str>) -> String {
    match lang {
        Some(lang) if !lang.is_empty() => format!("{text} @{lang}"),
        _ => text.to_owned(),
    }
}

/// The findings as SPARQL solutions, so that every output format of
/// `query` works here too.
fn report(findings: Vec<Finding>) -> QueryResults<'static> {
    let variables: Vec<Variable> = ["entity", "wikidata", "verdict", "problem", "ours", "theirs"]
        .into_iter()
        .map(Variable::new_unchecked)
        .collect();
    let text =
        |value: String| (!value.is_empty()).then(|| Literal::new_simple_literal(value).into());
    let rows = findings.into_iter().map(move |f| {
        Ok(vec![
            Some(f.entity.into()),
            Some(f.item.into()),
            text(f.verdict.to_owned()),
            text(f.problem),
            text(f.ours),
            text(f.theirs),
        ])
    });
    QueryResults::Solutions(QuerySolutionIter::from_tuples(variables.into(), rows))
}
