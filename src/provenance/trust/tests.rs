//! `--sources`, `--without` and `--sensitivity` against brute force: every
//! stored query (with its example parameters), for each of the 16 subsets
//! of the four articles, run on [`keep_articles`]'s graph and on a dataset
//! built here from the kept graphs' quads alone, must give the same rows;
//! and each answer's `dependsOn` must be exactly the articles without
//! which the brute-force run loses it.

use super::*;
use crate::graph::dataset::{Dataset, DatasetBuilder};
use crate::guard::budget::Budget;
use crate::sparql::Prepared;
use oxigraph::model::GraphName;
use std::collections::HashMap;

/// Rows compared as multisets, a literal's words sorted (GROUP_CONCAT's
/// order depends on the dataset's ids).
fn sorted(rows: &[Vec<Option<Term>>]) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| crate::provenance::why::comparable(row))
        .collect();
    rows.sort();
    rows
}

fn run(prepared: Prepared, graph: &Graph) -> Answers {
    Answers::read(prepared.execute(graph, &Budget::default()).unwrap()).unwrap()
}

/// The brute force: the kept articles' graphs and every other named graph,
/// copied quad by quad, merged as the loader merges them.
fn brute(quads: &[Quad], all: &[NamedNode], kept: &[NamedNode]) -> Graph {
    let mut builder = DatasetBuilder::default();
    for quad in quads {
        let keep = match &quad.graph_name {
            GraphName::NamedNode(name) => kept.contains(name) || !all.contains(name),
            GraphName::BlankNode(_) => true,
            GraphName::DefaultGraph => false,
        };
        if keep {
            builder.insert(quad.clone());
        }
    }
    builder.merge_named_graphs_into_default();
    Graph::from_dataset(builder.build())
}

use oxigraph::model::Quad;

#[test]
fn every_stored_query_on_every_subset_of_the_articles_answers_as_brute_force() {
    let dataset = Dataset::embedded().expect("the built-in index");
    let quads: Vec<Quad> = dataset
        .iter()
        .filter(|q| !q.graph_name.is_default_graph())
        .map(|q| q.into_owned())
        .collect();
    let full = Graph::from_dataset(Dataset::embedded().unwrap());
    let all = articles(&full).unwrap();
    assert_eq!(all.len(), 4);
    let subsets: Vec<Vec<NamedNode>> = (0..16u32)
        .map(|mask| {
            all.iter()
                .enumerate()
                .filter(|(bit, _)| mask >> bit & 1 == 1)
                .map(|(_, a)| a.clone())
                .collect()
        })
        .collect();
    let ours: Vec<Graph> = subsets
        .iter()
        .map(|kept| keep_articles(&full, &all, kept).unwrap())
        .collect();
    let theirs: Vec<Graph> = subsets
        .iter()
        .map(|kept| brute(&quads, &all, kept))
        .collect();
    let catalog = crate::sparql::catalog::Catalog::embedded().unwrap();
    let (mut compared, mut differing, mut sensitive) = (0, Vec::new(), 0);
    for stored in &catalog.queries {
        let params: Vec<(String, String)> = stored
            .example
            .iter()
            .map(|p| crate::sparql::split_param(p).unwrap())
            .collect();
        let bound = crate::sparql::bindings(&full, Some(stored), &params, "--param").unwrap();
        let prepare = || {
            let mut prepared = crate::sparql::prepare(&stored.sparql, &stored.name).unwrap();
            for (variable, value) in &bound {
                prepared = prepared.bind(variable.clone(), value.clone());
            }
            prepared
        };
        if prepare().returns_graph() {
            continue;
        }
        let mut brute_rows: HashMap<usize, Vec<Vec<String>>> = HashMap::new();
        for (at, (our, their)) in ours.iter().zip(&theirs).enumerate() {
            let expected = sorted(&run(prepare(), their).rows);
            let got = sorted(&run(prepare(), our).rows);
            compared += 1;
            if got != expected {
                differing.push(format!("{} on subset {at:04b}", stored.name));
            }
            brute_rows.insert(at, expected);
        }
        // --sensitivity on the whole graph: dependsOn is exactly the
        // articles whose absence (the other three kept) loses the answer.
        let whole = run(prepare(), &full);
        let width = whole.variables.len();
        // The parts without one article are among the subsets above.
        let QueryResults::Solutions(solutions) = sensitivity(whole, &all, |article| {
            let bit = all.iter().position(|a| a == article).unwrap();
            Ok(run(prepare(), &ours[0b1111 & !(1 << bit)]))
        })
        .unwrap() else {
            panic!("sensitivity gives solutions");
        };
        for solution in solutions {
            let row = solution.unwrap().values().to_vec();
            let key = crate::provenance::why::comparable(&row[..width]);
            let Some(Term::Literal(depends)) = &row[width] else {
                panic!("no dependsOn")
            };
            let expected: Vec<String> = all
                .iter()
                .enumerate()
                .filter(|(bit, _)| {
                    let without = 0b1111 & !(1 << bit);
                    !brute_rows[&without].contains(&key)
                })
                .map(|(_, a)| labels::graph_name(a.as_str()))
                .collect();
            assert_eq!(depends.value(), expected.join(" "), "{}", stored.name);
            sensitive += 1;
        }
    }
    assert!(compared > 700, "only {compared} runs compared");
    assert!(sensitive > 300, "only {sensitive} answers checked");
    assert!(differing.is_empty(), "{}", differing.join("\n"));
}

#[test]
fn articles_are_named_as_the_sources_command_names_them() {
    let full = Graph::from_dataset(Dataset::embedded().unwrap());
    let all = articles(&full).unwrap();
    for text in [
        "2",
        "002",
        "article-002",
        "mks:article-002",
        "https://w3id.org/missions-kg/source/article-002",
    ] {
        assert_eq!(
            find_article(&all, text).unwrap().as_str(),
            "https://w3id.org/missions-kg/source/article-002",
            "{text}"
        );
    }
    let error = find_article(&all, "9").unwrap_err().to_string();
    assert_eq!(
        error,
        "no article '9'; the articles are: article-000, article-001, article-002, article-003"
    );
    let kept = trusted(&articles(&full).unwrap(), &[], &["001".into()])
        .unwrap()
        .unwrap();
    let names: Vec<String> = kept
        .iter()
        .map(|a| labels::graph_name(a.as_str()))
        .collect();
    assert_eq!(names, ["article-000", "article-002", "article-003"]);
    assert!(trusted(&articles(&full).unwrap(), &[], &[])
        .unwrap()
        .is_none());
}
