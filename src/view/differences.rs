//! Where the articles differ: one row per pair of articles that give
//! different values to the same question, computed once from the stored
//! query `disagreements` and rendered by whoever shows it (the server's
//! entity and article pages; the CLI runs the query itself).

use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::sparql::catalog::Catalog;
use crate::sparql::Prepared;
use anyhow::Result;
use oxigraph::model::Term;
use oxigraph::sparql::QueryResults;

/// Two articles' values for one subject and property.
pub struct Difference {
    pub subject: Term,
    pub property: Term,
    pub value1: Term,
    pub source1: Term,
    pub value2: Term,
    pub source2: Term,
    /// The properties each article uses, when they differ.
    pub properties: Option<(Term, Term)>,
}

impl Difference {
    /// Every difference in `graph`, the query text prepared by `prepare`
    /// (see [`Catalog::run_with`]).
    pub fn all(
        catalog: &Catalog,
        graph: &Graph,
        budget: &Budget,
        prepare: &dyn Fn(&str, &str) -> Result<Prepared>,
    ) -> Result<Vec<Self>> {
        let mut rows = Vec::new();
        let QueryResults::Solutions(solutions) =
            catalog.run_with("disagreements", graph, budget, &[], prepare)?
        else {
            return Ok(rows);
        };
        for solution in solutions {
            let solution = solution?;
            let get = |name: &str| solution.get(name).cloned();
            if let (
                Some(subject),
                Some(property),
                Some(value1),
                Some(source1),
                Some(value2),
                Some(source2),
            ) = (
                get("subject"),
                get("property"),
                get("value1"),
                get("source1"),
                get("value2"),
                get("source2"),
            ) {
                let properties = get("property1").zip(get("property2"));
                rows.push(Self {
                    subject,
                    property,
                    value1,
                    source1,
                    value2,
                    source2,
                    properties,
                });
            }
        }
        Ok(rows)
    }

    /// One side's value (`first`: the first article's) and, when the two
    /// articles use different properties, the property it was given by.
    pub fn side(&self, first: bool) -> (&Term, Option<&Term>) {
        match (&self.properties, first) {
            (Some((property, _)), true) => (&self.value1, Some(property)),
            (Some((_, property)), false) => (&self.value2, Some(property)),
            (None, true) => (&self.value1, None),
            (None, false) => (&self.value2, None),
        }
    }
}
