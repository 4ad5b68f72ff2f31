//! `missions-kg serve`: the graph on the web. One more caller of the same
//! library as the commands: the [`Graph`] opened once, the stored queries,
//! `sparql` to prepare and run, `format` to choose and write formats,
//! `view` for what a page shows. Errors become statuses in one table
//! (`http.rs`, by the error's kind).
//!
//! Routes (all read-only):
//! - `/sparql` (and `/query`, `/sparql/`): the SPARQL 1.1 Protocol, and the
//!   service description without a query (`protocol.rs`, `service.rs`);
//! - `/queries/NAME?param=…`: a stored query (`protocol.rs`); `/store`:
//!   the Graph Store Protocol, read-only, and the downloads (`store.rs`);
//! - the project's namespace (`/id/…`, `/source/…`, `/graph/…`, `/link/…`,
//!   `/ontology`): linked data, HTML or RDF by `Accept` or extension
//!   (`site.rs` maps IRIs to URLs, `linked_data.rs` renders, each page's
//!   passages in `passages.rs`; the ontology's documentation is
//!   `ontology.rs`); `/source/ARTICLE/text`, an article's text with its
//!   passages marked, with `--articles` (`reader.rs`);
//! - `/`, `/search`: pages (`pages.rs`); `/ui/query`, the query page
//!   (`query_page.rs`, results as a table in `results.rs`); `/timeline`
//!   (`timeline.rs`); `/assets/…` (`assets.rs`);
//! - `/health`, `/metrics` (`metrics.rs`);
//! - `/mcp`, with `--mcp`: the Model Context Protocol (`mcp.rs`);
//! - any error a browser meets is a page (`error_page.rs`).
//!
//! Queries run on tokio's blocking threads, each with its own [`Budget`]
//! whose cancellation token the shared watchdog cancels at the timeout;
//! the request is answered then (504) even if the work takes a moment to
//! notice. At most `--max-queries` run at once (more: 503 with
//! `Retry-After`), a slot being freed only when the work has really ended.
//! Connections are served by hyper directly, for its header read timeout
//! (a slow client cannot hold a connection), with at most
//! `--max-connections` at once; a client that stops reading its answer is
//! dropped, and SIGTERM lets requests in flight end (`listen.rs`).

mod assets;
mod cache;
mod client;
mod coalesce;
mod differences;
mod error_page;
mod http;
mod lang;
mod layout;
mod linked_data;
mod listen;
mod mcp;
mod metrics;
mod ontology;
mod pages;
mod passages;
mod protocol;
mod query_page;
mod reader;
mod results;
mod service;
mod site;
mod store;
mod timeline;

use crate::graph::Graph;
use crate::guard::budget::{Budget, Service};
use crate::guard::error::{Failure, Kind};
use crate::provenance::evidence::Articles;
use crate::sparql::catalog::Catalog;
use anyhow::Result;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use oxigraph::sparql::QueryEvaluationError;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;

pub use http::{accept, respond, timed_out, Answer, HttpError, Segment};
pub use site::Site;

/// What `serve` was asked for, resolved (`commands/serve.rs`).
pub struct Settings {
    pub bind: SocketAddr,
    /// `--public-url`, when the server is reached at another address.
    pub public_url: Option<String>,
    /// A query's timeout.
    pub timeout: Duration,
    pub max_queries: usize,
    /// How many of those one client (one peer address) may run at once.
    pub max_queries_per_client: usize,
    pub max_body: usize,
    pub max_result: usize,
    pub max_connections: usize,
    /// The most bytes of kept answers (`--cache`); 0 keeps none.
    pub cache_bytes: u64,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// How long a client may read nothing of its answer (`listen.rs`).
    pub send_timeout: Duration,
    /// The process's heap ceiling (`--memory`).
    pub memory: u64,
    pub allow_service: bool,
    /// `--base`, for relative IRIs in queries; else the endpoint's URL.
    pub base: Option<String>,
    /// `--lang`: the pages' language when the request names none.
    pub lang: Option<String>,
    /// `--mcp`: serve the Model Context Protocol at `/mcp`.
    pub mcp: bool,
}

/// The longest query text accepted, in bytes (GET or POST); a longer one
/// is answered 414 (in the URL) or 413 (in a body).
pub use crate::guard::limits::MAX_QUERY_BYTES;
/// The longest request target (path and query string): 414 past it, with
/// a message. hyper itself answers a bare 414 past 64 KiB (the `http`
/// crate's limit on a URI) and 431 past [`MAX_HEAD_BYTES`].
pub const MAX_URI_BYTES: usize = 32 * 1024;
/// The most a request's line and headers may take (hyper's read buffer).
pub const MAX_HEAD_BYTES: usize = 256 * 1024;
/// How long a client may take to send a request's body (its headers:
/// `--header-timeout`).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request waits for a free query slot before its 503.
pub const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// How long a query's work gets after its timeout to notice the
/// cancellation before the request is answered without it.
const GRACE: Duration = Duration::from_millis(250);

/// What every request handler reads.
pub struct AppState {
    pub graph: Graph,
    /// The article texts (`--articles`), checked once: entity pages show
    /// each fact's passages from them, else their offsets.
    pub articles: Option<Articles>,
    pub catalog: Catalog,
    pub settings: Settings,
    pub site: Site,
    pub metrics: metrics::Metrics,
    /// Answers kept for identical requests (`cache.rs`).
    pub answers: cache::Answers,
    /// Identical requests being computed, waited for (`coalesce.rs`).
    flights: coalesce::Flights<cache::ForAll>,
    /// One permit per query allowed to run at once.
    slots: Arc<Semaphore>,
    /// Each client's share of them (`client.rs`).
    shares: client::Shares,
    /// Where the articles differ, computed once (`view/differences.rs`)
    /// and kept for the linked-data pages.
    pub differences: std::sync::OnceLock<Vec<crate::view::differences::Difference>>,
    /// Every fact's passages, read once by the first entity page
    /// (`evidence::Index`); `None` where they are read page by page.
    evidence: std::sync::OnceLock<Option<crate::provenance::evidence::Index>>,
    /// The editor's completions (prefixes, properties, classes), as
    /// JSON, computed once (`pages.rs`).
    pub editor_terms: std::sync::OnceLock<String>,
    /// Parsed queries, by text (`cache.rs`).
    pub plans: cache::Plans,
    /// The graph as the query page's "trust only…" sees it, by the set of
    /// articles kept ([`AppState::trusting`]).
    parts: std::sync::Mutex<std::collections::HashMap<Vec<oxigraph::model::NamedNode>, Graph>>,
    /// The MCP server of `--mcp`, its calls in the queries' slots.
    mcp: Option<crate::mcp::Server>,
}

impl AppState {
    /// What `serve` answers from: the graph and article texts opened once,
    /// the stored queries, and empty metrics, cache and query slots. Its
    /// public URL is `settings.public_url`, else `settings.bind`'s (the
    /// address really bound, for `serve`). The one way to build the
    /// state: [`run`] uses it, and so do the tests that call [`router`]
    /// in process.
    pub fn new(settings: Settings, graph: Graph, articles: Option<Articles>) -> Result<Self> {
        let public = match &settings.public_url {
            Some(url) => url.trim_end_matches('/').to_owned() + "/",
            None => format!("http://{}/", settings.bind),
        };
        // The pages' languages' labels, read once: the graph is read-only
        // while the server runs (they were a tenth of an entity page's
        // time). A store whose labels cannot all be read is read page by
        // page instead, as before, so that only the pages meeting the
        // failure fail, and name it.
        let _ = graph.keep_labels(&[lang::Lang::En.code(), lang::Lang::Fr.code()]);
        let slots = Arc::new(Semaphore::new(settings.max_queries.max(1)));
        let mcp = settings
            .mcp
            .then(|| {
                let limits = crate::mcp::Limits {
                    timeout: settings.timeout,
                    memory: settings.memory,
                    slots: slots.clone(),
                };
                crate::mcp::Server::new(
                    graph.clone(),
                    articles.clone(),
                    settings.lang.clone(),
                    limits,
                )
            })
            .transpose()?;
        Ok(Self {
            graph,
            articles,
            catalog: Catalog::embedded()?,
            site: Site::new(&public),
            metrics: metrics::Metrics::default(),
            answers: cache::new(settings.cache_bytes),
            flights: coalesce::Flights::default(),
            differences: std::sync::OnceLock::new(),
            evidence: std::sync::OnceLock::new(),
            editor_terms: std::sync::OnceLock::new(),
            plans: cache::plans(),
            parts: std::sync::Mutex::default(),
            slots,
            mcp,
            shares: client::Shares::new(settings.max_queries_per_client),
            settings,
        })
    }

    /// The graph with only `kept` among its articles (`provenance/trust.rs`):
    /// a copy, made once per set of articles and kept, at most 16 sets.
    pub fn trusting(&self, kept: &[oxigraph::model::NamedNode]) -> anyhow::Result<Graph> {
        if let Some(part) = self
            .parts
            .lock()
            .ok()
            .and_then(|parts| parts.get(kept).cloned())
        {
            return Ok(part);
        }
        let all = crate::provenance::trust::articles(&self.graph)?;
        let part = crate::provenance::trust::keep_articles(&self.graph, &all, kept)?;
        if let Ok(mut parts) = self.parts.lock() {
            if parts.len() >= 16 {
                parts.clear();
            }
            parts.insert(kept.to_vec(), part.clone());
        }
        Ok(part)
    }

    /// Fills in the passages under `view`'s facts: from the index read
    /// once, the graph being read-only while the server runs. A remote
    /// graph, or evidence the index cannot read (a broken record), is read
    /// page by page as before, so that only the pages meeting the broken
    /// record fail, and name it.
    pub fn add_evidence(
        &self,
        view: &mut crate::view::entity::EntityView,
        graph: &Graph,
    ) -> Result<()> {
        let index = self.evidence.get_or_init(|| {
            (!graph.is_remote())
                .then(|| {
                    crate::provenance::evidence::Index::build(graph, self.articles.as_ref()).ok()
                })
                .flatten()
        });
        match index {
            Some(index) => view.add_evidence_from(index),
            None => view.add_evidence(graph, self.articles.as_ref()),
        }
    }

    /// `text` ready to run, parsed once for all requests that send it.
    pub fn prepare(
        &self,
        text: &str,
        origin: &str,
        base: &str,
    ) -> anyhow::Result<crate::sparql::Prepared> {
        cache::prepare(&self.plans, text, origin, base)
    }
}

pub type Shared = Arc<AppState>;

/// Runs the server until Ctrl-C or SIGTERM; returns then (exit 0).
pub fn run(settings: Settings, graph: Graph, articles: Option<Articles>) -> Result<()> {
    let runtime = runtime(&settings)?;
    let result = runtime.block_on(serve(settings, graph, articles));
    // A query still running is not waited for past a second: the process
    // is ending, and its work would be cancelled at its deadline anyway.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// The runtime the server's requests and queries run on (the tests that
/// call [`router`] in process build theirs here too).
pub fn runtime(settings: &Settings) -> std::io::Result<tokio::runtime::Runtime> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let blocking = settings.max_queries.saturating_mul(2).max(4);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .thread_name("serve")
        // Every thread, the blocking ones that run queries included, gets
        // the commands' large stack once (only touched pages are backed by
        // memory): switching to a fresh mapped stack per query (stacker)
        // cost an mmap, an munmap and a TLB shootdown on every request.
        // Under an address-space limit, smaller, so that all fit.
        .thread_stack_size(crate::guard::limits::stack_for(workers + blocking))
        // Queries run here; a few more than may run at once, since a
        // cancelled query holds its thread until it notices.
        .max_blocking_threads(blocking)
        .build()
}

async fn serve(mut settings: Settings, graph: Graph, articles: Option<Articles>) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(settings.bind)
        .await
        .map_err(|error| {
            Failure::new(
                Kind::Internal,
                format!(
                    "cannot listen on {}: {}",
                    settings.bind,
                    crate::guard::error::io_reason(&error)
                ),
            )
        })?;
    // The port really bound (`--bind 127.0.0.1:0` asks for any free one).
    settings.bind = listener.local_addr()?;
    let state = Arc::new(AppState::new(settings, graph, articles)?);
    let public = state.site.url("/");
    println!("Serving the Missions knowledge graph at {public} (SPARQL endpoint: {public}sparql); Ctrl-C stops it");
    let limits = listen::Limits {
        max_connections: state.settings.max_connections,
        header_timeout: state.settings.header_timeout,
        send_timeout: state.settings.send_timeout,
        max_head_bytes: MAX_HEAD_BYTES,
        query_timeout: state.settings.timeout,
    };
    listen::serve(listener, router(state), limits).await;
    println!("Stopped.");
    Ok(())
}

/// Every route, and the layers every answer goes through.
pub fn router(state: Shared) -> Router {
    let security = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    // GET routes answer HEAD too (axum's `get` does); any other method is
    // 405 with the methods the route has.
    let read = |handler: MethodRouter<Shared>| handler.fallback(only_get);
    let mut router = Router::new()
        .route("/", read(get(pages::home)))
        .route("/search", read(get(pages::search)))
        .route("/timeline", read(get(timeline::timeline)))
        .route("/ui/query", read(get(query_page::query_page)))
        .route("/assets/{name}", read(get(assets::asset)))
        .route("/health", read(get(metrics::health)))
        .route("/metrics", read(get(metrics::metrics)))
        .route("/queries", read(get(protocol::stored_list)))
        .route("/queries/{name}", read(get(protocol::stored_query)))
        .route("/store", read(get(store::graph_store)))
        .route("/ontology", read(get(ontology::ontology)));
    // `/ontology.ttl` and the rest: every extension `format` reads for a
    // page (the router matches no suffix of a segment).
    for extension in crate::format::extensions(crate::format::Payload::Page) {
        router = router.route(
            &format!("/ontology.{extension}"),
            read(get(ontology::ontology)),
        );
    }
    for path in ["/sparql", "/sparql/", "/query"] {
        router = router.route(
            path,
            get(protocol::sparql_get)
                .post(protocol::sparql_post)
                .fallback(only_get_post),
        );
    }
    for prefix in site::DEREFERENCED {
        router = router.route(
            &format!("/{prefix}{{*rest}}"),
            read(get(linked_data::resource)),
        );
    }
    if let Some(server) = &state.mcp {
        router = router.route("/mcp", mcp::route(&state, server.clone()));
    }
    let router = router
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(state.clone(), cache::layer))
        .with_state(state.clone());
    let mut router = router
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::ACCEPT]),
        )
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        // Around the guard, so its refusals (414, 415) are pages too; and
        // inside the compression, which then compresses the pages as well.
        .layer(middleware::from_fn_with_state(state, error_page::layer))
        .layer(CompressionLayer::new());
    // Outermost, so that every answer carries them, the guard's 414 too.
    for (name, value) in security {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    router
}

/// Counts every answer for `/metrics`, and refuses a request target too
/// long to be a query (414) before any handler reads it.
async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = metrics::route_of(request.uri().path());
    let too_long = request
        .uri()
        .path_and_query()
        .is_some_and(|target| target.as_str().len() > MAX_URI_BYTES);
    // Bodies are read as they come: one sent compressed would be read as
    // text and run (or refused for the wrong reason), so it is refused for
    // the right one, as RFC 9110 says, before any route reads it.
    let encoded = request
        .headers()
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("?").split(','))
        .any(|coding| !coding.trim().eq_ignore_ascii_case("identity"));
    let response = if too_long {
        HttpError::new(
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is longer than {} bytes; POST a long query instead",
                MAX_URI_BYTES
            ),
        )
        .into_response()
    } else if encoded {
        HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request bodies with a Content-Encoding other than identity are not read; send the body uncompressed",
        )
        .into_response()
    } else {
        // Who sent it, for its share of the query slots and for SERVICE.
        let peer = request
            .extensions()
            .get::<client::Peer>()
            .map(|peer| peer.0);
        let client = client::Client::of(request.headers(), peer, &state.site.url("/"));
        client::CLIENT.scope(client, next.run(request)).await
    };
    state
        .metrics
        .record(route, response.status().as_u16(), started.elapsed());
    response
}

async fn fallback() -> HttpError {
    HttpError::not_found("nothing here; the pages start at /, the SPARQL endpoint is /sparql")
}

async fn only_get() -> HttpError {
    HttpError::method_not_allowed("GET, HEAD")
}

async fn only_get_post() -> HttpError {
    HttpError::method_not_allowed("GET, HEAD, POST")
}

/// Runs `work` (which prepares, runs and writes one query within the
/// budget it is given) off the async threads, in a slot, answering 503
/// when none is free and 504 at the timeout.
pub async fn run_query(
    state: &Shared,
    work: impl FnOnce(&Graph, &Budget) -> Result<Answer, HttpError> + Send + 'static,
) -> Result<Answer, HttpError> {
    // A client past its share is refused at once: waiting would not help
    // until one of its own queries ends.
    let client = client::Client::now();
    let Some(share) = state.shares.enter(client.peer) else {
        return Err(busy(
            state,
            format!(
                "this client already runs as many queries as it may at once ({} of the server's {}); try again when one ends",
                state.shares.per_client(),
                state.settings.max_queries
            ),
        ));
    };
    // A query waits a moment for a slot (a burst is queued, not refused),
    // then gets 503.
    let permit = tokio::time::timeout(QUEUE_WAIT, state.slots.clone().acquire_owned()).await;
    let Ok(Ok(permit)) = permit else {
        return Err(busy(
            state,
            format!(
                "the server is busy: {} queries are running; try again in a moment",
                state.settings.max_queries
            ),
        ));
    };
    let settings = &state.settings;
    let service = match Service::from_flag(settings.allow_service) {
        Service::Allowed if client.other_origin => Service::OtherOrigin,
        service => service,
    };
    let budget = Budget::for_request(settings.timeout, settings.memory, service);
    let graph = state.graph.clone();
    let running = state.metrics.running();
    // Dropped with this future when the client goes away first: the work
    // is cancelled then, and its slot freed, instead of running for nobody.
    let mut abandon = CancelOnDrop(Some(budget.clone()));
    let task = tokio::task::spawn_blocking(move || {
        let answer = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(&graph, &budget)
        })) {
            Ok(answer) => answer,
            // Cancelled deep in the evaluator (`budget::notice_cancellation`).
            Err(payload) if crate::guard::budget::is_cancellation(payload.as_ref()) => Err(
                http::stopped(QueryEvaluationError::Cancelled.into(), &budget),
            ),
            Err(payload) => std::panic::resume_unwind(payload),
        };
        drop(running);
        drop(permit);
        drop(share);
        answer
    });
    let outcome = match tokio::time::timeout(settings.timeout + GRACE, task).await {
        Ok(Ok(answer)) => {
            if matches!(&answer, Err(error) if error.status == StatusCode::GATEWAY_TIMEOUT) {
                state.metrics.timeout();
            }
            answer
        }
        Ok(Err(_)) => Err(HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the query failed unexpectedly (a bug: please report it with the query)",
        )),
        Err(_) => {
            state.metrics.timeout();
            Err(timed_out(settings.timeout))
        }
    };
    abandon.0 = None;
    outcome
}

/// A query refused for lack of a slot (the server's, or its client's
/// share): 503 with `Retry-After: 1`, counted for `/metrics`.
fn busy(state: &Shared, message: String) -> HttpError {
    state.metrics.busy();
    HttpError {
        retry_after: Some(1),
        ..HttpError::new(StatusCode::SERVICE_UNAVAILABLE, message)
    }
}

/// Cancels a query's budget when dropped armed.
struct CancelOnDrop(Option<Budget>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(budget) = self.0.take() {
            budget.cancel();
        }
    }
}

/// [`run_query`], then the answer or the error as the response.
pub async fn answer(
    state: &Shared,
    work: impl FnOnce(&Graph, &Budget) -> Result<Answer, HttpError> + Send + 'static,
) -> Response {
    match run_query(state, work).await {
        // The bound every answer keeps, whatever made it: the pages that
        // grow with the data stop early and say so (`layout::Room`); this
        // catches any other (a timeline or a search of a hostile graph).
        Ok(answer) if answer.body.len() > state.settings.max_result => HttpError::bad_request(
            "the answer is larger than the server's --max-result; ask /sparql for parts of it with LIMIT",
        )
        .into_response(),
        Ok(answer) => respond(answer),
        Err(error) => error.into_response(),
    }
}
