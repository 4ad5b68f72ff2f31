//! The knowledge graph, opened once behind one type: every command and the
//! server read it through [`Graph`], and nothing else names the storage.
//!
//! Three backends: the in-memory [`Dataset`] the loader builds, the
//! on-disk [`Store`] (`--store`), and a remote engine (`--endpoint`); the
//! commands do not know which one they read. That is why every
//! read can fail (a disk or a network can) and why quads come out owned:
//! another backend has no terms to lend. A `Graph` is cheap to clone and
//! safe to share between threads (the server holds one for all requests).

use crate::config::Config;
use crate::graph::client::SparqlClient;
use crate::graph::dataset::Dataset;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};

use crate::graph::store::Store;
use anyhow::Result;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    Term, TermRef,
};
use oxigraph::sparql::{PreparedSparqlQuery, QueryEvaluationError, QueryResults};
use std::sync::Arc;

pub mod client;
pub mod dataset;
pub mod embedded;
pub mod entity;
pub mod federation;
pub mod iri;
pub mod labels;
pub mod loader;
mod remote;
pub mod store;

/// What a query answers: solutions (SELECT), a boolean (ASK) or a graph
/// (CONSTRUCT, DESCRIBE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answers {
    Solutions,
    Boolean,
    Graph,
}

/// The graph every command works on.
#[derive(Clone)]
pub struct Graph {
    backend: Arc<Backend>,
    /// Every label in the languages a server shows, read once
    /// ([`Graph::keep_labels`]); shared by the clones.
    kept: Arc<std::sync::OnceLock<Vec<labels::Kept>>>,
}

/// Where the quads live.
enum Backend {
    /// Parsed at start-up and indexed in memory (`dataset.rs`).
    Memory(Dataset),
    /// In HDT files on disk (`--store`, `store.rs`).
    Store(Box<Store>),
    /// In a remote SPARQL engine (`--endpoint`): every read is a query.
    Remote(SparqlClient),
}

/// Quads matching a pattern, each read possibly failing.
pub type Quads<'a> = Box<dyn Iterator<Item = Result<Quad>> + 'a>;

impl Graph {
    /// Opens the graph `config` describes (the embedded data and `--data`
    /// files), within `budget`.
    pub fn open(config: &Config, budget: &Budget) -> Result<Self> {
        if let Some(url) = &config.endpoint {
            // A protected endpoint's login comes from the netrc-style file,
            // by host (never the command line).
            let login = match crate::graph::client::netrc_credentials(url)? {
                Some((user, password)) if !crate::graph::client::has_credentials(url) => {
                    Some(crate::graph::client::Login { user, password })
                }
                _ => None,
            };
            let client = SparqlClient::new(url, config.endpoint_timeout)?;
            let client = client.with_login(login).with_pushed_dataset()?;
            return Ok(Self::remote(client));
        }
        if let Some(dir) = &config.store {
            budget.check("opening the store")?;
            return Ok(Self {
                backend: Arc::new(Backend::Store(Box::new(Store::open(dir)?))),
                kept: Arc::default(),
            });
        }
        Ok(Self::from_dataset(loader::load(config, budget)?))
    }

    /// Opens the graph `config` describes with the memory ceiling alone (the
    /// commands without `--timeout`).
    pub fn load(config: &Config) -> Result<Self> {
        Self::open(config, &Budget::new(config, None)?)
    }

    /// A graph over quads already in memory (`validate`, the tests).
    pub fn from_dataset(dataset: Dataset) -> Self {
        Self {
            backend: Arc::new(Backend::Memory(dataset)),
            kept: Arc::default(),
        }
    }

    /// The graph held by a remote SPARQL engine, read through its
    /// endpoint; nothing is loaded. Its default graph must be the merged
    /// view and each article a named graph (what `push` uploads).
    pub fn remote(client: SparqlClient) -> Self {
        Self {
            backend: Arc::new(Backend::Remote(client)),
            kept: Arc::default(),
        }
    }

    /// Reads every subject's label in each of `langs` once, and answers
    /// [`labels::label`] in those languages from them afterwards: for the
    /// server, whose graph does not change while it runs and whose pages
    /// look up hundreds of labels each. Not for a remote graph, which
    /// would be read whole for it.
    pub fn keep_labels(&self, langs: &[&str]) -> Result<()> {
        if self.is_remote() {
            return Ok(());
        }
        let kept = langs
            .iter()
            .map(|lang| labels::Kept::read(self, lang))
            .collect::<Result<Vec<_>>>()?;
        // Kept already: the same labels either way.
        let _ = self.kept.set(kept);
        Ok(())
    }

    /// The labels kept in `lang`, if they are.
    pub(crate) fn kept_labels(&self, lang: Option<&str>) -> Option<&labels::Kept> {
        let lang = lang?;
        self.kept.get()?.iter().find(|kept| kept.lang == lang)
    }

    /// Whether a remote engine holds the graph (`--endpoint`): what runs
    /// only on local data (`--why`) asks this.
    pub fn is_remote(&self) -> bool {
        matches!(&*self.backend, Backend::Remote(_))
    }

    /// Quads matching a pattern; `None` matches anything (for the graph:
    /// every graph, the default one included), as in Oxigraph's `Store`.
    pub fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph_name: Option<GraphNameRef<'_>>,
    ) -> Quads<'_> {
        match &*self.backend {
            Backend::Memory(dataset) => Box::new(
                dataset
                    .quads_for_pattern(subject, predicate, object, graph_name)
                    .map(|quad| Ok(quad.into_owned())),
            ),
            Backend::Store(store) => store.quads(subject, predicate, object, graph_name),
            Backend::Remote(client) => {
                match remote::quads(client, subject, predicate, object, graph_name) {
                    Ok(quads) => Box::new(quads.into_iter().map(Ok)),
                    Err(error) => Box::new(std::iter::once(Err(error))),
                }
            }
        }
    }

    /// A graph of the named graphs `keep` accepts (and, where it accepts
    /// `None`, the default graph's own triples: those of no named graph),
    /// with its merged view rebuilt from them: what a query sees when only
    /// some graphs are trusted (`provenance/trust.rs`) or a support is
    /// checked alone (`why`). A copy, in memory.
    pub fn restricted(
        &self,
        keep: &dyn Fn(Option<NamedOrBlankNodeRef<'_>>) -> bool,
    ) -> Result<Self> {
        // In memory: from the id arrays themselves (`dataset/restrict.rs`).
        if let Backend::Memory(dataset) = &*self.backend {
            return Ok(Self::from_dataset(dataset.restricted(keep)));
        }
        let mut builder = dataset::DatasetBuilder::default();
        for quad in self.quads(None, None, None, None) {
            let quad = quad?;
            match quad.graph_name.as_ref() {
                GraphNameRef::NamedNode(name) => {
                    if keep(Some(name.into())) {
                        builder.insert(quad);
                    }
                }
                GraphNameRef::BlankNode(name) => {
                    if keep(Some(name.into())) {
                        builder.insert(quad);
                    }
                }
                GraphNameRef::DefaultGraph => {
                    if !keep(None) {
                        continue;
                    }
                    let named = self
                        .quads(
                            Some(quad.subject.as_ref()),
                            Some(quad.predicate.as_ref()),
                            Some(quad.object.as_ref()),
                            None,
                        )
                        .filter(|q| q.as_ref().is_ok_and(|q| !q.graph_name.is_default_graph()))
                        .count();
                    if named == 0 {
                        builder.insert(quad);
                    }
                }
            }
        }
        builder.merge_named_graphs_into_default();
        Ok(Self::from_dataset(builder.build()))
    }

    /// Quads of the default graph matching a pattern, collected: for the
    /// small lookups of one entity.
    pub fn default_quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Quad>> {
        self.quads(subject, predicate, object, Some(GraphNameRef::DefaultGraph))
            .collect()
    }

    /// The objects of `subject`'s `predicate` in the default graph: what
    /// labels and class lookups need, without copying the rest of each
    /// quad.
    pub fn objects(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<Term>> {
        match &*self.backend {
            Backend::Memory(dataset) => Ok(dataset
                .quads_for_pattern(
                    Some(subject),
                    Some(predicate),
                    None,
                    Some(GraphNameRef::DefaultGraph),
                )
                .map(|quad| quad.object.into_owned())
                .collect()),
            Backend::Remote(_) | Backend::Store(_) => Ok(self
                .default_quads(Some(subject), Some(predicate), None)?
                .into_iter()
                .map(|quad| quad.object)
                .collect()),
        }
    }

    /// The named graphs stating a triple (its sources).
    pub fn graphs_stating(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
        object: TermRef<'_>,
    ) -> Result<Vec<NamedOrBlankNode>> {
        match &*self.backend {
            Backend::Memory(dataset) => Ok(dataset
                .quads_for_pattern(Some(subject), Some(predicate), Some(object), None)
                .filter_map(|quad| match quad.graph_name {
                    GraphNameRef::NamedNode(node) => Some(node.into_owned().into()),
                    GraphNameRef::BlankNode(node) => Some(node.into_owned().into()),
                    GraphNameRef::DefaultGraph => None,
                })
                .collect()),
            Backend::Remote(_) | Backend::Store(_) => self
                .quads(Some(subject), Some(predicate), Some(object), None)
                .filter_map(|quad| match quad {
                    Ok(quad) => match quad.graph_name {
                        GraphName::NamedNode(node) => Some(Ok(node.into())),
                        GraphName::BlankNode(node) => Some(Ok(node.into())),
                        GraphName::DefaultGraph => None,
                    },
                    Err(error) => Some(Err(error)),
                })
                .collect(),
        }
    }

    /// Every property used, each once.
    pub fn predicates(&self) -> Result<Vec<NamedNode>> {
        match &*self.backend {
            Backend::Memory(dataset) => {
                Ok(dataset.predicates().map(NamedNodeRef::into_owned).collect())
            }
            Backend::Store(store) => store.predicates(),
            Backend::Remote(client) => remote::predicates(client),
        }
    }

    /// The named graphs (those holding at least one quad).
    pub fn named_graphs(&self) -> Result<Vec<NamedOrBlankNode>> {
        match &*self.backend {
            Backend::Memory(dataset) => {
                Ok(dataset.named_graphs().map(|g| g.into_owned()).collect())
            }
            Backend::Store(store) => Ok(store.named_graphs()),
            Backend::Remote(client) => remote::named_graphs(client),
        }
    }

    /// Whether `graph` names a graph holding at least one quad.
    pub fn contains_named_graph(&self, graph: NamedOrBlankNodeRef<'_>) -> Result<bool> {
        match &*self.backend {
            Backend::Memory(dataset) => Ok(dataset.contains_named_graph(graph)),
            Backend::Store(store) => Ok(store.contains_named_graph(graph)),
            Backend::Remote(client) => remote::contains_named_graph(client, graph),
        }
    }

    /// Runs a query where the graph is: the local backends evaluate the
    /// parsed `query`; a remote engine is sent its `text` (made only then)
    /// and evaluates it under the client's own timeout, and an answer of
    /// another kind than `expected` is an error rather than "no data".
    pub fn run(
        &self,
        query: PreparedSparqlQuery,
        text: impl FnOnce() -> String,
        expected: Answers,
    ) -> Result<QueryResults<'_>> {
        let Backend::Remote(client) = &*self.backend else {
            return Ok(self.evaluate(query)?);
        };
        let results = client.query(&text(), expected == Answers::Graph)?;
        let fits = matches!(
            (expected, &results),
            (Answers::Solutions, QueryResults::Solutions(_))
                | (Answers::Boolean, QueryResults::Boolean(_))
                | (Answers::Graph, QueryResults::Graph(_))
        );
        if !fits {
            return Err(Failure::new(
                Kind::Remote,
                format!(
                    "endpoint {}: answered with the wrong kind of result ({} expected)",
                    client.shown_url(),
                    match expected {
                        Answers::Solutions => "solutions, for a SELECT",
                        Answers::Boolean => "a boolean, for an ASK",
                        Answers::Graph => "a graph, for a CONSTRUCT or DESCRIBE",
                    }
                ),
            )
            .into());
        }
        Ok(results)
    }

    /// Evaluates a prepared query on this graph (`sparql.rs` prepares it,
    /// with its cancellation token and service handler).
    pub fn evaluate(
        &self,
        query: PreparedSparqlQuery,
    ) -> Result<QueryResults<'_>, QueryEvaluationError> {
        match &*self.backend {
            Backend::Memory(dataset) => query.on_queryable_dataset(dataset).execute(),
            Backend::Store(store) => query.on_queryable_dataset(&**store).execute(),
            // `sparql::Prepared::execute` sends the text instead.
            Backend::Remote(client) => Err(QueryEvaluationError::Unexpected(
                format!(
                    "a parsed query cannot be sent to {}; send its text",
                    client.shown_url()
                )
                .into(),
            )),
        }
    }

    /// The dataset as `export --graph all` writes it: every named graph in
    /// full, plus the default-graph triples no named graph holds. Loading
    /// it again (which merges the named graphs into the default graph)
    /// rebuilds the same dataset; the merged view itself is not written,
    /// or each of its triples would come back twice. `check` is called
    /// every few thousand quads (a request's budget).
    pub fn dataset_quads(&self, check: &mut dyn FnMut() -> Result<()>) -> Result<Vec<Quad>> {
        let mut quads = Vec::new();
        for (seen, quad) in self.quads(None, None, None, None).enumerate() {
            if seen % 4096 == 0 {
                check()?;
            }
            let quad = quad?;
            if quad.graph_name.is_default_graph() {
                let mut stating = self.quads(
                    Some(quad.subject.as_ref()),
                    Some(quad.predicate.as_ref()),
                    Some(quad.object.as_ref()),
                    None,
                );
                let mut in_named_graph = false;
                for other in &mut stating {
                    if !other?.graph_name.is_default_graph() {
                        in_named_graph = true;
                        break;
                    }
                }
                if in_named_graph {
                    continue;
                }
            }
            quads.push(quad);
        }
        Ok(quads)
    }
}
