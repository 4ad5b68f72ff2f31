//! Build script: embeds the knowledge graph in the binary.
//!
//! It scans `ontology/`, `data/` and `queries/` (recursively, sorted so the
//! generated list is the same on every machine) and writes
//! `$OUT_DIR/embedded.rs`, a list of `(relative path, include_str!(..))`
//! pairs per folder that `src/embedded.rs` includes, and `SHAPES`, the SHACL
//! shapes (`ontology/shapes.ttl`), apart from the ontology they check. A missing folder yields an
//! empty list, so the crate builds before any data exists.
//!
//! It also writes `INDEX`: the built-in graph parsed, interned and sorted
//! here, once, as static arrays, so a run on the built-in graph parses
//! nothing (see `dataset::StaticIndex`). It follows the run-time loader
//! step by step (file order, the ontology's graph, the order terms are
//! first met, the merged view), and a unit test checks that both build
//! the very same dataset. Data it cannot index that way (blank nodes,
//! which the loader renames per file; RDF/XML, JSON-LD; a syntax error)
//! gives `INDEX = None`, and the loader parses the files at run time.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// The SHACL shapes file, embedded on its own as `SHAPES`, not in `ONTOLOGY`.
const SHAPES: &str = "ontology/shapes.ttl";

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut out = String::new();
    let (mut ontology, mut data) = (Vec::new(), Vec::new());
    for (name, folder) in [
        ("ONTOLOGY", "ontology"),
        ("DATA", "data"),
        ("QUERIES", "queries"),
    ] {
        // A directory given to rerun-if-changed is scanned as a whole by
        // cargo, so added and removed files trigger a rebuild too.
        println!("cargo::rerun-if-changed={folder}");
        let mut files = Vec::new();
        collect(&root.join(folder), &mut files);
        // The SHACL shapes describe the data rather than being part of it.
        files.retain(|file| file != &root.join(SHAPES));
        files.sort();
        match folder {
            "ontology" => ontology = files.clone(),
            "data" => data = files.clone(),
            _ => {}
        }
        writeln!(out, "pub static {name}: &[(&str, &str)] = &[").unwrap();
        for file in files {
            let relative = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .to_string_lossy()
                .replace('\\', "/");
            writeln!(
                out,
                "    ({relative:?}, include_str!({:?})),",
                file.to_string_lossy()
            )
            .unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let shapes = root.join(SHAPES);
    if shapes.is_file() {
        writeln!(
            out,
            "pub static SHAPES: (&str, &str) = ({SHAPES:?}, include_str!({:?}));",
            shapes.to_string_lossy()
        )
        .unwrap();
    } else {
        writeln!(out, "pub static SHAPES: (&str, &str) = ({SHAPES:?}, \"\");").unwrap();
    }
    index::write(&mut out, &ontology, &data);
    compact_relocations();
    let target = PathBuf::from(env::var("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    fs::write(target, out).expect("OUT_DIR is writable");
}

/// Links the binary with packed relative relocations (`-z
/// pack-relative-relocs`, glibc 2.36 and binutils 2.38 on): the dynamic
/// loader then reads a few kilobytes of relocations at every start instead
/// of 700, which took a tenth of a stored query's run and a megabyte of its
/// memory (README, "Speed"). Only where a test program linked with the flag
/// is built and runs, so an older system still builds as before.
fn compact_relocations() {
    const FLAG: &str = "-Wl,-z,pack-relative-relocs";
    let target = env::var("TARGET").unwrap_or_default();
    if !target.ends_with("linux-gnu") || env::var("HOST").ok().as_deref() != Some(&target) {
        return;
    }
    let Ok(out_dir) = env::var("OUT_DIR") else {
        return;
    };
    let program = Path::new(&out_dir).join("relr-probe");
    let source = Path::new(&out_dir).join("relr-probe.c");
    if fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return;
    }
    let linker = env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_owned());
    let built = std::process::Command::new(&linker)
        .args(["-pie", "-fPIE", FLAG, "-o"])
        .arg(&program)
        .arg(&source)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let runs = built
        && std::process::Command::new(&program)
            .status()
            .is_ok_and(|status| status.success());
    if runs {
        println!("cargo::rustc-link-arg-bins={FLAG}");
    }
}

/// Pushes every regular file below `dir` whose name does not start with a dot.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else if path.is_file() && is_embedded(&path) {
            files.push(path);
        }
    }
}

/// Only RDF and SPARQL files are embedded: a README or an editor backup in one
/// of the folders must not end up in the binary (or break `include_str!`).
fn is_embedded(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ttl" | "trig" | "nt" | "nq" | "rdf" | "owl" | "jsonld" | "rq")
    )
}

/// The compile-time index of the built-in graph (see the module doc).
mod index {
    use oxrdf::vocab::xsd;
    use oxrdf::{GraphName, NamedNode, NamedOrBlankNode, Quad, Term};
    use oxttl::{NQuadsParser, NTriplesParser, TriGParser, TurtleParser};
    use std::collections::HashMap;
    use std::fmt::Write as _;
    use std::fs;
    use std::path::PathBuf;

    /// The graph the ontology's triples go to (`vocab::graph("ontology")`).
    const ONTOLOGY_GRAPH: &str = "https://w3id.org/missions-kg/graph/ontology";
    /// The default graph's id in the graph position (`dataset::DEFAULT_GRAPH`).
    const DEFAULT: u32 = u32::MAX;

    /// Appends `INDEX` to the generated file.
    pub fn write(out: &mut String, ontology: &[PathBuf], data: &[PathBuf]) {
        let files = ontology
            .iter()
            .map(|path| (path, true))
            .chain(data.iter().map(|path| (path, false)));
        match build(files) {
            Ok(index) => out.push_str(&index),
            Err(why) => {
                println!("cargo::warning=the built-in graph is parsed at run time: {why}");
                out.push_str(
                    "pub static INDEX: Option<crate::graph::dataset::StaticIndex> = None;\n",
                );
            }
        }
    }

    #[derive(Default)]
    struct Builder {
        terms: Vec<Term>,
        ids: HashMap<Term, u32>,
        rows: Vec<[u32; 4]>,
    }

    impl Builder {
        fn intern(&mut self, term: Term) -> Result<u32, String> {
            if let Some(&id) = self.ids.get(&term) {
                return Ok(id);
            }
            // Without oxrdf's `rdf-12` feature here, triple terms and
            // directional literals are syntax errors.
            if let Term::BlankNode(_) = term {
                return Err("a blank node".into());
            }
            let id = u32::try_from(self.terms.len()).map_err(|_| "too many terms")?;
            self.ids.insert(term.clone(), id);
            self.terms.push(term);
            Ok(id)
        }

        /// As `DatasetBuilder::insert`: the graph first, then s, p, o.
        fn insert(&mut self, quad: Quad) -> Result<(), String> {
            let graph = match quad.graph_name {
                GraphName::DefaultGraph => DEFAULT,
                GraphName::NamedNode(node) => self.intern(node.into())?,
                GraphName::BlankNode(_) => return Err("a blank node".into()),
            };
            let subject = match quad.subject {
                NamedOrBlankNode::NamedNode(node) => self.intern(node.into())?,
                NamedOrBlankNode::BlankNode(_) => return Err("a blank node".into()),
            };
            let row = [
                subject,
                self.intern(quad.predicate.into())?,
                self.intern(quad.object)?,
                graph,
            ];
            self.rows.push(row);
            Ok(())
        }
    }

    fn parse(path: &PathBuf, ontology: bool, builder: &mut Builder) -> Result<(), String> {
        let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.display();
        // Triples of the ontology's Turtle go to its graph, as at run time.
        let graph: GraphName = if ontology {
            NamedNode::new_unchecked(ONTOLOGY_GRAPH).into()
        } else {
            GraphName::DefaultGraph
        };
        let quads: Vec<Quad> = match path.extension().and_then(|e| e.to_str()) {
            Some("trig") => TriGParser::new()
                .for_slice(&bytes)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name}: {e}"))?,
            Some("nq") => NQuadsParser::new()
                .for_slice(&bytes)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name}: {e}"))?,
            Some("ttl") => TurtleParser::new()
                .for_slice(&bytes)
                .map(|t| t.map(|t| t.in_graph(graph.clone())))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name}: {e}"))?,
            Some("nt") => NTriplesParser::new()
                .for_slice(&bytes)
                .map(|t| t.map(|t| t.in_graph(graph.clone())))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{name}: {e}"))?,
            _ => return Err(format!("{name} is not Turtle, TriG, N-Triples or N-Quads")),
        };
        for quad in quads {
            builder
                .insert(quad)
                .map_err(|what| format!("{name} holds {what}"))?;
        }
        Ok(())
    }

    /// A term's kind (`dataset::StaticTerm::kind`) and its one or two
    /// strings; the kind comes first in the sort key.
    fn parts(term: &Term) -> (u8, &str, &str) {
        match term {
            Term::NamedNode(node) => (0, node.as_str(), ""),
            Term::Literal(literal) => {
                let value = literal.value();
                if let Some(language) = literal.language() {
                    (3, value, language)
                } else if literal.datatype() == xsd::STRING {
                    (2, value, "")
                } else {
                    (4, value, literal.datatype().as_str())
                }
            }
            // Refused by `intern`.
            Term::BlankNode(_) => unreachable!("not interned"),
        }
    }

    fn build<'a>(files: impl Iterator<Item = (&'a PathBuf, bool)>) -> Result<String, String> {
        let mut builder = Builder::default();
        for (path, ontology) in files {
            parse(path, ontology, &mut builder)?;
        }
        // The merged view, as `DatasetBuilder::merge_named_graphs_into_default`.
        let copies: Vec<[u32; 4]> = builder
            .rows
            .iter()
            .filter(|row| row[3] != DEFAULT)
            .map(|&[s, p, o, _]| [s, p, o, DEFAULT])
            .collect();
        let mut spog = builder.rows;
        spog.extend(copies);
        spog.sort_unstable();
        spog.dedup();
        // As `Order::permute`.
        let sorted = |permute: fn([u32; 4]) -> [u32; 4]| {
            let mut rows: Vec<[u32; 4]> = spog.iter().map(|&row| permute(row)).collect();
            rows.sort_unstable();
            rows
        };
        let posg = sorted(|[s, p, o, g]| [p, o, s, g]);
        let ospg = sorted(|[s, p, o, g]| [o, s, p, g]);
        let gspo = sorted(|[s, p, o, g]| [g, s, p, o]);
        let terms: Vec<(u8, &str, &str)> = builder.terms.iter().map(parts).collect();
        let mut by_term: Vec<u32> = (0..terms.len() as u32).collect();
        by_term.sort_unstable_by_key(|&id| terms[id as usize]);

        // All the text in one string, each term a kind and three offsets
        // into it: no pointer per term, so nothing for the dynamic loader
        // to relocate at start-up.
        let mut text = String::new();
        let mut table = String::new();
        for (kind, first, second) in &terms {
            let start = text.len();
            text.push_str(first);
            let split = text.len();
            text.push_str(second);
            write!(
                table,
                "T{{kind:{kind},start:{start},split:{split},end:{}}},",
                text.len()
            )
            .unwrap();
        }
        u32::try_from(text.len()).map_err(|_| "more than 4 GiB of text")?;

        let mut out = String::new();
        out.push_str("pub static INDEX: Option<crate::graph::dataset::StaticIndex> = {\n");
        out.push_str("    use crate::graph::dataset::StaticTerm as T;\n");
        out.push_str("    Some(crate::graph::dataset::StaticIndex {\n");
        writeln!(out, "        text: {text:?},").unwrap();
        writeln!(out, "        terms: &[{table}],").unwrap();
        out.push_str("        by_term: &[");
        for id in by_term {
            write!(out, "{id},").unwrap();
        }
        out.push_str("],\n");
        for (name, rows) in [
            ("spog", &spog),
            ("posg", &posg),
            ("ospg", &ospg),
            ("gspo", &gspo),
        ] {
            write!(out, "        {name}: &[").unwrap();
            for [a, b, c, d] in rows {
                write!(out, "[{a},{b},{c},{d}],").unwrap();
            }
            out.push_str("],\n");
        }
        out.push_str("    })\n};\n");
        Ok(out)
    }
}
