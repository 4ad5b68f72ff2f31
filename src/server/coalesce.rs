//! Identical requests computed once: request coalescing, "single-flight",
//! what Varnish's request coalescing and nginx's `proxy_cache_lock` do.
//! When a request the answer cache could keep misses it while an identical
//! one (the same cache key) is being computed, it waits for that one's
//! answer instead of taking a query slot and its client's share of them:
//! a client's burst of identical requests on a cold cache (`wrk`'s eight
//! connections on a stored query) runs one query, not eight, and is not
//! refused past its share. The cache layer (`cache.rs`) is the only caller:
//! it asks [`Flights::join`] on a miss, and the leader lands with the
//! answer for all (the kept answer; a timeout) or none, when the waiters
//! are to compute their own (an answer not kept: an error, too large,
//! `no-store`), with [`Lead::land`].
//!
//! Why not quick_cache's own placeholder guards (`get_value_or_guard_async`):
//! a guard dropped without a value hands the key to one waiter at a time,
//! so identical requests whose answer is not kept (one calling `RAND()`, a
//! 503 past the leader's client's share) would run one after the other,
//! each waiting for the one before; here the waiters then run their own at
//! once, as without coalescing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use tokio::sync::watch;

/// Where a computation is.
#[derive(Clone)]
enum State<V> {
    Computing,
    /// The answer for all who wait.
    Shared(V),
    /// None: each computes its own.
    Own,
}

/// The requests being computed, by cache key: each has one leader, which
/// computes, and any number of waiters.
pub struct Flights<V> {
    running: Mutex<HashMap<String, Flight<V>>>,
    next_id: AtomicU64,
}

/// One computation: its leader's number, and where its waiters subscribe.
struct Flight<V> {
    id: u64,
    state: watch::Receiver<State<V>>,
}

/// What [`Flights::join`] found.
pub enum Joined<'a, V> {
    /// The answer, kept meanwhile.
    Found(V),
    /// No identical request is being computed: this one is, by its caller.
    Lead(Lead<'a, V>),
    /// One is: wait for it.
    Wait(Wait<V>),
}

/// The request that computes for all who wait; it leaves the flights when
/// dropped, landed or not.
pub struct Lead<'a, V> {
    flights: &'a Flights<V>,
    key: String,
    id: u64,
    sender: watch::Sender<State<V>>,
}

/// A request waiting for an identical one's answer.
pub struct Wait<V>(watch::Receiver<State<V>>);

/// How the awaited computation ended.
pub enum Landed<V> {
    /// With this answer for all.
    Shared(V),
    /// With an answer for its own request only: each waiter computes its
    /// own.
    Own,
    /// Without an answer (its client left, a panic): join again.
    Abandoned,
}

impl<V> Default for Flights<V> {
    fn default() -> Self {
        Self {
            running: Mutex::default(),
            next_id: AtomicU64::new(0),
        }
    }
}

impl<V: Clone> Flights<V> {
    /// Joins the computation of `key`'s answer: waits for it if one is on,
    /// else, when `kept` (the cache, asked under the same lock, after a
    /// leader has kept its answer and before it has left) has no answer
    /// either, leads it.
    pub fn join(&self, key: &str, kept: impl FnOnce() -> Option<V>) -> Joined<'_, V> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(flight) = running.get(key) {
            return Joined::Wait(Wait(flight.state.clone()));
        }
        if let Some(value) = kept() {
            return Joined::Found(value);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = watch::channel(State::Computing);
        running.insert(
            key.to_owned(),
            Flight {
                id,
                state: receiver,
            },
        );
        Joined::Lead(Lead {
            flights: self,
            key: key.to_owned(),
            id,
            sender,
        })
    }

    /// How many computations are on (for the tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.running.lock().map(|r| r.len()).unwrap_or(0)
    }
}

impl<V> Lead<'_, V> {
    /// Gives the waiters the answer for all (`Some`), or tells them to
    /// compute their own (`None`).
    pub fn land(self, shared: Option<V>) {
        let state = match shared {
            Some(value) => State::Shared(value),
            None => State::Own,
        };
        self.sender.send_replace(state);
    }
}

impl<V> Drop for Lead<'_, V> {
    fn drop(&mut self) {
        let mut running = self
            .flights
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if running
            .get(&self.key)
            .is_some_and(|flight| flight.id == self.id)
        {
            running.remove(&self.key);
        }
        // The sender goes with this: waiters not yet given an answer see
        // the computation abandoned.
    }
}

impl<V: Clone> Wait<V> {
    /// Waits for the leader to land (its caller bounds the wait).
    pub async fn landed(mut self) -> Landed<V> {
        match self
            .0
            .wait_for(|state| !matches!(state, State::Computing))
            .await
        {
            Ok(state) => match &*state {
                State::Shared(value) => Landed::Shared(value.clone()),
                _ => Landed::Own,
            },
            Err(_) => Landed::Abandoned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(future)
    }

    fn lead<'a>(joined: Joined<'a, u32>) -> Lead<'a, u32> {
        match joined {
            Joined::Lead(lead) => lead,
            _ => panic!("expected to lead"),
        }
    }

    fn wait(joined: Joined<'_, u32>) -> Wait<u32> {
        match joined {
            Joined::Wait(wait) => wait,
            _ => panic!("expected to wait"),
        }
    }

    #[test]
    fn waiters_get_the_leaders_answer() {
        let flights = Flights::default();
        let leader = lead(flights.join("k", || None));
        let waiters: Vec<_> = (0..3).map(|_| wait(flights.join("k", || None))).collect();
        // Another key is another computation.
        let other = lead(flights.join("other", || None));
        leader.land(Some(7));
        drop(other);
        assert_eq!(flights.len(), 0);
        for waiter in waiters {
            assert!(matches!(block_on(waiter.landed()), Landed::Shared(7)));
        }
    }

    #[test]
    fn an_answer_kept_meanwhile_is_found_under_the_lock() {
        let flights = Flights::default();
        assert!(matches!(flights.join("k", || Some(3)), Joined::Found(3)));
        assert_eq!(flights.len(), 0);
    }

    #[test]
    fn waiters_compute_their_own_when_the_answer_is_not_for_all() {
        let flights = Flights::default();
        let leader = lead(flights.join("k", || None));
        let waiter = wait(flights.join("k", || None));
        leader.land(None);
        assert!(matches!(block_on(waiter.landed()), Landed::Own));
    }

    #[test]
    fn a_leader_that_leaves_lets_the_next_request_lead() {
        let flights = Flights::default();
        let leader = lead(flights.join("k", || None));
        let waiter = wait(flights.join("k", || None));
        drop(leader);
        assert!(matches!(block_on(waiter.landed()), Landed::Abandoned));
        let next = lead(flights.join("k", || None));
        next.land(Some(1));
        assert_eq!(flights.len(), 0);
    }
}
