//! `missions-kg validate`: is the data well formed, complete and sourced?
//!
//! Three passes over the same files, each reporting everything it finds:
//! syntax (every error of every file, with line and column; the parsers skip
//! to the next statement), SHACL shapes (`shapes::Shapes` on the merged
//! view), and the stored `*-violation` checks, SPARQL over quads that return
//! the offending facts (provenance lives in graphs, which SHACL cannot see).
//! The report goes to stdout as text, JSON or a SHACL validation report in
//! RDF; the exit code is 0 when all three passes find nothing, else 1.

pub mod shapes;

use crate::cli::ValidateArgs;
use crate::commands::validate::shapes::{ShapeViolation, Shapes};
use crate::commands::write_output;
use crate::config::Config;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::embedded;
use crate::graph::loader::{self, SyntaxError};
use crate::graph::Graph;
use crate::guard::error::Failure;
use crate::guard::input;
use crate::sparql::catalog::Catalog;
use crate::vocab;
use anyhow::Result;
use oxigraph::io::RdfFormat;
use oxigraph::model::{
    BlankNode, GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term,
};
use oxigraph::sparql::QueryResults;
use serde_json::{json, Value};
use std::io::Write;

/// A row returned by a `*-violation` stored query.
struct CheckViolation {
    /// The stored query's name, e.g. `unsourced-fact-violation`.
    check: String,
    title: String,
    /// `(variable, value)` in the query's column order.
    row: Vec<(String, Term)>,
}

/// Everything `validate` found.
struct Report {
    files: usize,
    /// The on-disk store read instead of files (`--store`).
    store: Option<String>,
    triples: usize,
    syntax: Vec<SyntaxError>,
    shapes: Vec<ShapeViolation>,
    checks: Vec<CheckViolation>,
}

pub fn run(config: &Config, args: &ValidateArgs) -> Result<()> {
    let format = format::resolve(
        args.format.as_deref(),
        args.output.as_deref(),
        Payload::Validation,
        config.is_terminal,
    )?;
    let budget = crate::guard::budget::Budget::new(config, args.timeout)?;
    let shapes = match &args.shapes {
        Some(path) => {
            let text = input::read_text(path, config.max_input)?;
            Shapes::parse(&path.display().to_string(), &text)?
        }
        None => Shapes::parse(embedded::SHAPES.0, embedded::SHAPES.1)?,
    };
    // A store was checked for syntax when it was loaded: only the shapes
    // and checks run on it.
    let (graph, loaded) = if config.store.is_some() {
        (Graph::open(config, &budget)?, loader::Loaded::default())
    } else {
        let loaded = loader::load_checked(config, &budget)?;
        (
            Graph::from_dataset(loaded.dataset),
            loader::Loaded {
                dataset: Default::default(),
                ..loaded
            },
        )
    };
    let mut triples = 0;
    for quad in graph.quads(None, None, None, Some(GraphNameRef::DefaultGraph)) {
        quad?;
        triples += 1;
    }
    let report = Report {
        files: loaded.files,
        store: config.store.as_ref().map(|dir| dir.display().to_string()),
        triples,
        shapes: shapes.validate(&graph, &budget)?,
        checks: crate::guard::budget::catch_cancellation(|| run_checks(&graph, &budget))
            .map_err(|e| budget.explain_stop(e))?,
        syntax: loaded.errors,
    };
    write_output(args.output.as_deref(), |out| match format {
        OutputFormat::Results(_) => write_json(&report, out),
        OutputFormat::Rdf(rdf) => write_rdf(&report, rdf, out),
        _ => {
            let mut text = Vec::new();
            write_text(&report, &mut text)?;
            Ok(crate::guard::error::write_inert(out, &text)?)
        }
    })?;
    if format != OutputFormat::Text || args.output.is_some() {
        // The report is for a program or a file: the summary goes to the person.
        let _ = writeln!(std::io::stderr(), "{}", report.summary());
    }
    if report.conforms() {
        Ok(())
    } else {
        Err(Failure::reported().into())
    }
}

/// Runs every stored check on `graph`.
fn run_checks(graph: &Graph, budget: &crate::guard::budget::Budget) -> Result<Vec<CheckViolation>> {
    let mut violations = Vec::new();
    let catalog = Catalog::embedded()?;
    for check in catalog.queries.iter().filter(|q| q.is_check()) {
        let QueryResults::Solutions(solutions) = catalog
            .run(&check.name, graph, budget, &[])
            .map_err(|e| budget.explain_stop(e))?
        else {
            continue;
        };
        for solution in solutions {
            let solution = solution?;
            violations.push(CheckViolation {
                check: check.name.clone(),
                title: check.title.clone(),
                row: solution
                    .iter()
                    .map(|(variable, value)| (variable.as_str().to_owned(), value.clone()))
                    .collect(),
            });
        }
    }
    Ok(violations)
}

impl Report {
    fn conforms(&self) -> bool {
        self.syntax.is_empty() && self.shapes.is_empty() && self.checks.is_empty()
    }

    /// One line: what was read, what was found, and the verdict.
    fn summary(&self) -> String {
        let verdict = if self.conforms() {
            "conforms"
        } else {
            "does not conform"
        };
        let read = match &self.store {
            Some(dir) => format!("store {dir}"),
            None => count(self.files, "file"),
        };
        let mut line = format!(
            "{verdict}: {read} read ({}); {}, {}, {}",
            count(self.triples, "triple"),
            count(self.syntax.len(), "syntax error"),
            count(self.shapes.len(), "shape violation"),
            count(self.checks.len(), "check violation"),
        );
        if !self.syntax.is_empty() {
            line.push_str(" (shapes and checks ran on the statements that parsed)");
        }
        line
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A term as compact Turtle: `mkd:x`, `"text"@fr`, `"2017"^^xsd:gYear`.
fn term_text(term: &Term) -> String {
    crate::graph::labels::term(term.as_ref(), crate::graph::labels::Style::Turtle)
}

/// The node a check row is about: the first subject-like column, else the
/// first IRI or blank node in the row.
fn check_focus(row: &[(String, Term)]) -> Option<&Term> {
    ["subject", "entity", "role", "term", "focus"]
        .iter()
        .find_map(|name| row.iter().find(|(v, _)| v == name).map(|(_, t)| t))
        .or_else(|| {
            row.iter()
                .map(|(_, t)| t)
                .find(|t| !matches!(t, Term::Literal(_)))
        })
}

fn check_row_text(row: &[(String, Term)]) -> String {
    row.iter()
        .map(|(variable, value)| format!("{variable}={}", term_text(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn component_name(iri: &str) -> String {
    let local = iri.rsplit(['#', '/']).next().unwrap_or(iri);
    local
        .strip_suffix("ConstraintComponent")
        .unwrap_or(local)
        .to_owned()
}

/// One finding a line, like a compiler: `syntax`, `shape` or `check`, where,
/// what; then the summary.
fn write_text(report: &Report, out: &mut impl Write) -> Result<()> {
    for error in &report.syntax {
        writeln!(out, "syntax  {error}")?;
    }
    for violation in &report.shapes {
        let mut line = format!("shape   {}", term_text(&violation.focus));
        if let Some(path) = &violation.path {
            line.push_str(&format!(" {path}"));
        }
        if let Some(value) = &violation.value {
            if Some(value) != Some(&violation.focus) {
                line.push_str(&format!(" = {}", term_text(value)));
            }
        }
        line.push_str(&format!(": {}", violation.message));
        let shape = violation
            .shape
            .as_ref()
            .map(|shape| term_text(&shape.clone().into()))
            .unwrap_or_default();
        line.push_str(&format!(
            " [{shape} {}]",
            component_name(&violation.component)
        ));
        writeln!(out, "{line}")?;
    }
    for violation in &report.checks {
        writeln!(
            out,
            "check   {}: {} ({})",
            violation.check,
            check_row_text(&violation.row),
            violation.title
        )?;
    }
    writeln!(out, "{}", report.summary())?;
    Ok(())
}

fn write_json(report: &Report, out: &mut impl Write) -> Result<()> {
    let syntax: Vec<Value> = report
        .syntax
        .iter()
        .map(
            |e| json!({ "file": e.file, "line": e.line, "column": e.column, "message": e.message }),
        )
        .collect();
    let shapes: Vec<Value> = report
        .shapes
        .iter()
        .map(|v| {
            json!({
                "focusNode": term_text(&v.focus),
                "path": v.path,
                "value": v.value.as_ref().map(term_text),
                "message": v.message,
                "shape": v.shape.as_ref().map(|s| term_text(&s.clone().into())),
                "component": v.component,
                "severity": v.severity,
            })
        })
        .collect();
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|v| {
            let row: serde_json::Map<String, Value> = v
                .row
                .iter()
                .map(|(variable, value)| (variable.clone(), Value::String(term_text(value))))
                .collect();
            json!({ "check": v.check, "title": v.title, "row": row })
        })
        .collect();
    let document = json!({
        "conforms": report.conforms(),
        "summary": {
            "files": report.files,
            "triples": report.triples,
            "syntaxErrors": report.syntax.len(),
            "shapeViolations": report.shapes.len(),
            "checkViolations": report.checks.len(),
            "text": report.summary(),
        },
        "syntaxErrors": syntax,
        "shapeViolations": shapes,
        "checkViolations": checks,
    });
    // Written as text so a closed pipe is an io::Error (quiet), not a serde one.
    let text = serde_json::to_string_pretty(&document)?;
    writeln!(out, "{text}")?;
    Ok(())
}

/// A SHACL validation report (`sh:ValidationReport`), which any SHACL tool
/// reads; check rows are `sh:ValidationResult`s whose source shape is the
/// stored query (`mkq:<name>`) and component `sh:SPARQLConstraintComponent`;
/// syntax errors, which SHACL has no term for, are `mk:SyntaxError` nodes.
fn write_rdf(report: &Report, format: RdfFormat, out: &mut impl Write) -> Result<()> {
    let sh = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::SH));
    let mk = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::MK));
    let rdf_type = NamedNode::new_unchecked(vocab::RDF_TYPE);
    let mut quads = Vec::new();
    let mut add = |s: &NamedOrBlankNode, p: NamedNode, o: Term| {
        quads.push(Quad::new(s.clone(), p, o, GraphName::DefaultGraph));
    };
    let root: NamedOrBlankNode = BlankNode::new_unchecked("report").into();
    add(&root, rdf_type.clone(), sh("ValidationReport").into());
    add(
        &root,
        sh("conforms"),
        Literal::from(report.conforms()).into(),
    );
    let results = report.shapes.iter().map(|v| {
        (
            v.focus.clone(),
            v.path.clone(),
            v.value.clone(),
            v.message.clone(),
            v.shape.clone().map(Term::from),
            NamedNode::new_unchecked(&v.component),
        )
    });
    let checks = report.checks.iter().map(|v| {
        (
            check_focus(&v.row)
                .cloned()
                .unwrap_or_else(|| root.clone().into()),
            None,
            None,
            format!("{}: {}", v.title, check_row_text(&v.row)),
            Some(NamedNode::new_unchecked(format!("{}{}", vocab::MKQ, v.check)).into()),
            sh("SPARQLConstraintComponent"),
        )
    });
    for (index, (focus, path, value, message, shape, component)) in
        results.chain(checks).enumerate()
    {
        let node: NamedOrBlankNode = BlankNode::new_unchecked(format!("r{}", index + 1)).into();
        add(&root, sh("result"), node.clone().into());
        add(&node, rdf_type.clone(), sh("ValidationResult").into());
        add(&node, sh("focusNode"), focus);
        if let Some(path) = path {
            add_path(&mut add, &node, &path, index);
        }
        if let Some(value) = value {
            add(&node, sh("value"), value);
        }
        add(
            &node,
            sh("resultMessage"),
            Literal::new_simple_literal(message).into(),
        );
        if let Some(shape) = shape {
            add(&node, sh("sourceShape"), shape);
        }
        add(&node, sh("sourceConstraintComponent"), component.into());
        add(&node, sh("resultSeverity"), sh("Violation").into());
    }
    for (index, error) in report.syntax.iter().enumerate() {
        let node: NamedOrBlankNode = BlankNode::new_unchecked(format!("e{}", index + 1)).into();
        add(&root, mk("syntaxError"), node.clone().into());
        add(&node, rdf_type.clone(), mk("SyntaxError").into());
        add(
            &node,
            mk("file"),
            Literal::new_simple_literal(&error.file).into(),
        );
        if let (Some(line), Some(column)) = (error.line, error.column) {
            add(&node, mk("line"), Literal::from(line as i64).into());
            add(&node, mk("column"), Literal::from(column as i64).into());
        }
        add(
            &node,
            sh("resultMessage"),
            Literal::new_simple_literal(&error.message).into(),
        );
    }
    format::write_quads(quads, format, out)
}

/// Writes a result path given as SPARQL path text (`mk:p` or `^mk:p`) back
/// as a SHACL path.
fn add_path(
    add: &mut impl FnMut(&NamedOrBlankNode, NamedNode, Term),
    node: &NamedOrBlankNode,
    path: &str,
    index: usize,
) {
    let sh = |local: &str| NamedNode::new_unchecked(format!("{}{local}", vocab::SH));
    let iri = |text: &str| vocab::iri_from_text(text).map(NamedNode::new_unchecked);
    match path.strip_prefix('^') {
        Some(inner) => {
            if let Some(property) = iri(inner) {
                let inverse: NamedOrBlankNode =
                    BlankNode::new_unchecked(format!("p{}", index + 1)).into();
                add(node, sh("resultPath"), inverse.clone().into());
                add(&inverse, sh("inversePath"), property.into());
            }
        }
        None => {
            if let Some(property) = iri(path) {
                add(node, sh("resultPath"), property.into());
            }
        }
    }
}
