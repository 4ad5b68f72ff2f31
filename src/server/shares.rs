//! Each client's share of the query slots, so that one client (one peer
//! address) cannot take them all: by default half of `--max-queries`,
//! rounded up (`--max-queries-per-client`). Counted here, checked by
//! [`super::run_query`] before a request waits for a slot; the peer's
//! address comes from the connection (`listen.rs` puts it on each request,
//! the router's guard scopes it over the handler as [`PEER`]).
//!
//! Like nginx's `limit_conn` by `$binary_remote_addr`, this trusts the
//! connection's address, not `X-Forwarded-For`: behind a reverse proxy
//! every client is the proxy, so set the share to `--max-queries` there.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// The connection's peer address, put on each request by the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

tokio::task_local! {
    /// The address of the client whose request is being handled (unset for
    /// requests that came through no connection: the in-process tests).
    pub static PEER: IpAddr;
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

    /// A share for the client handled now, or `None` when it already runs
    /// as many queries as it may. A request with no known client is not
    /// counted.
    pub fn enter(&self) -> Option<Option<Share>> {
        let Ok(client) = PEER.try_with(|peer| *peer) else {
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
