//! SHACL validation of the merged graph, with rudof's `shacl` crate.
//!
//! `commands::validate` calls [`Shapes::parse`] on `ontology/shapes.ttl` (or
//! `--shapes`), then [`Shapes::validate`] on the dataset. SHACL sees one
//! graph, so the engine gets the default graph, which holds every fact once
//! (loader.rs copies each named graph into it); provenance is checked
//! elsewhere, by the `*-violation` queries. The shapes are parsed here with
//! oxigraph's parser (syntax errors then read like the data's) and handed to
//! rudof as triples; rudof's report is read back as RDF, so every term in a
//! [`ShapeViolation`] is an oxigraph term.

use crate::graph::labels;
use crate::graph::Graph;
use crate::guard::error::{one_line, Failure, Kind};
use crate::vocab::{self, SH, XSD};
use anyhow::{anyhow, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef};
use rudof_rdf::rdf_impl::OxigraphInMemory;
use shacl::ir::IRSchema;
use shacl::rdf::ShaclParser;
use shacl::validator::processor::{GraphValidation, ShaclProcessor};
use shacl::validator::store::Graph as ShaclGraph;
use shacl::validator::{ShaclConfig, ShaclValidationMode};
use std::collections::HashMap;

/// Checks the SPARQL text of a SHACL-SPARQL constraint (`sh:select`,
/// `sh:ask`) before the engine sees it: nesting within the limits
/// (`limits.rs`), and no SERVICE. The engine would make the call with
/// Oxigraph's own HTTP client, whose time and answer size this program
/// cannot bound, so SERVICE in shapes is refused even with --allow-service.
fn check_sparql_constraint(name: &str, quad: &oxigraph::model::Quad) -> Result<()> {
    let predicate = quad.predicate.as_str();
    if predicate != format!("{SH}select") && predicate != format!("{SH}ask") {
        return Ok(());
    }
    let Term::Literal(text) = &quad.object else {
        return Ok(());
    };
    let text = text.value();
    crate::guard::limits::check_nesting(text.as_bytes(), crate::guard::limits::Syntax::Sparql)
        .map_err(|e| {
            Failure::new(
                Kind::Input,
                format!(
                    "invalid shapes in {name}: the SPARQL of {}: {e}",
                    one_line(&quad.subject.to_string(), 100)
                ),
            )
        })?;
    if let Some(service) = crate::guard::limits::find_service(text) {
        return Err(Failure::new(
            Kind::Input,
            format!(
                "invalid shapes in {name}: the SPARQL of {} calls SERVICE {}: shapes may not call \
             other endpoints",
                one_line(&quad.subject.to_string(), 100),
                one_line(&service, 100)
            ),
        )
        .into());
    }
    Ok(())
}

/// What each SHACL Core parameter takes, as the SHACL specification says
/// (section 4); the engine accepts some wrong values silently (a negative
/// `sh:maxCount`, an unknown `sh:nodeKind`, `sh:closed "yes"`) and words
/// others in its parser's internals, so they are checked here first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Count,
    Boolean,
    Iri,
    NodeKind,
    Text,
    List,
    Path,
}

const PARAMETERS: &[(&str, Takes)] = &[
    ("minCount", Takes::Count),
    ("maxCount", Takes::Count),
    ("minLength", Takes::Count),
    ("maxLength", Takes::Count),
    ("qualifiedMinCount", Takes::Count),
    ("qualifiedMaxCount", Takes::Count),
    ("closed", Takes::Boolean),
    ("deactivated", Takes::Boolean),
    ("uniqueLang", Takes::Boolean),
    ("qualifiedValueShapesDisjoint", Takes::Boolean),
    ("datatype", Takes::Iri),
    ("class", Takes::Iri),
    ("targetClass", Takes::Iri),
    ("targetSubjectsOf", Takes::Iri),
    ("targetObjectsOf", Takes::Iri),
    ("equals", Takes::Iri),
    ("disjoint", Takes::Iri),
    ("lessThan", Takes::Iri),
    ("lessThanOrEquals", Takes::Iri),
    ("severity", Takes::Iri),
    ("nodeKind", Takes::NodeKind),
    ("pattern", Takes::Text),
    ("flags", Takes::Text),
    ("languageIn", Takes::List),
    ("in", Takes::List),
    ("ignoredProperties", Takes::List),
    ("and", Takes::List),
    ("or", Takes::List),
    ("xone", Takes::List),
    ("path", Takes::Path),
];

const NODE_KINDS: &[&str] = &[
    "IRI",
    "BlankNode",
    "Literal",
    "BlankNodeOrIRI",
    "BlankNodeOrLiteral",
    "IRIOrLiteral",
];

/// Refuses a SHACL Core parameter whose value is of the wrong kind, naming
/// the shape (a property shape by its path) and the value.
fn check_parameters(name: &str, quads: &[oxigraph::model::Quad]) -> Result<(), Failure> {
    for quad in quads {
        let Some(local) = quad.predicate.as_str().strip_prefix(SH) else {
            continue;
        };
        let Some((_, takes)) = PARAMETERS.iter().find(|(p, _)| *p == local) else {
            continue;
        };
        let literal = |datatype: &str| match &quad.object {
            Term::Literal(l) => l.datatype().as_str() == format!("{XSD}{datatype}"),
            _ => false,
        };
        let (fits, wanted) = match takes {
            Takes::Count => (
                literal("integer")
                    && matches!(&quad.object, Term::Literal(l) if l.value().parse::<u64>().is_ok()),
                "a whole number, 0 or more",
            ),
            Takes::Boolean => (
                literal("boolean")
                    && matches!(&quad.object, Term::Literal(l) if matches!(l.value(), "true" | "false" | "1" | "0")),
                "true or false",
            ),
            Takes::Iri => (matches!(quad.object, Term::NamedNode(_)), "an IRI"),
            Takes::NodeKind => (
                matches!(&quad.object, Term::NamedNode(n)
                    if n.as_str().strip_prefix(SH).is_some_and(|k| NODE_KINDS.contains(&k))),
                "one of sh:IRI, sh:BlankNode, sh:Literal, sh:BlankNodeOrIRI, sh:BlankNodeOrLiteral, sh:IRIOrLiteral",
            ),
            Takes::Text => (literal("string"), "a string"),
            Takes::List => (
                match &quad.object {
                    Term::BlankNode(_) => true,
                    Term::NamedNode(n) => n.as_str() == vocab::RDF_NIL,
                    _ => false,
                },
                "an RDF list, ( … )",
            ),
            Takes::Path => (
                matches!(quad.object, Term::NamedNode(_) | Term::BlankNode(_)),
                "a property IRI or a path",
            ),
        };
        if !fits {
            return Err(Failure::new(
                Kind::Input,
                format!(
                    "invalid shapes in {name}: {}: sh:{local} is {}, but it takes {wanted}",
                    describe_shape(quads, &quad.subject),
                    one_line(&compact(&quad.object), 100)
                ),
            ));
        }
    }
    Ok(())
}

/// A shape as people find it in the file: its IRI, or for a blank
/// property shape, the named shape that lists it and its path.
fn describe_shape(quads: &[oxigraph::model::Quad], shape: &NamedOrBlankNode) -> String {
    let path = quads
        .iter()
        .find(|q| &q.subject == shape && q.predicate.as_str() == format!("{SH}path"))
        .map(|q| compact(&q.object));
    let parent = quads.iter().find(|q| {
        q.predicate.as_str() == format!("{SH}property")
            && matches!(&q.object, Term::BlankNode(b) if matches!(shape, NamedOrBlankNode::BlankNode(s) if s == b))
    });
    match (shape, parent, path) {
        (NamedOrBlankNode::NamedNode(node), _, _) => {
            format!("shape {}", labels::compact(node.as_str()))
        }
        (_, Some(parent), Some(path)) => format!(
            "shape {}, property {path}",
            compact(&parent.subject.clone().into())
        ),
        (_, Some(parent), None) => format!(
            "a property shape of {}",
            compact(&parent.subject.clone().into())
        ),
        (_, None, Some(path)) => format!("the shape on property {path}"),
        (_, None, None) => "a blank shape".to_owned(),
    }
}

/// A term as written in Turtle with the usual prefixes, values typed.
fn compact(term: &Term) -> String {
    labels::term(term.as_ref(), labels::Style::Typed)
}

/// The useful part of an error of the engine's shapes parser: it reports
/// every alternative it tried ("Both branches of OR combinator failed.
/// First: … Second: …"); the last one is what was wrong.
fn engine_reason(message: &str) -> String {
    let reason = message.rsplit("Second: ").next().unwrap_or(message);
    one_line(reason, 200)
}

/// A parsed shapes graph, ready to validate data.
pub struct Shapes {
    /// The shapes as triples, to name the shape a blank property shape
    /// belongs to.
    graph: OxigraphInMemory,
    schema: IRSchema,
}

/// One SHACL validation result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeViolation {
    pub focus: Term,
    /// The property path, in SPARQL syntax (`mk:person`, `^mk:hasRole`).
    pub path: Option<String>,
    pub value: Option<Term>,
    pub message: String,
    /// The named shape: the node shape itself, or the node shape a blank
    /// property shape hangs from.
    pub shape: Option<NamedOrBlankNode>,
    /// The constraint component IRI, e.g. `sh:MinCountConstraintComponent`.
    pub component: String,
    /// `Violation`, `Warning` or `Info`.
    pub severity: String,
}

impl Shapes {
    /// Parses a shapes file (Turtle or any RDF syntax its name says);
    /// `name` is the path shown in errors.
    pub fn parse(name: &str, text: &str) -> Result<Self> {
        let format = crate::graph::loader::rdf_format(std::path::Path::new(name))
            .unwrap_or(RdfFormat::Turtle);
        let mut graph = OxigraphInMemory::new();
        let mut quads = Vec::new();
        for quad in RdfParser::from_format(format).for_slice(text.as_bytes()) {
            let quad = quad.map_err(|e| {
                Failure::new(
                    Kind::Syntax,
                    format!(
                        "cannot read the shapes {name}: {}",
                        one_line(&e.to_string(), 200)
                    ),
                )
            })?;
            check_sparql_constraint(name, &quad)?;
            quads.push(quad.clone());
            graph
                .add_triple_ref(
                    quad.subject.as_ref(),
                    quad.predicate.as_ref(),
                    quad.object.as_ref(),
                )
                .map_err(|e| anyhow!("cannot read the shapes {name}: {e}"))?;
        }
        check_parameters(name, &quads)?;
        let ast = ShaclParser::new(graph.clone()).parse().map_err(|e| {
            Failure::new(
                Kind::Input,
                format!(
                    "invalid shapes in {name}: {}",
                    engine_reason(&e.to_string())
                ),
            )
        })?;
        let schema = IRSchema::compile(&ast).map_err(|e| {
            Failure::new(
                Kind::Input,
                format!(
                    "invalid shapes in {name}: {}",
                    one_line(&e.to_string(), 300)
                ),
            )
        })?;
        Ok(Self { graph, schema })
    }

    /// Validates the merged view (the default graph) of `graph`.
    /// The engine cannot be interrupted: the budget is checked before and
    /// after it runs.
    pub fn validate(
        &self,
        graph: &Graph,
        budget: &crate::guard::budget::Budget,
    ) -> Result<Vec<ShapeViolation>> {
        budget.check("validation")?;
        let mut data = OxigraphInMemory::new();
        for quad in graph.quads(None, None, None, Some(GraphNameRef::DefaultGraph)) {
            let quad = quad?;
            data.add_triple_ref(
                quad.subject.as_ref(),
                quad.predicate.as_ref(),
                quad.object.as_ref(),
            )
            .map_err(|e| anyhow!("cannot prepare the data for SHACL: {e}"))?;
        }
        let data = ShaclGraph::try_from(data)
            .map_err(|e| anyhow!("cannot prepare the data for SHACL: {e}"))?;
        let report = GraphValidation::new(data)
            .validate(
                &self.schema,
                &ShaclValidationMode::Native,
                &ShaclConfig::new(),
            )
            .map_err(|e| anyhow!("SHACL validation failed: {}", one_line(&e.to_string(), 300)))?;
        budget.check("validation")?;
        let mut rdf = OxigraphInMemory::new();
        report
            .to_rdf(&mut rdf)
            .map_err(|e| anyhow!("cannot read the SHACL report: {e}"))?;
        let mut violations = self.read_report(&rdf);
        violations.sort_by_cached_key(|v| {
            (
                v.focus.to_string(),
                v.path.clone(),
                v.component.clone(),
                v.value.as_ref().map(Term::to_string),
                v.message.clone(),
            )
        });
        violations.dedup();
        Ok(violations)
    }

    /// Reads the `sh:result` nodes of a SHACL report graph.
    fn read_report(&self, report: &OxigraphInMemory) -> Vec<ShapeViolation> {
        let mut nodes: HashMap<NamedOrBlankNode, HashMap<String, Vec<Term>>> = HashMap::new();
        for quad in report.quads() {
            nodes
                .entry(quad.subject)
                .or_default()
                .entry(quad.predicate.as_str().to_owned())
                .or_default()
                .push(quad.object);
        }
        let get = |node: &NamedOrBlankNode, property: &str| -> Option<Term> {
            nodes
                .get(node)?
                .get(&format!("{SH}{property}"))?
                .first()
                .cloned()
        };
        // Only the report's own results: the nested `sh:detail` results of
        // an `sh:or` member would repeat them.
        let results: Vec<NamedOrBlankNode> = nodes
            .values()
            .filter_map(|properties| properties.get(&format!("{SH}result")))
            .flatten()
            .filter_map(|term| match term {
                Term::NamedNode(node) => Some(node.clone().into()),
                Term::BlankNode(node) => Some(node.clone().into()),
                _ => None,
            })
            .collect();
        let mut violations = Vec::new();
        for node in &results {
            let Some(focus) = get(node, "focusNode") else {
                continue;
            };
            let path = get(node, "resultPath").map(|path| path_text(&nodes, &path));
            let source = get(node, "sourceShape");
            let shape = source.as_ref().and_then(|shape| self.named_shape(shape));
            // Our own sh:message when the shape has one (rudof words some
            // components itself and names blank nodes, which change each run).
            let own_message = source.as_ref().and_then(|shape| self.message(shape));
            let text = |term: Option<Term>| match term {
                Some(Term::NamedNode(node)) => node.into_string(),
                Some(Term::Literal(literal)) => literal.value().to_owned(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let severity = text(get(node, "resultSeverity"));
            violations.push(ShapeViolation {
                focus,
                path,
                value: get(node, "value"),
                message: own_message.unwrap_or_else(|| text(get(node, "resultMessage"))),
                shape,
                component: text(get(node, "sourceConstraintComponent")),
                severity: severity.strip_prefix(SH).unwrap_or(&severity).to_owned(),
            });
        }
        violations
    }

    /// The `sh:message` of a shape, if it has one.
    fn message(&self, shape: &Term) -> Option<String> {
        let subject: NamedOrBlankNode = match shape {
            Term::NamedNode(node) => node.clone().into(),
            Term::BlankNode(node) => node.clone().into(),
            _ => return None,
        };
        let message = format!("{SH}message");
        self.graph.quads().find_map(|quad| match quad.object {
            Term::Literal(literal)
                if quad.subject == subject && quad.predicate.as_str() == message =>
            {
                Some(literal.value().to_owned())
            }
            _ => None,
        })
    }

    /// The shape to name in a report: an IRI shape as is; for a blank
    /// property shape, the node shape that lists it under `sh:property`.
    fn named_shape(&self, shape: &Term) -> Option<NamedOrBlankNode> {
        match shape {
            Term::NamedNode(node) => Some(node.clone().into()),
            Term::BlankNode(blank) => {
                let property = format!("{SH}property");
                let parent = self.graph.quads().find(|quad| {
                    quad.predicate.as_str() == property
                        && quad.object.as_ref() == TermRef::BlankNode(blank.as_ref())
                        && matches!(quad.subject.as_ref(), NamedOrBlankNodeRef::NamedNode(_))
                });
                Some(parent.map_or_else(|| blank.clone().into(), |quad| quad.subject))
            }
            _ => None,
        }
    }
}

/// A SHACL path as SPARQL path text: an IRI, or `^iri` for `sh:inversePath`.
fn path_text(nodes: &HashMap<NamedOrBlankNode, HashMap<String, Vec<Term>>>, path: &Term) -> String {
    match path {
        Term::NamedNode(node) => labels::compact(node.as_str()),
        Term::BlankNode(blank) => {
            let node: NamedOrBlankNode = blank.clone().into();
            match nodes
                .get(&node)
                .and_then(|p| p.get(&format!("{SH}inversePath")))
                .and_then(|values| values.first())
            {
                Some(inner) => format!("^{}", path_text(nodes, inner)),
                None => "(complex path)".to_owned(),
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{NamedNode, Quad};

    const SHAPES: &str = r#"
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://e.org/> .
        ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "needs a name" ] ,
                        [ sh:path [ sh:inversePath ex:knows ] ; sh:minCount 1 ] .
    "#;

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://e.org/{s}"))
    }

    #[test]
    fn reports_focus_path_message_and_the_named_shape() {
        let shapes = Shapes::parse("shapes.ttl", SHAPES).unwrap();
        let rdf_type = NamedNode::new_unchecked(crate::vocab::RDF_TYPE);
        let dataset = Graph::from_dataset(crate::graph::dataset::Dataset::from_quads([Quad::new(
            n("alice"),
            rdf_type,
            n("Person"),
            oxigraph::model::GraphName::DefaultGraph,
        )]));
        let violations = shapes
            .validate(&dataset, &crate::guard::budget::Budget::default())
            .unwrap();
        assert_eq!(violations.len(), 2, "{violations:?}");
        let name = violations
            .iter()
            .find(|v| v.path.as_deref() == Some("<http://e.org/name>"))
            .unwrap();
        assert_eq!(name.focus, Term::from(n("alice")));
        assert_eq!(name.message, "needs a name");
        assert_eq!(name.shape, Some(n("PersonShape").into()));
        assert_eq!(name.component, format!("{SH}MinCountConstraintComponent"));
        assert_eq!(name.severity, "Violation");
        assert!(violations
            .iter()
            .any(|v| v.path.as_deref() == Some("^<http://e.org/knows>")));
    }

    #[test]
    fn a_syntax_error_in_the_shapes_is_one_line() {
        let error = Shapes::parse("bad.ttl", "@prefix sh: <x> .\nsh:a sh:b .")
            .err()
            .unwrap();
        let text = error.to_string();
        assert!(
            text.starts_with("cannot read the shapes bad.ttl:"),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }
}
