//! The machine side of the server: the SPARQL 1.1 Protocol on `/sparql`
//! and stored queries on `/queries/NAME` (the Graph Store Protocol on
//! `/store` is `store.rs`; the service description, `service.rs`).
//!
//! Every query goes through [`super::run_query`] (a slot, a budget, the
//! timeout) and `sparql.rs` (parsing, limits, binding, SERVICE refused
//! unless allowed), exactly as on the command line. The format is chosen
//! before the query runs, from a `format` (or `output`) parameter or the
//! `Accept` header (`format::negotiate`), so a 406 costs nothing.

use super::http::{accept, choose, filename, pairs, stopped, Answer, Capped, HttpError};
use super::lang::Lang;
use super::results::{results_page, Shown};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::labels::LabelCache;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::Kind;
use crate::sparql::{self, Prepared};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use oxigraph::model::NamedNode;

/// What a protocol request asks for, gathered from the URL and the body.
#[derive(Default)]
struct Operation {
    queries: Vec<String>,
    updates: usize,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
    /// A `format` or `output` parameter (a format name, as on the command line).
    format: Option<String>,
}

impl Operation {
    fn read(&mut self, pairs: Vec<(String, String)>) {
        for (name, value) in pairs {
            match name.as_str() {
                "query" => self.queries.push(value),
                "update" => self.updates += 1,
                "default-graph-uri" => self.default_graphs.push(value),
                "named-graph-uri" => self.named_graphs.push(value),
                "format" | "output" => self.format = Some(value),
                // Other parameters (a client's own, `timeout`…) are ignored,
                // as other endpoints do.
                _ => {}
            }
        }
    }
}

/// `GET /sparql`: a query in the URL, or the service description.
pub async fn sparql_get(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut operation = Operation::default();
    match pairs(raw.as_deref().map(str::as_bytes)) {
        Ok(pairs) => operation.read(pairs),
        Err(error) => return error.into_response(),
    }
    if operation.updates > 0 {
        return read_only().into_response();
    }
    if operation.queries.is_empty() {
        if raw.as_deref().is_none_or(str::is_empty) {
            return super::service::service_description(&state, &headers, uri.path());
        }
        return HttpError::bad_request("no query: give it as ?query=… (SPARQL 1.1 Protocol)")
            .into_response();
    }
    answer(state, &headers, operation, StatusCode::URI_TOO_LONG).await
}

/// `POST /sparql`: a form (`query=…`) or the query itself
/// (`application/sparql-query`); updates are refused.
pub async fn sparql_post(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
    body: axum::body::Body,
) -> Response {
    let body = match read_body(body, &headers, state.settings.max_body).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let mut operation = Operation::default();
    match pairs(raw.as_deref().map(str::as_bytes)) {
        Ok(pairs) => operation.read(pairs),
        Err(error) => return error.into_response(),
    }
    // Two Content-Type headers contradict each other (RFC 9110 allows one).
    if headers
        .get_all(header::CONTENT_TYPE)
        .iter()
        .nth(1)
        .is_some()
    {
        return HttpError::bad_request("the request has more than one Content-Type header")
            .into_response();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let (media_type, parameters) = content_type.split_once(';').unwrap_or((content_type, ""));
    let charset_ok = parameters
        .split(';')
        .all(|parameter| match parameter.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                let value = value.trim().trim_matches('"');
                value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
            }
            _ => true,
        });
    if !charset_ok {
        return unsupported(content_type, "only UTF-8 is read").into_response();
    }
    match media_type.trim().to_ascii_lowercase().as_str() {
        "application/x-www-form-urlencoded" => match pairs(Some(&body)) {
            Ok(pairs) => operation.read(pairs),
            Err(error) => return error.into_response(),
        },
        "application/sparql-query" => {
            if !operation.queries.is_empty() {
                return HttpError::bad_request(
                    "the query is both in the URL and in the body; give it once",
                )
                .into_response();
            }
            // A byte order mark is not part of the query.
            let body = body.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&body);
            match String::from_utf8(body.to_vec()) {
                Ok(text) => operation.queries.push(text),
                Err(_) => {
                    return unsupported(content_type, "the body is not UTF-8 text").into_response()
                }
            }
        }
        "application/sparql-update" => return read_only().into_response(),
        "" => {
            return unsupported(
                "none",
                "send application/sparql-query or application/x-www-form-urlencoded",
            )
            .into_response()
        }
        _ => {
            return unsupported(
                content_type,
                "send application/sparql-query or application/x-www-form-urlencoded",
            )
            .into_response()
        }
    }
    if operation.updates > 0 {
        return read_only().into_response();
    }
    if operation.queries.is_empty() {
        return HttpError::bad_request(
            "no query: give it as query=… in the form (SPARQL 1.1 Protocol)",
        )
        .into_response();
    }
    answer(state, &headers, operation, StatusCode::PAYLOAD_TOO_LARGE).await
}

/// Reads a request body of at most `max` bytes (`--max-body`): 413 past it
/// (at once when `Content-Length` says so), 408 when it does not arrive
/// within `super::BODY_TIMEOUT`, 400 when the connection breaks.
pub(super) async fn read_body(
    body: axum::body::Body,
    headers: &HeaderMap,
    max: usize,
) -> Result<Bytes, HttpError> {
    let too_large = || {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than {} (the server's --max-body)",
                crate::guard::input::show_size(max as u64)
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, max).await.map_err(|error| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(current) = cause {
            if current.is::<tower_http::timeout::TimeoutError>() {
                return HttpError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "the request body did not arrive within {} s",
                        super::BODY_TIMEOUT.as_secs()
                    ),
                );
            }
            if current.to_string().contains("length limit exceeded") {
                return too_large();
            }
            cause = current.source();
        }
        HttpError::bad_request(format!("cannot read the request body: {error}"))
    })
}

fn read_only() -> HttpError {
    HttpError::new(
        StatusCode::FORBIDDEN,
        "updates are not supported: the graph is read-only",
    )
}

fn unsupported(content_type: &str, hint: &str) -> HttpError {
    HttpError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "cannot read a body of type {}: {hint}",
            crate::guard::error::one_line(content_type, 100)
        ),
    )
}

/// Runs the one query of `operation` (`too_long` is the status for a
/// query past [`super::MAX_QUERY_BYTES`]: 414 in a URL, 413 in a body).
async fn answer(
    state: Shared,
    headers: &HeaderMap,
    mut operation: Operation,
    too_long: StatusCode,
) -> Response {
    if operation.queries.len() > 1 {
        return HttpError::bad_request(format!(
            "{} queries given; the protocol takes exactly one",
            operation.queries.len()
        ))
        .into_response();
    }
    let text = operation.queries.remove(0);
    if text.len() > super::MAX_QUERY_BYTES {
        return HttpError::new(
            too_long,
            format!("the query is longer than {} bytes", super::MAX_QUERY_BYTES),
        )
        .into_response();
    }
    let dataset = match dataset(&operation) {
        Ok(dataset) => dataset,
        Err(error) => return error.into_response(),
    };
    let request = QueryRequest {
        text: text.clone(),
        origin: "in the request".to_owned(),
        stored: None,
        params: Vec::new(),
        dataset,
        format: operation.format,
        accept: accept(headers),
        download: "missions-kg-results",
        base: state
            .settings
            .base
            .clone()
            .unwrap_or_else(|| state.site.url("/sparql")),
        max_result: state.settings.max_result,
        lang: Lang::of(&[], headers, Lang::default_of(&state)),
        title: "SPARQL".to_owned(),
        url: format!(
            "/sparql?query={}",
            form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()
        ),
        state: state.clone(),
    };
    super::answer(&state, move |graph, budget| request.run(graph, budget)).await
}

/// `default-graph-uri` and `named-graph-uri`, as IRIs.
#[allow(clippy::type_complexity)]
fn dataset(operation: &Operation) -> Result<Option<(Vec<NamedNode>, Vec<NamedNode>)>, HttpError> {
    if operation.default_graphs.is_empty() && operation.named_graphs.is_empty() {
        return Ok(None);
    }
    let iri = |text: &String| {
        NamedNode::new(text.as_str()).map_err(|error| {
            HttpError::bad_request(format!(
                "invalid graph IRI '{}': {error}",
                crate::guard::error::one_line(text, 200)
            ))
        })
    };
    Ok(Some((
        operation
            .default_graphs
            .iter()
            .map(iri)
            .collect::<Result<_, _>>()?,
        operation
            .named_graphs
            .iter()
            .map(iri)
            .collect::<Result<_, _>>()?,
    )))
}

/// One query to run, with everything it needs off the async threads.
struct QueryRequest {
    text: String,
    /// How messages name it.
    origin: String,
    stored: Option<crate::sparql::catalog::StoredQuery>,
    /// Parameter values for a stored query, by name.
    params: Vec<(String, String)>,
    #[allow(clippy::type_complexity)]
    dataset: Option<(Vec<NamedNode>, Vec<NamedNode>)>,
    format: Option<String>,
    accept: Option<String>,
    /// The name a download is saved by, without its extension
    /// (`missions-kg-results`): given when `format` names the format, as
    /// the pages' download links do.
    download: &'static str,
    base: String,
    max_result: usize,
    /// For an HTML answer: the server, the page's language, its title and
    /// the query's own URL (the permalink).
    state: Shared,
    lang: Lang,
    title: String,
    url: String,
}

impl QueryRequest {
    fn run(self, graph: &Graph, budget: &Budget) -> Result<Answer, HttpError> {
        let mut prepared = self
            .state
            .prepare(&self.text, &self.origin, &self.base)
            .map_err(|error| HttpError::from_error(&error, Kind::Usage))?;
        let payload = if prepared.returns_graph() {
            Payload::Graph
        } else {
            Payload::Results
        };
        let format = choose_for_query(self.format.as_deref(), self.accept.as_deref(), payload)?;
        if let Some((default, named)) = self.dataset {
            prepared.set_dataset(default, named);
        }
        if self.stored.is_some() || !self.params.is_empty() {
            let bindings = sparql::bindings(graph, self.stored.as_ref(), &self.params, "parameter")
                .map_err(|error| HttpError::from_error(&error, Kind::Usage))?;
            for (variable, value) in bindings {
                prepared = prepared.bind(variable, value);
            }
        }
        if format == OutputFormat::Html {
            let returns_graph = prepared.returns_graph();
            let volatile = prepared.is_volatile();
            let started = std::time::Instant::now();
            let results = prepared
                .execute(graph, budget)
                .map_err(|error| stopped(error, budget))?;
            let shown = Shown {
                title: &self.title,
                text: &self.text,
                url: &self.url,
                returns_graph,
                started,
            };
            return results_page(
                results,
                graph,
                &self.state.site,
                self.lang,
                &shown,
                self.max_result,
            )
            .map(|answer| Answer { volatile, ..answer })
            .map_err(|error| stopped(error, budget));
        }
        let filename = self
            .format
            .is_some()
            .then(|| filename(self.download, format));
        execute(prepared, graph, budget, format, self.max_result)
            .map(|answer| Answer { filename, ..answer })
    }
}

/// [`choose`] for a query's answer, where a graph (CONSTRUCT, DESCRIBE)
/// asked for with only SPARQL results types in `Accept` (a client that
/// sends `application/sparql-results+json` for every query) is sent as
/// Turtle, as Fuseki does, rather than refused with 406 (Oxigraph's
/// answer): the `Content-Type` says what came. An `Accept` that fits no
/// query (`image/png`) is still 406, and a `format=` name is never
/// replaced.
fn choose_for_query(
    name: Option<&str>,
    accept: Option<&str>,
    payload: Payload,
) -> Result<OutputFormat, HttpError> {
    match choose(name, accept, payload, true) {
        Err(error)
            if error.status == StatusCode::NOT_ACCEPTABLE
                && payload == Payload::Graph
                && name.is_none()
                && format::negotiate(accept, &Payload::Results.offers()).is_ok() =>
        {
            Ok(OutputFormat::Rdf(oxigraph::io::RdfFormat::Turtle))
        }
        chosen => chosen,
    }
}

/// Runs a prepared query and writes it in `format`, at most `max_result`
/// bytes.
fn execute(
    prepared: Prepared,
    graph: &Graph,
    budget: &Budget,
    format: OutputFormat,
    max_result: usize,
) -> Result<Answer, HttpError> {
    let volatile = prepared.is_volatile();
    let results = prepared
        .execute(graph, budget)
        .map_err(|error| stopped(error, budget))?;
    let mut body = Capped::new(max_result);
    format::write_results(results, format, LabelCache::new(graph, None), &mut body)
        .map_err(|error| stopped(error, budget))?;
    body.finish(max_result).map(|body| Answer {
        content_type: format::content_type(format),
        body,
        volatile,
        filename: None,
    })
}

/// `GET /queries`: the stored queries, as JSON (the home page lists them
/// for people).
pub async fn stored_list(State(state): State<Shared>) -> Response {
    let queries: Vec<serde_json::Value> = state
        .catalog
        .queries
        .iter()
        .filter(|query| !query.is_check())
        .map(|query| {
            serde_json::json!({
                "name": query.name,
                "title": query.title,
                "description": query.description,
                "url": state.site.url(&format!("/queries/{}", query.name)),
                "params": query.params.iter().map(|param| serde_json::json!({
                    "name": param.name,
                    "type": param.kind.to_string(),
                    "description": param.description,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&queries).unwrap_or_default(),
    )
        .into_response()
}

/// `GET /queries/NAME?param=…`: a stored query, its parameters bound as
/// `--param` binds them.
pub async fn stored_query(
    State(state): State<Shared>,
    super::Segment(name): super::Segment,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let Some(stored) = state.catalog.get(&name).cloned() else {
        let unknown = state
            .catalog
            .unknown(&crate::guard::error::one_line(&name, 80));
        return HttpError::from(unknown).into_response();
    };
    let mut format = None;
    let mut params = Vec::new();
    let mut lang = Vec::new();
    let given = match pairs(raw.as_deref().map(str::as_bytes)) {
        Ok(given) => given,
        Err(error) => return error.into_response(),
    };
    for (name, value) in given {
        match name.as_str() {
            "format" | "output" => format = Some(value),
            // The page's language, not a parameter of the query.
            "lang" => lang.push((name, value)),
            _ => params.push((name, value)),
        }
    }
    let permalink = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let title = stored.title.clone();
    let url = if permalink.is_empty() {
        format!("/queries/{}", stored.name)
    } else {
        format!("/queries/{}?{permalink}", stored.name)
    };
    let request = QueryRequest {
        text: stored.sparql.clone(),
        origin: format!("'{}'", stored.name),
        stored: Some(stored),
        params,
        dataset: None,
        format,
        accept: accept(&headers),
        download: "missions-kg-results",
        base: state.site.url("/sparql"),
        max_result: state.settings.max_result,
        lang: Lang::of(&lang, &headers, Lang::default_of(&state)),
        title,
        url,
        state: state.clone(),
    };
    super::answer(&state, move |graph, budget| request.run(graph, budget)).await
}
