//! What one command may use, and the watchdog that holds it to that: time
//! (`--timeout`, counted from the command's start), heap memory
//! (`--memory`), and the network through SERVICE (`--allow-service`).
//!
//! Commands create one [`Budget`] before they read anything (`query` and
//! `validate` with their `--timeout`, the others through
//! `Graph::open`). The loader asks [`Budget::check`] between
//! statements and `sparql::Prepared::execute` hands the query's
//! cancellation token to the watchdog, so the work stops cooperatively
//! with a clear error. Work that never looks (a join over data already in
//! memory, the SHACL engine, a parser on a pathological file) is ended by
//! the watchdog itself: half a second after the limit, or at once when the
//! heap passes the ceiling by a quarter, it deletes partial output files,
//! prints the same one-line error and ends the process.

use crate::config::Config;
use crate::error::Failure;
use crate::limits;
use crate::memory;
use anyhow::Result;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What one command's work may use.
#[derive(Clone)]
pub struct Budget {
    /// `--timeout`, as given, with the instant it runs out.
    pub timeout: Option<(f64, Instant)>,
    /// The `--memory` ceiling, in bytes.
    pub memory: u64,
    /// `--allow-service`.
    pub allow_service: bool,
    /// The running query's token, for the watchdog to cancel.
    token: Arc<Mutex<Option<CancellationToken>>>,
}

impl Default for Budget {
    /// No limits and no SERVICE, no watchdog: what unit tests and the
    /// built-in queries of a command that already has a budget get.
    fn default() -> Self {
        Self {
            timeout: None,
            memory: u64::MAX,
            allow_service: false,
            token: Arc::default(),
        }
    }
}

/// Why the watchdog stopped the work.
static STOPPED: AtomicU8 = AtomicU8::new(0);
const BY_TIMEOUT: u8 = 1;
const BY_MEMORY: u8 = 2;
/// Set once the command has its own error for the stop: the watchdog's
/// last resort must not print it again.
static REPORTED: AtomicBool = AtomicBool::new(false);
/// What the command is doing, for the watchdog's message.
static PHASE: Mutex<&str> = Mutex::new("the command");

/// How long cooperative cancellation gets before the watchdog ends the
/// process.
const GRACE: Duration = Duration::from_millis(500);

impl Budget {
    /// Starts the clock (and the watchdog) for a command with `--timeout
    /// seconds`.
    pub fn new(config: &Config, timeout: Option<f64>) -> Result<Self> {
        let timeout = match timeout {
            None => None,
            Some(seconds) => {
                let deadline = Instant::now().checked_add(limits::timeout(seconds)?);
                Some((
                    seconds,
                    deadline.ok_or_else(|| limits::timeout_too_large(seconds))?,
                ))
            }
        };
        let budget = Self {
            timeout,
            memory: config.memory,
            allow_service: config.allow_service,
            token: Arc::default(),
        };
        budget.start_watchdog();
        Ok(budget)
    }

    /// Fails when the time or the memory has run out; `what` names the
    /// work in the message ("loading", "validation", "query").
    pub fn check(&self, what: &'static str) -> Result<(), Failure> {
        set_phase(what);
        let failure = match self.timeout {
            Some((seconds, deadline)) if Instant::now() >= deadline => {
                Failure::new(format!("{what} timed out after {seconds} s"))
            }
            _ if memory::held() > self.memory => memory::over_ceiling(what, self.memory),
            _ => return Ok(()),
        };
        REPORTED.store(true, Ordering::SeqCst);
        Err(failure)
    }

    /// Lets the watchdog cancel this query when the budget runs out.
    pub fn watch_query(&self, token: &CancellationToken) {
        set_phase("query");
        if let Ok(mut slot) = self.token.lock() {
            *slot = Some(token.clone());
        }
    }

    fn start_watchdog(&self) {
        if self.timeout.is_none() && self.memory == u64::MAX {
            return;
        }
        let budget = self.clone();
        let step = Duration::from_millis(10);
        let spawned = thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || {
                loop {
                    thread::sleep(step);
                    let reason = match budget.timeout {
                        Some((_, deadline)) if Instant::now() >= deadline => BY_TIMEOUT,
                        _ if memory::held() > budget.memory => BY_MEMORY,
                        _ => continue,
                    };
                    STOPPED.store(reason, Ordering::SeqCst);
                    if let Some(token) = budget.token.lock().ok().and_then(|t| t.clone()) {
                        token.cancel();
                    }
                    break;
                }
                // Memory may keep growing where nothing looks at the token:
                // the ceiling is a promise, so the grace ends early then.
                let grace = Instant::now() + GRACE;
                let hard_ceiling = budget.memory.saturating_add(budget.memory / 4);
                while Instant::now() < grace && memory::held() <= hard_ceiling {
                    if REPORTED.load(Ordering::SeqCst) {
                        return;
                    }
                    thread::sleep(step);
                }
                if REPORTED.load(Ordering::SeqCst) {
                    return;
                }
                crate::commands::discard_partial_outputs();
                let _ = writeln!(std::io::stderr(), "error: {}", budget.stop_message());
                std::process::exit(i32::from(crate::error::FAILURE));
            });
        // Without a watchdog the cooperative checks still hold.
        drop(spawned);
    }

    fn stop_message(&self) -> String {
        let phase = PHASE.lock().map_or("the command", |phase| *phase);
        match (STOPPED.load(Ordering::SeqCst), self.timeout) {
            (BY_TIMEOUT, Some((seconds, _))) => format!("{phase} timed out after {seconds} s"),
            _ => memory::over_ceiling(phase, self.memory).message,
        }
    }
}

/// Names what the command does now, for the watchdog's message.
pub fn set_phase(what: &'static str) {
    if let Ok(mut phase) = PHASE.lock() {
        *phase = what;
    }
}

/// Rewrites a cancelled query's error into the message of what stopped it.
pub fn explain_stop(error: anyhow::Error, budget: &Budget) -> anyhow::Error {
    let cancelled = error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<QueryEvaluationError>(),
            Some(QueryEvaluationError::Cancelled)
        )
    });
    if cancelled {
        REPORTED.store(true, Ordering::SeqCst);
        Failure::new(budget.stop_message()).into()
    } else {
        error
    }
}
