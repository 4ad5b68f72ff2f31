//! The graph served to an assistant over the Model Context Protocol, with
//! rmcp (the protocol's own Rust SDK) speaking the protocol: one
//! [`Server`], over stdin and stdout for `missions-kg mcp`
//! (`commands/mcp.rs`, lines bounded in `transport.rs`) and over the
//! streamable HTTP transport at `/mcp` for `serve --mcp` (`http.rs`, mounted
//! by `server.rs`).
//!
//! The tools (`tools.rs`): each stored query, `sparql`, `describe`, `why`
//! and `search`, each answering JSON (`answers.rs`) and a short line. The
//! resources: the ontology, the articles, the stored queries. The graph is
//! the one the caller opened (`Graph::open`: built-in, `--data`, `--store`
//! or `--endpoint`); each call runs off the async threads, in one of the
//! caller's slots (at most [`MAX_QUEUED`] waiting), within a budget of its
//! own (the timeout, the `--memory` ceiling, SERVICE always refused), so a
//! call past a limit is an error answer and the server goes on.

pub mod answers;
mod http;
mod tools;
pub mod transport;

pub use http::service;

use crate::graph::Graph;
use crate::guard::budget::{Budget, Service};
use crate::guard::error::{self, Failure, Kind};
use crate::provenance::evidence::Articles;
use crate::sparql::catalog::{Catalog, StoredQuery};
use crate::sparql::{self, Form};
use answers::{Answer, Window};
use anyhow::Result;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    Implementation, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::{RequestContext, ServerInitializeError};
use rmcp::{RoleServer, ServerHandler, ServiceExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tools::{Call, Tools};

/// Tool calls `missions-kg mcp` runs at once; more wait for a slot (a
/// client flooding the server with calls queues them instead of starting
/// a thread each). `serve --mcp` shares `--max-queries`' slots instead.
pub const MAX_CALLS: usize = 4;

/// Calls that may wait for a slot; past them, a call is refused at once.
pub const MAX_QUEUED: usize = 64;

/// How long past its timeout a call is waited for before its answer says
/// it timed out (its work is cancelled then, and stops at its next look).
const GRACE: Duration = Duration::from_millis(500);

/// A call's limits: its time, the process's heap ceiling, and the slots
/// calls run in (the caller's: `serve`'s queries share them).
pub struct Limits {
    pub timeout: Duration,
    pub memory: u64,
    pub slots: Arc<Semaphore>,
}

impl Server {
    /// The server of `graph` (and the texts of `articles`), its pages of
    /// labels in `lang`.
    pub fn new(
        graph: Graph,
        articles: Option<Articles>,
        lang: Option<String>,
        limits: Limits,
    ) -> Result<Self> {
        Ok(Self(Arc::new(State {
            graph,
            articles,
            tools: Tools::new(Catalog::embedded()?),
            timeout: limits.timeout,
            memory: limits.memory,
            lang,
            slots: limits.slots,
            queue: Arc::new(Semaphore::new(MAX_QUEUED)),
        })))
    }

    /// Serves one client on stdin and stdout until it leaves.
    pub async fn over_stdio(self) -> Result<()> {
        let lines = transport::Lines::new(tokio::io::stdin(), tokio::io::stdout());
        let running = match self.serve(lines).await {
            Ok(running) => running,
            // The client left before it said anything: nothing to serve.
            Err(ServerInitializeError::ConnectionClosed(_)) => return Ok(()),
            Err(e) => {
                let message = format!("the MCP session did not open: {e}");
                return Err(Failure::new(Kind::Input, message).into());
            }
        };
        running
            .waiting()
            .await
            .map_err(|e| Failure::new(Kind::Internal, format!("the MCP session failed: {e}")))?;
        Ok(())
    }
}

/// What every call reads.
struct State {
    graph: Graph,
    articles: Option<Articles>,
    tools: Tools,
    timeout: Duration,
    memory: u64,
    lang: Option<String>,
    slots: Arc<Semaphore>,
    queue: Arc<Semaphore>,
}

/// The MCP server: cheap to clone (the HTTP transport makes one per
/// request), every clone sharing the same graph, tools and slots.
#[derive(Clone)]
pub struct Server(Arc<State>);

impl Server {
    /// Runs `work` off the async threads, in a slot, within a budget of
    /// its own; past the timeout (and a grace) the work is cancelled and
    /// the answer is the timeout's error.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&State, &Budget) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        // A client sending calls faster than they end is told so past
        // MAX_QUEUED waiting, rather than holding ever more of them.
        let Ok(queued) = self.0.queue.clone().try_acquire_owned() else {
            return Err(Failure::new(
                Kind::Refused,
                format!(
                    "the server is busy: {MAX_QUEUED} calls are waiting; try again when some end"
                ),
            )
            .into());
        };
        // The wait for a slot counts against the call's time: no call,
        // however many are ahead of it, is answered later than its timeout
        // (and the grace) after it arrived.
        let started = tokio::time::Instant::now();
        let permit =
            match tokio::time::timeout(self.0.timeout, self.0.slots.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => return Err(Failure::new(Kind::Internal, "the server is stopping").into()),
                Err(_) => {
                    return Err(Failure::new(
                        Kind::Refused,
                        format!(
                            "the server is busy: no call ended within this call's timeout ({} s) to make room for it; try again",
                            self.0.timeout.as_secs_f64()
                        ),
                    )
                    .into())
                }
            };
        drop(queued);
        let left = self.0.timeout.saturating_sub(started.elapsed());
        let budget = Budget::for_request(self.0.timeout, self.0.memory, Service::Never);
        let (state, watched) = (self.0.clone(), budget.clone());
        // Dropped with this future when the client cancels the call: the
        // work is cancelled then, instead of running for nobody.
        let mut abandon = CancelOnDrop(Some(budget.clone()));
        let task = tokio::task::spawn_blocking(move || {
            let outcome = crate::guard::budget::catch_cancellation(|| work(&state, &watched))
                .map_err(|e| watched.explain_stop(e));
            drop(permit);
            outcome
        });
        let ended = tokio::time::timeout(left + GRACE, task).await;
        abandon.0 = None;
        match ended {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(Failure::new(
                Kind::Internal,
                "the call failed unexpectedly (a bug: please report it with the call)",
            )
            .into()),
            Err(_) => {
                budget.cancel();
                Err(Failure::new(
                    Kind::TimedOut,
                    format!(
                        "the call timed out after {} s (the server's --timeout)",
                        self.0.timeout.as_secs_f64()
                    ),
                )
                .into())
            }
        }
    }
}

/// Cancels a call's budget when dropped armed.
struct CancelOnDrop(Option<Budget>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(budget) = self.0.take() {
            budget.cancel();
        }
    }
}

impl State {
    /// Runs one decoded call.
    fn answer(&self, call: Call, budget: &Budget) -> Result<Answer> {
        match call {
            Call::Stored {
                query,
                params,
                window,
            } => {
                let origin = format!("'{}'", query.name);
                let prepared = self.prepare(&query.sparql, &origin, Some(&query), &params)?;
                // Each row with the facts it rests on, their articles and
                // passages, where they can be traced: a remote graph's
                // answers cannot, nor a CONSTRUCT's (its triples are facts).
                match self.stated(prepared, window, budget)? {
                    Ok(answer) => Ok(answer),
                    Err(prepared) => {
                        let results = prepared.execute(&self.graph, budget)?;
                        answers::results(results, window, |_, _| {})
                    }
                }
            }
            Call::Sparql {
                text,
                window,
                facts: true,
            } => {
                let prepared = self.prepare(&text, "in the call", None, &[])?;
                self.stated(prepared, window, budget)?.map_err(|_| {
                    Failure::usage(
                        "facts are listed for a SELECT's or an ASK's rows in a local graph; run it without facts",
                    )
                    .into()
                })
            }
            Call::Sparql {
                text,
                window,
                facts: false,
            } => {
                let results = self
                    .prepare(&text, "in the call", None, &[])?
                    .execute(&self.graph, budget)?;
                answers::results(results, window, |_, _| {})
            }
            Call::Describe { entity, window } => {
                let node = crate::graph::entity::resolve(&self.graph, &entity)?;
                let mut view = crate::view::entity::EntityView::compute(
                    &self.graph,
                    node.as_ref(),
                    self.lang.as_deref(),
                    budget,
                )?;
                budget.check("describe")?;
                view.add_evidence(&self.graph, self.articles.as_ref())?;
                Ok(answers::entity(&view, window))
            }
            Call::Why {
                query,
                params,
                window,
            } => {
                let stored = Catalog::embedded_query(&query)?;
                let (text, origin) = match &stored {
                    Some(stored) => (stored.sparql.clone(), format!("'{}'", stored.name)),
                    None => (query, "in the call".to_owned()),
                };
                if self.graph.is_remote() {
                    return Err(Failure::usage(
                        "why traces answers in a local graph; this server reads a remote SPARQL endpoint, whose answers cannot be traced",
                    )
                    .into());
                }
                let prepared = self.prepare(&text, &origin, stored.as_ref(), &params)?;
                if !matches!(prepared.form(), Form::Select | Form::Ask) {
                    return Err(Failure::usage(
                        "why lists the supports of a SELECT's or an ASK's answers; run a CONSTRUCT or DESCRIBE with the sparql tool",
                    )
                    .into());
                }
                self.traced(prepared, window, budget)
            }
            Call::Search { text, limit } => {
                answers::search(&self.graph, &text, limit, self.lang.as_deref(), budget)
            }
        }
    }

    /// Parses `text` and binds `params` as the command line binds them.
    fn prepare(
        &self,
        text: &str,
        origin: &str,
        stored: Option<&StoredQuery>,
        params: &[(String, String)],
    ) -> Result<sparql::Prepared> {
        let mut prepared = sparql::prepare(text, origin)?;
        if stored.is_some() || !params.is_empty() {
            for (variable, value) in sparql::bindings(&self.graph, stored, params, "parameter")? {
                prepared = prepared.bind(variable, value);
            }
        }
        Ok(prepared)
    }

    /// `prepared`'s rows, each with the facts it rests on and their
    /// passages (`Prepared::answers_stated`); `prepared` back when they
    /// cannot be listed: a remote graph, or a CONSTRUCT or DESCRIBE.
    fn stated(
        &self,
        prepared: sparql::Prepared,
        window: Window,
        budget: &Budget,
    ) -> Result<Result<Answer, sparql::Prepared>> {
        if self.graph.is_remote() || !matches!(prepared.form(), Form::Select | Form::Ask) {
            return Ok(Err(prepared));
        }
        let (results, facts) =
            prepared.answers_stated(&self.graph, budget, self.articles.as_ref())?;
        answers::with_facts(results, &facts, window, false).map(Ok)
    }

    /// `prepared`'s answers, each row with its supports and the facts it
    /// rests on (`query --why --evidence`).
    fn traced(
        &self,
        prepared: sparql::Prepared,
        window: Window,
        budget: &Budget,
    ) -> Result<Answer> {
        let (results, facts) =
            prepared.trace_stated(&self.graph, budget, self.articles.as_ref())?;
        answers::with_facts(results, &facts, window, true)
    }
}

/// A call's error, by its kind: what the caller can act on (a bad value, a
/// name that matches nothing or several things, an update, a limit) is a
/// tool error the assistant reads; a fault of the server is a JSON-RPC
/// internal error.
fn failed(error: &anyhow::Error) -> Result<CallToolResult, ErrorData> {
    let message = error::show(error);
    let kind = error::kind(error);
    let word = match kind {
        Some(Kind::Usage) => "usage",
        Some(Kind::NotFound) => "not-found",
        Some(Kind::Refused) => "refused",
        Some(Kind::ReadOnly) => "read-only",
        Some(Kind::TooLarge) => "too-large",
        Some(Kind::TimedOut) => "timed-out",
        Some(Kind::Exhausted) => "exhausted",
        Some(Kind::Syntax) => "syntax",
        Some(Kind::Input) => "input",
        Some(Kind::Query) => "query",
        Some(Kind::Format) => "format",
        Some(Kind::Remote) => "remote",
        Some(Kind::Check) => "check",
        Some(Kind::Output | Kind::Damaged | Kind::Internal) | None => {
            return Err(ErrorData::internal_error(message, None))
        }
    };
    let candidates = Failure::of(error).map_or(&[][..], |f| f.candidates.as_slice());
    let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
        "error ({word}): {message}"
    ))]);
    result.structured_content = Some(json!({
        "error": {"kind": word, "message": message, "candidates": candidates}
    }));
    Ok(result)
}

/// An answer as a tool result: the JSON as structured content, and as
/// text after the short line (for clients that show only text).
fn succeeded(answer: Answer) -> CallToolResult {
    let mut result = CallToolResult::success(vec![
        ContentBlock::text(answer.summary),
        ContentBlock::text(answer.content.to_string()),
    ]);
    result.structured_content = Some(answer.content);
    result
}

/// The resources, by URI: (name, title, description, media type).
const RESOURCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "missions-kg://ontology",
        "ontology",
        "The ontology",
        "The vocabulary of the graph (classes and properties with their labels in French and English), as Turtle.",
        "text/turtle",
    ),
    (
        "missions-kg://articles",
        "articles",
        "The articles",
        "The source articles every fact comes from: IRI, title, outlet, dating, file name and SHA-256 checksum.",
        "application/json",
    ),
    (
        "missions-kg://queries",
        "queries",
        "The stored queries",
        "Every stored query: name (also its tool's), title, description, parameters and an example.",
        "application/json",
    ),
];

/// The articles with what is known of them, for `missions-kg://articles`.
const ARTICLES: &str =
    "SELECT ?article ?title ?outlet ?earliest ?probable ?latest ?file ?sha256 WHERE {
  ?article a mk:Article .
  OPTIONAL { ?article rdfs:label ?title FILTER(LANGMATCHES(LANG(?title), \"en\")) }
  OPTIONAL { ?article schema:publisher ?outlet }
  OPTIONAL { ?article mk:earliestDate ?earliest }
  OPTIONAL { ?article mk:probableDate ?probable }
  OPTIONAL { ?article mk:latestDate ?latest }
  OPTIONAL { ?article mk:fileName ?file }
  OPTIONAL { ?article mk:sha256 ?sha256 }
} ORDER BY ?article";

impl State {
    fn resource(&self, uri: &str, budget: &Budget) -> Result<Option<String>> {
        Ok(Some(match uri {
            "missions-kg://ontology" => {
                let texts: Vec<&str> = crate::graph::embedded::ONTOLOGY
                    .iter()
                    .map(|(_, text)| *text)
                    .collect();
                texts.join("\n")
            }
            "missions-kg://articles" => {
                let results =
                    sparql::prepare(ARTICLES, "'articles'")?.execute(&self.graph, budget)?;
                let answer = answers::results(
                    results,
                    Window {
                        offset: 0,
                        limit: answers::MAX_ROWS,
                    },
                    |_, _| {},
                )?;
                // Plain values: each article is a small object.
                let rows = answer.content["rows"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let articles: Vec<Value> = rows
                    .iter()
                    .map(|row| {
                        let fields = row.as_object().into_iter().flatten();
                        Value::Object(
                            fields
                                .map(|(k, v)| (k.clone(), v["value"].clone()))
                                .collect(),
                        )
                    })
                    .collect();
                json!({ "articles": articles }).to_string()
            }
            "missions-kg://queries" => {
                let queries: Vec<Value> = Catalog::embedded()?
                    .queries
                    .iter()
                    .map(|query| {
                        let params: Vec<Value> = query
                            .params
                            .iter()
                            .map(|p| {
                                json!({
                                    "name": p.name,
                                    "type": p.kind.to_string(),
                                    "required": p.required,
                                    "description": p.description,
                                })
                            })
                            .collect();
                        json!({
                            "name": query.name,
                            "title": query.title,
                            "description": query.description,
                            "check": query.is_check(),
                            "params": params,
                            "example": query.example,
                        })
                    })
                    .collect();
                json!({ "queries": queries }).to_string()
            }
            _ => return Ok(None),
        }))
    }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new(
            "missions-kg",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(
            "A sourced knowledge graph of the French TV series Missions (OCS, 2017), built from four press \
             articles. Every fact stays traceable to the articles that state it: cite them. Start with `search` \
             or `describe` for a person, character or the series; the stored-query tools answer common questions \
             (cast, creators, disagreements between articles…); `why` says which articles an answer rests on; \
             `sparql` runs any read-only query. Long answers come in pages (`offset`).",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.0.tools.list.clone()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let call = self
            .0
            .tools
            .decode(&request.name, request.arguments.unwrap_or_default())?;
        let work = self.run(move |state, budget| state.answer(call, budget));
        let outcome = tokio::select! {
            outcome = work => outcome,
            () = context.ct.cancelled() => Err(Failure::new(Kind::Refused, "the call was cancelled").into()),
        };
        match outcome {
            Ok(answer) => Ok(succeeded(answer).into()),
            Err(error) => Ok(failed(&error)?.into()),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let resources = RESOURCES
            .iter()
            .map(|(uri, name, title, description, media)| {
                Resource::new(*uri, *name)
                    .with_title(*title)
                    .with_description(*description)
                    .with_mime_type(*media)
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.clone();
        let Some((_, _, _, _, media)) = RESOURCES.iter().find(|r| r.0 == uri) else {
            return Err(ErrorData::resource_not_found(
                format!(
                    "no resource '{}': resources/list names them",
                    error::one_line(&uri, 80)
                ),
                None,
            ));
        };
        let read = uri.clone();
        match self
            .run(move |state, budget| state.resource(&read, budget))
            .await
        {
            Ok(Some(text)) => Ok(ReadResourceResult::new(vec![
                ResourceContents::text(text, uri).with_mime_type(*media)
            ])
            .into()),
            Ok(None) => Err(ErrorData::resource_not_found("no such resource", None)),
            Err(error) => Err(ErrorData::internal_error(error::show(&error), None)),
        }
    }
}
