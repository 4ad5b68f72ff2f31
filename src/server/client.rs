//! Who sent the request being handled, as far as the server needs to
//! know: the peer's address, for its share of the query slots (by default
//! half of `--max-queries`, rounded up: `--max-queries-per-client`), and
//! whether a page of another site sent it, for SERVICE. The router's guard
//! (`server.rs`) reads both from the request and scopes them over the
//! handler as [`CLIENT`]; [`super::run_query`] reads them. The peer's
//! address comes from the connection (`listen.rs` puts it on each request).
//!
//! Like nginx's `limit_conn` by `$binary_remote_addr`, the share trusts
//! the connection's address, not `X-Forwarded-For`: behind a reverse proxy
//! every client is the proxy, so set the share to `--max-queries` there.

use axum::http::{header, HeaderMap};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The connection's peer address, put on each request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

/// The request's client.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    /// `None` for requests that came through no connection (the tests
    /// that call the router in process).
    pub peer: Option<IpAddr>,
    /// Sent by a page of another site: its answer may be read there (CORS
    /// is open), and a form can send it in a visitor's name, so it must
    /// not reach the networks the server can reach (SERVICE).
    pub other_origin: bool,
}

tokio::task_local! {
    /// The client of the request being handled.
    pub static CLIENT: Client;
}

impl Client {
    /// The client of the request with these headers, from `peer`, on a
    /// server whose public URL is `public` (`http://host:port/`).
    pub fn of(headers: &HeaderMap, peer: Option<IpAddr>, public: &str) -> Self {
        Self {
            peer,
            other_origin: other_origin(headers, public),
        }
    }

    /// The client of the request being handled (a client that is not a
    /// browser, when none was scoped).
    pub fn now() -> Self {
        CLIENT.try_with(|client| *client).unwrap_or(Self {
            peer: None,
            other_origin: false,
        })
    }
}

/// Whether a browser says a page of another origin sent the request:
/// `Sec-Fetch-Site` of `cross-site` or `same-site` (every current browser
/// sends it, navigations included), or an `Origin` (sent with every
/// cross-origin request and form POST) that is neither the server's
/// public one nor the one its `Host` header names. Clients that are not
/// browsers send neither, and are not affected.
fn other_origin(headers: &HeaderMap, public: &str) -> bool {
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if matches!(text("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let origin = origin.trim_end_matches('/');
    let own = public.trim_end_matches('/');
    let by_host = text("host").map(|host| [format!("http://{host}"), format!("https://{host}")]);
    !(origin == own || by_host.is_some_and(|hosts| hosts.iter().any(|h| h == origin)))
}

/// How many queries each client is running.
pub struct Shares {
    per_client: usize,
    running: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One running query of one client; its count goes down when dropped
/// (with the query's slot, once the work has really ended).
pub struct Share {
    client: IpAddr,
    running: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Shares {
    pub fn new(per_client: usize) -> Self {
        Self {
            per_client: per_client.max(1),
            running: Arc::default(),
        }
    }

    pub fn per_client(&self) -> usize {
        self.per_client
    }

    /// A share for `peer`, or `None` when it already runs as many queries
    /// as it may. A request with no known peer is not counted.
    pub fn enter(&self, peer: Option<IpAddr>) -> Option<Option<Share>> {
        let Some(client) = peer else {
            return Some(None);
        };
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let count = running.entry(client).or_insert(0);
        if *count >= self.per_client {
            return None;
        }
        *count += 1;
        Some(Some(Share {
            client,
            running: self.running.clone(),
        }))
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = running.get_mut(&self.client) {
            *count -= 1;
            // The map holds only clients with queries running.
            if *count == 0 {
                running.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn other_origins_are_told_apart_from_the_servers_own() {
        let public = "http://127.0.0.1:7878/";
        let other = |pairs| other_origin(&headers(pairs), public);
        assert!(!other(&[]), "curl, SPARQLWrapper: no Origin");
        assert!(!other(&[("origin", "http://127.0.0.1:7878")]));
        assert!(!other(&[
            ("origin", "http://kg.example"),
            ("host", "kg.example")
        ]));
        assert!(!other(&[("sec-fetch-site", "same-origin")]));
        assert!(
            !other(&[("sec-fetch-site", "none")]),
            "typed in the address bar"
        );
        assert!(other(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:7878")
        ]));
        assert!(
            other(&[("origin", "null")]),
            "a sandboxed page, a data: URL"
        );
        assert!(
            other(&[("sec-fetch-site", "cross-site")]),
            "a link from elsewhere"
        );
        assert!(
            other(&[("sec-fetch-site", "same-site")]),
            "another port or subdomain"
        );
    }
}
