//! `/health` and `/metrics`: whether the server is up, and what it has
//! answered, in Prometheus' text format (requests by route and status, a
//! latency histogram, queries running, timeouts, cache hits, answers
//! shared by identical requests, refusals for lack of a free slot). Routes are named from a fixed list, so hostile paths cannot
//! grow the set of series.

use super::Shared;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0,
];

/// What the server has answered since it started.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// Per bucket (the last is +Inf), not cumulative: summed when shown.
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
    running: Arc<AtomicI64>,
    timeouts: AtomicU64,
    busy: AtomicU64,
    cache_hits: AtomicU64,
    coalesced: AtomicU64,
}

/// Holds one "query running" until dropped.
pub struct Running(Arc<AtomicI64>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Metrics {
    pub fn record(&self, route: &'static str, status: u16, elapsed: Duration) {
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((route, status)).or_default() += 1;
        }
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.latency[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// Counts a query as running until the guard is dropped.
    pub fn running(&self) -> Running {
        self.running.fetch_add(1, Ordering::SeqCst);
        Running(self.running.clone())
    }

    pub fn timeout(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub fn coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
    }

    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "# HELP missions_kg_requests_total HTTP requests answered, by route and status."
        );
        let _ = writeln!(text, "# TYPE missions_kg_requests_total counter");
        if let Ok(requests) = self.requests.lock() {
            for ((route, status), count) in requests.iter() {
                let _ = writeln!(
                    text,
                    "missions_kg_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
        let _ = writeln!(
            text,
            "# HELP missions_kg_request_duration_seconds Time to answer a request."
        );
        let _ = writeln!(
            text,
            "# TYPE missions_kg_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (index, count) in self.latency.iter().enumerate() {
            cumulative += count.load(Ordering::Relaxed);
            let bound = BUCKETS
                .get(index)
                .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
            let _ = writeln!(
                text,
                "missions_kg_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let micros = self.latency_micros.load(Ordering::Relaxed);
        let _ = writeln!(
            text,
            "missions_kg_request_duration_seconds_sum {}",
            micros as f64 / 1e6
        );
        let _ = writeln!(
            text,
            "missions_kg_request_duration_seconds_count {cumulative}"
        );
        let gauges = [
            (
                "queries_running",
                "gauge",
                "Queries running now.",
                self.running.load(Ordering::SeqCst),
            ),
            (
                "query_timeouts_total",
                "counter",
                "Queries stopped at the timeout.",
                i64::try_from(self.timeouts.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
            ),
            (
                "cache_hits_total",
                "counter",
                "Answers served from the cache of identical requests.",
                i64::try_from(self.cache_hits.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
            ),
            (
                "requests_coalesced_total",
                "counter",
                "Answers given to requests that waited for an identical request's, computed once for all.",
                i64::try_from(self.coalesced.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
            ),
            (
                "queries_refused_busy_total",
                "counter",
                "Queries refused with 503 because every slot was taken.",
                i64::try_from(self.busy.load(Ordering::Relaxed)).unwrap_or(i64::MAX),
            ),
        ];
        for (name, kind, help, value) in gauges {
            let _ = writeln!(text, "# HELP missions_kg_{name} {help}");
            let _ = writeln!(text, "# TYPE missions_kg_{name} {kind}");
            let _ = writeln!(text, "missions_kg_{name} {value}");
        }
        let held = crate::guard::memory::held();
        let _ = writeln!(text, "# HELP missions_kg_heap_bytes Heap memory in use.");
        let _ = writeln!(text, "# TYPE missions_kg_heap_bytes gauge");
        let _ = writeln!(text, "missions_kg_heap_bytes {held}");
        text
    }
}

/// The route a path belongs to, from a fixed list.
pub fn route_of(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    // `/ontology.ttl` is the ontology's resource too.
    let first = if first.starts_with("ontology.") {
        "ontology"
    } else {
        first
    };
    match first {
        "" => "/",
        "sparql" | "query" => "/sparql",
        "queries" => "/queries",
        "store" => "/store",
        "id" | "source" | "graph" | "link" | "ontology" => "/resource",
        "search" => "/search",
        "timeline" => "/timeline",
        "ui" => "/ui",
        "assets" => "/assets",
        "health" => "/health",
        "metrics" => "/metrics",
        "mcp" => "/mcp",
        _ => "other",
    }
}

pub async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

pub async fn metrics(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
}
