//! Answers kept for the next identical request, with their ETag.
//!
//! The graph, the stored queries and the server's settings never change
//! while the server runs, so an answer is a function of the request alone:
//! its path and query string, and the `Accept` and `Accept-Language`
//! headers that chose its format and language. That is the key; nothing
//! can make a kept answer stale, so entries are only evicted for room
//! (quick_cache's S3-FIFO, bounded by `--cache` bytes, 64 MiB by default). Only 200 answers of GET and
//! HEAD are kept, and not `/health` or `/metrics`, which change. Every
//! kept answer carries a (weak) ETag, and `If-None-Match` gets 304. On a
//! miss, a request identical to one being computed waits for its answer
//! (kept, or its 504) instead of running its own (`coalesce.rs`).
//!
//! Parsed queries are kept too ([`Plans`]), by text and base IRI: parsing
//! with the predeclared prefixes was a sixth of the work of a small query.
//! A parse depends on nothing else, so a kept one is never wrong either;
//! each run still gets its own evaluator and cancellation token.

use super::coalesce::{Joined, Landed};
use super::Shared;
use crate::guard::error::Kind;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::hash::{Hash, Hasher};

/// A larger answer is not kept.
const MAX_ENTRY_BYTES: usize = 4 * 1024 * 1024;

/// A kept answer.
#[derive(Clone)]
pub struct Kept {
    content_type: Option<HeaderValue>,
    /// A download's name (`attachment; filename="missions-kg.trig"`).
    content_disposition: Option<HeaderValue>,
    /// The handler's own (an asset's `max-age`), else `no-cache`.
    cache_control: HeaderValue,
    etag: HeaderValue,
    body: Bytes,
}

/// Weighs an entry by its bytes.
#[derive(Clone)]
pub struct ByBytes;

impl quick_cache::Weighter<String, Kept> for ByBytes {
    fn weight(&self, key: &String, value: &Kept) -> u64 {
        (key.len() + value.body.len() + 128) as u64
    }
}

pub type Answers = quick_cache::sync::Cache<String, Kept, ByBytes>;

/// A cache of at most `bytes` (`--cache`); with 0 nothing is kept.
pub fn new(bytes: u64) -> Answers {
    Answers::with_weighter(4096, bytes.max(1), ByBytes)
}

/// The middleware: a kept answer (or 304) when there is one, else the
/// handler's, kept when it is a 200.
pub async fn layer(State(state): State<Shared>, request: Request, next: Next) -> Response {
    // Computed in a block: a borrow of the request (whose body is not
    // Sync) must not live across an await.
    let (key, if_none_match) = {
        let path = request.uri().path();
        let cacheable = state.settings.cache_bytes > 0
            && matches!(*request.method(), Method::GET | Method::HEAD)
            && path != "/health"
            && path != "/metrics";
        if !cacheable {
            (None, None)
        } else {
            // Exactly what the answer depends on: the URL (its parameters
            // and `lang`) and every value of the headers negotiation reads,
            // as it reads them (`Vary` names the same two).
            let header_text = |name: header::HeaderName| {
                super::http::joined(request.headers(), name).unwrap_or_default()
            };
            let key = format!(
                "{}\n{}\n{}",
                request.uri(),
                header_text(header::ACCEPT),
                header_text(header::ACCEPT_LANGUAGE)
            );
            (
                Some(key),
                request.headers().get(header::IF_NONE_MATCH).cloned(),
            )
        }
    };
    let Some(key) = key else {
        return next.run(request).await;
    };
    if let Some(kept) = state.answers.get(&key) {
        state.metrics.cache_hit();
        return answer(&kept, if_none_match.as_ref());
    }
    // A miss: wait for an identical request being computed, if any
    // (`coalesce.rs`), at most as long as its query may take (a slot's
    // wait, the timeout and its grace); past that, or when its answer is
    // not for all, compute this one's own, as without coalescing.
    let deadline =
        tokio::time::Instant::now() + state.settings.timeout + super::QUEUE_WAIT + super::GRACE;
    for _ in 0..MAX_JOINS {
        let kept = || state.answers.get(&key).map(ForAll::Kept);
        match state.flights.join(&key, kept) {
            Joined::Found(found) => {
                state.metrics.cache_hit();
                return found.answer(if_none_match.as_ref());
            }
            Joined::Lead(lead) => {
                let (computed, for_all) =
                    for_all(compute(&state, key.clone(), request, next).await).await;
                lead.land(for_all);
                return respond(computed, if_none_match.as_ref());
            }
            Joined::Wait(wait) => match tokio::time::timeout_at(deadline, wait.landed()).await {
                Ok(Landed::Shared(shared)) => {
                    state.metrics.coalesced();
                    return shared.answer(if_none_match.as_ref());
                }
                Ok(Landed::Abandoned) => continue,
                Ok(Landed::Own) | Err(_) => break,
            },
        }
    }
    respond(
        compute(&state, key, request, next).await,
        if_none_match.as_ref(),
    )
}

/// How many times a request joins the computation of its answer when the
/// ones it waited for were abandoned (their clients left) before it
/// computes its own.
const MAX_JOINS: usize = 4;

/// What the handler answered: passed on as it is, or kept (and put in the
/// cache), with the handler's own headers.
enum Computed {
    Passed(Response),
    Kept(Kept, axum::http::response::Parts),
}

/// What the requests that waited for an identical one get from it.
#[derive(Clone)]
pub enum ForAll {
    /// Its answer, kept.
    Kept(Kept),
    /// Its 504, as it was: the same query would run out of time again, and
    /// would keep each waiter twice as long to say so.
    TimedOut { headers: HeaderMap, body: Bytes },
}

/// The longest 504 passed on to the requests that waited for it.
const MAX_SHARED_ERROR_BYTES: usize = 64 * 1024;

impl ForAll {
    fn answer(&self, if_none_match: Option<&HeaderValue>) -> Response {
        match self {
            Self::Kept(kept) => answer(kept, if_none_match),
            Self::TimedOut { headers, body } => {
                let mut response = Response::new(Body::from(body.clone()));
                *response.status_mut() = StatusCode::GATEWAY_TIMEOUT;
                *response.headers_mut() = headers.clone();
                response
            }
        }
    }
}

/// What of `computed` goes to the requests that waited for it: a kept
/// answer or a 504, else none (they compute their own).
async fn for_all(computed: Computed) -> (Computed, Option<ForAll>) {
    match computed {
        Computed::Kept(kept, parts) => {
            let shared = ForAll::Kept(kept.clone());
            (Computed::Kept(kept, parts), Some(shared))
        }
        Computed::Passed(response)
            if response.status() == StatusCode::GATEWAY_TIMEOUT
                && http_body::Body::size_hint(response.body())
                    .exact()
                    .is_some_and(|size| size <= MAX_SHARED_ERROR_BYTES as u64) =>
        {
            let (parts, body) = response.into_parts();
            match to_bytes(body, MAX_SHARED_ERROR_BYTES).await {
                Ok(body) => {
                    let shared = ForAll::TimedOut {
                        headers: parts.headers.clone(),
                        body: body.clone(),
                    };
                    let response = Response::from_parts(parts, Body::from(body));
                    (Computed::Passed(response), Some(shared))
                }
                Err(_) => (
                    Computed::Passed(Response::from_parts(parts, Body::empty())),
                    None,
                ),
            }
        }
        computed => (computed, None),
    }
}

/// The handler's answer, kept when it is a 200 small enough that does not
/// change between runs.
async fn compute(state: &Shared, key: String, request: Request, next: Next) -> Computed {
    let response = next.run(request).await;
    // Only a 200 whose size is known and small enough is kept, and not an
    // answer its handler marked as changing between runs (`no-store`: a
    // query calling RAND, NOW, UUID…).
    let size = http_body::Body::size_hint(response.body()).exact();
    let no_store = response
        .headers()
        .get(header::CACHE_CONTROL)
        .is_some_and(|value| value.as_bytes().starts_with(b"no-store"));
    // An answer its handler encodes itself (the editor's script, gzipped
    // once) depends on Accept-Encoding, which is not in the key: neither
    // the gzipped nor the plain copy is kept, or a kept plain copy would
    // be compressed again for every gzip client.
    let encoded = response.headers().contains_key(header::CONTENT_ENCODING)
        || response
            .headers()
            .get_all(header::VARY)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .any(|value| value.to_ascii_lowercase().contains("accept-encoding"));
    if response.status() != StatusCode::OK
        || no_store
        || encoded
        || size.is_none_or(|size| size > MAX_ENTRY_BYTES as u64)
    {
        return Computed::Passed(response);
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, MAX_ENTRY_BYTES).await else {
        // The size was exact and below the cap, so this cannot happen.
        return Computed::Passed(Response::from_parts(parts, Body::empty()));
    };
    let mut hasher = rustc_hash::FxHasher::default();
    body.hash(&mut hasher);
    // Weak: gzip (added outside this layer) changes the bytes, not the
    // answer.
    let etag = format!("W/\"{:016x}-{:x}\"", hasher.finish(), body.len());
    let kept = Kept {
        content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
        content_disposition: parts.headers.get(header::CONTENT_DISPOSITION).cloned(),
        cache_control: parts
            .headers
            .get(header::CACHE_CONTROL)
            .cloned()
            .unwrap_or(HeaderValue::from_static("no-cache")),
        etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        body,
    };
    state.answers.insert(key, kept.clone());
    Computed::Kept(kept, parts)
}

/// The computed answer for the request that computed it: the handler's
/// own headers, with the ETag when kept (or 304 when it matches).
fn respond(computed: Computed, if_none_match: Option<&HeaderValue>) -> Response {
    let (kept, parts) = match computed {
        Computed::Passed(response) => return response,
        Computed::Kept(kept, parts) => (kept, parts),
    };
    if matches_etag(if_none_match, &kept.etag) {
        return answer(&kept, if_none_match);
    }
    let mut response = Response::from_parts(parts, Body::from(kept.body.clone()));
    response
        .headers_mut()
        .insert(header::ETAG, kept.etag.clone());
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, kept.cache_control);
    response
}

/// Whether `If-None-Match` names `etag` (or `*`), compared weakly as
/// RFC 9110 asks for this header.
fn matches_etag(if_none_match: Option<&HeaderValue>, etag: &HeaderValue) -> bool {
    let weak = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = weak(etag.to_str().unwrap_or(""));
    if_none_match
        .and_then(|tags| tags.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == "*" || weak(tag) == ours)
        })
}

/// A kept answer, or 304 when the client holds it already.
fn answer(kept: &Kept, if_none_match: Option<&HeaderValue>) -> Response {
    let not_modified = matches_etag(if_none_match, &kept.etag);
    let mut response = if not_modified {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(Body::from(kept.body.clone()))
    };
    let headers = response.headers_mut();
    if let (Some(content_type), false) = (&kept.content_type, not_modified) {
        headers.insert(header::CONTENT_TYPE, content_type.clone());
    }
    if let (Some(disposition), false) = (&kept.content_disposition, not_modified) {
        headers.insert(header::CONTENT_DISPOSITION, disposition.clone());
    }
    headers.insert(header::ETAG, kept.etag.clone());
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    // Cached answers are the same for everyone; unless the handler said
    // otherwise (assets), the client revalidates (cheaply, with
    // If-None-Match).
    headers.insert(header::CACHE_CONTROL, kept.cache_control.clone());
    response
}

/// Query texts longer than this are parsed every time (a generated giant
/// is not worth the room).
const MAX_PLAN_TEXT_BYTES: usize = 16 * 1024;

/// Room for parsed queries, weighed as a multiple of their text (the
/// syntax tree is a few times larger than the text).
const PLANS_BYTES: u64 = 16 * 1024 * 1024;

/// Weighs a parsed query by its text.
#[derive(Clone)]
pub struct ByText;

impl quick_cache::Weighter<String, std::sync::Arc<crate::sparql::Parsed>> for ByText {
    fn weight(&self, key: &String, _: &std::sync::Arc<crate::sparql::Parsed>) -> u64 {
        (key.len() * 8 + 512) as u64
    }
}

/// Parsed queries by base IRI and text.
pub type Plans = quick_cache::sync::Cache<String, std::sync::Arc<crate::sparql::Parsed>, ByText>;

pub fn plans() -> Plans {
    Plans::with_weighter(1024, PLANS_BYTES, ByText)
}

/// `text` parsed (with `base`) once and kept, ready for one run; errors
/// are not kept, since they name `origin`.
pub fn prepare(
    plans: &Plans,
    text: &str,
    origin: &str,
    base: &str,
) -> anyhow::Result<crate::sparql::Prepared> {
    // Said in the server's words: the command line's message for an empty
    // query speaks of files and stdin.
    if text.trim().is_empty() {
        return Err(crate::guard::error::Failure::new(
            Kind::Syntax,
            format!("the query {origin} is empty"),
        )
        .into());
    }
    if text.len() > MAX_PLAN_TEXT_BYTES {
        return crate::sparql::prepare_with_base(text, origin, Some(base));
    }
    let key = format!("{base}\n{text}");
    if let Some(parsed) = plans.get(&key) {
        return Ok(parsed.prepare());
    }
    let parsed = crate::sparql::parse(text, origin, Some(base))?;
    let prepared = parsed.prepare();
    plans.insert(key, std::sync::Arc::new(parsed));
    Ok(prepared)
}
