//! The server's HTTP vocabulary, shared by every route: the error answer
//! and the one table from an error's kind to its status ([`status`]), a
//! computed [`Answer`] and how it is sent, query strings, `Accept`, format
//! choice, and a body capped at `--max-result`.
//!
//! Called by the router (`server.rs`) and every route's module
//! (`protocol.rs`, `pages.rs`, `linked_data.rs`, `timeline.rs`…); it calls
//! nothing of theirs.

use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::guard::budget::Budget;
use crate::guard::error::{self, Failure, Kind};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::io::{self, Write};
use std::time::Duration;

/// The one variable segment of a route (`/assets/{name}`,
/// `/queries/{name}`), decoded; a segment that is not UTF-8 once
/// percent-decoded is a 400 in the server's words, not the framework's.
pub struct Segment(pub String);

impl axum::extract::FromRequestParts<Shared> for Segment {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Shared,
    ) -> Result<Self, HttpError> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(segment)) => Ok(Self(segment)),
            Err(_) => Err(HttpError::bad_request(format!(
                "the path {} is not valid UTF-8 once percent-decoded",
                crate::guard::error::one_line(parts.uri.path(), 200)
            ))),
        }
    }
}

/// An error answer: a status and one readable line (plain text).
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub message: String,
    /// `Retry-After` seconds, for 503.
    pub retry_after: Option<u32>,
    /// `Allow`, for 405.
    pub allow: Option<&'static str>,
    /// The entities a name could mean (IRIs): a browser's error page
    /// lists them as links (`error_page.rs`).
    pub candidates: Vec<String>,
}

/// What an error answer hands the browser's error page besides its line:
/// the entities the name could mean. Kept in the response's extensions.
#[derive(Clone, Debug, Default)]
pub struct Candidates(pub Vec<String>);

impl HttpError {
    /// An answer with one line: control characters in it (which may come
    /// from the request: a format name, a graph IRI) are escaped, line
    /// breaks included, and it is cut to 1,000 characters.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into().replace('\n', "\\n");
        Self {
            status,
            message: crate::guard::error::safe_line(&message, 1000),
            retry_after: None,
            allow: None,
            candidates: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method not allowed here; use {allow} (the graph is read-only)"),
            )
        }
    }

    /// An error's own line, as a command would print it, with the status
    /// of its kind ([`status`]); `otherwise` is the kind of an error that
    /// names none (the caller knows what it was doing).
    pub fn from_error(error: &anyhow::Error, otherwise: Kind) -> Self {
        let status = status(error::kind(error).unwrap_or(otherwise));
        // Already escaped and cut by `show`; a syntax error keeps its
        // caret under the spot, on the lines below the message.
        Self {
            status,
            message: error::show(error),
            retry_after: (status == StatusCode::SERVICE_UNAVAILABLE).then_some(5),
            allow: None,
            candidates: Failure::of(error)
                .map(|failure| failure.candidates.clone())
                .unwrap_or_default(),
        }
    }
}

impl From<Failure> for HttpError {
    fn from(failure: Failure) -> Self {
        Self::from_error(&failure.into(), Kind::Internal)
    }
}

/// The HTTP status of each kind of error: the one table the server
/// answers errors by (the HTTP layer's own refusals, such as 405, 413,
/// 414 or 406, are decided where the request is read).
pub fn status(kind: Kind) -> StatusCode {
    match kind {
        Kind::Usage
        | Kind::Refused
        | Kind::TooLarge
        | Kind::Syntax
        | Kind::Input
        | Kind::Query
        | Kind::Format => StatusCode::BAD_REQUEST,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::ReadOnly => StatusCode::FORBIDDEN,
        Kind::TimedOut => StatusCode::GATEWAY_TIMEOUT,
        Kind::Exhausted => StatusCode::SERVICE_UNAVAILABLE,
        Kind::Remote => StatusCode::BAD_GATEWAY,
        Kind::Output | Kind::Damaged | Kind::Check | Kind::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", self.message),
        )
            .into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if !self.candidates.is_empty() {
            response
                .extensions_mut()
                .insert(Candidates(self.candidates));
        }
        response
    }
}

/// A query's outcome, computed on a blocking thread: the body and its
/// `Content-Type`.
pub struct Answer {
    pub content_type: String,
    pub body: Vec<u8>,
    /// Whether the same request may get another answer (the query calls
    /// RAND, NOW, UUID…): sent `Cache-Control: no-store`, never kept.
    pub volatile: bool,
    /// For a download, the file's name (`missions-kg.trig`): sent as
    /// `Content-Disposition: attachment`, so a browser saves it by a name
    /// that says what it holds.
    pub filename: Option<String>,
}

/// The name a download is saved by: `stem` and the extension of `format`
/// (`missions-kg.ttl`, `missions-kg-results.csv`).
pub fn filename(stem: &str, format: OutputFormat) -> String {
    format!("{stem}.{}", format::extension(format))
}

/// The 504 answer.
pub fn timed_out(timeout: Duration) -> HttpError {
    HttpError::new(
        StatusCode::GATEWAY_TIMEOUT,
        format!(
            "the query timed out after {} s (the server's --timeout); narrow it or add LIMIT",
            timeout.as_secs_f64()
        ),
    )
}

/// An answer with its type, plus `Vary` (the same URL answers in several
/// formats and languages).
pub fn respond(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&answer.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    if answer.volatile {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // Names are made here from ASCII stems and extensions; a name that
    // would need quoting is left out rather than sent broken.
    if let Some(name) = answer.filename.filter(|name| {
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }) {
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}

/// The value of `Accept`, if any and readable.
pub fn accept(headers: &HeaderMap) -> Option<String> {
    joined(headers, header::ACCEPT)
}

/// Every readable value of the header `name`, joined: several headers of
/// one name are one list (RFC 9110). What negotiation reads, and so what
/// the answer cache keys on.
pub fn joined(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// The `key=value` pairs of a query string or a form body, decoded
/// (`+` is a space, `%XX` a byte). Bytes that do not decode to UTF-8 are
/// a 400: replacing them would run a query the client did not write.
pub fn pairs(text: Option<&[u8]>) -> Result<Vec<(String, String)>, HttpError> {
    let decode = |bytes: &[u8]| -> Result<String, HttpError> {
        let spaced: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        percent_encoding::percent_decode(&spaced)
            .decode_utf8()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| {
                HttpError::bad_request(
                    "the query string or form holds bytes that are not UTF-8 once decoded",
                )
            })
    };
    let mut pairs = Vec::new();
    for part in text.unwrap_or_default().split(|&b| b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &b""[..]),
        };
        pairs.push((decode(name)?, decode(value)?));
    }
    Ok(pairs)
}

/// The answer for a query that failed while running: 504 at the timeout
/// (in the server's words), 400 for a result past `--max-result`, else the
/// status of the error's kind; an error that names no kind failed in the
/// engine (400).
pub fn stopped(error: anyhow::Error, budget: &Budget) -> HttpError {
    if budget.timed_out() {
        return timed_out(Duration::from_secs_f64(
            budget.timeout.map_or(0.0, |(seconds, _)| seconds),
        ));
    }
    let error = budget.explain_stop(error);
    if error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::FileTooLarge)
    }) {
        return HttpError::bad_request(
            "the result is larger than the server's --max-result; add LIMIT or narrow the query",
        );
    }
    HttpError::from_error(&error, Kind::Query)
}

/// Picks the format: a `format` (or `output`) parameter, a name as
/// `--format` takes or a media type, wins over `Accept`.
/// With `html`, a browser asking for HTML first gets a page with the
/// results as a table (other clients, `*/*` included, get data).
pub fn choose(
    name: Option<&str>,
    accept: Option<&str>,
    payload: Payload,
    html: bool,
) -> Result<OutputFormat, HttpError> {
    let mut offers = payload.offers();
    if html && !offers.contains(&OutputFormat::Html) {
        offers.push(OutputFormat::Html);
    }
    match name {
        Some(name) if html && name.eq_ignore_ascii_case("html") => Ok(OutputFormat::Html),
        // SPARQLWrapper and others send a media type there
        // (`format=text/tab-separated-values`).
        Some(media_type) if media_type.contains('/') => {
            format::negotiate(Some(media_type), &offers)
                .map_err(|failure| HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message))
        }
        Some(name) => format::resolve(Some(name), None, payload, false)
            .map_err(|failure| HttpError::bad_request(failure.message)),
        None => format::negotiate(accept, &offers)
            .map_err(|failure| HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message)),
    }
}

/// A body that refuses to grow past its cap (an `io::Error` of kind
/// `FileTooLarge`, told apart by [`stopped`]).
pub struct Capped {
    bytes: Vec<u8>,
    max: usize,
}

impl Capped {
    pub fn new(max: usize) -> Self {
        Self {
            bytes: Vec::new(),
            max,
        }
    }

    pub fn finish(self, max: usize) -> Result<Vec<u8>, HttpError> {
        if self.bytes.len() > max {
            return Err(HttpError::bad_request(
                "the result is larger than the server's --max-result; add LIMIT or narrow the query",
            ));
        }
        Ok(self.bytes)
    }
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + data.len() > self.max {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "the result is too large",
            ));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
