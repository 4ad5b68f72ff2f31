//! What one piece of work may use, and the watchdog that holds it to that:
//! time (`--timeout`, counted from the command's start, or a request's
//! timeout in the server), heap memory (`--memory`), and the network
//! through SERVICE (`--allow-service`).
//!
//! Commands create one [`Budget`] before they read anything (`query` and
//! `validate` with their `--timeout`, the others through `Graph::load`);
//! the server creates one per query. The loader asks [`Budget::check`]
//! between statements and `sparql::Prepared::execute` hands the query's
//! cancellation token to the watchdog, so the work stops cooperatively
//! with a clear error, and nothing ends the process.
//!
//! One watchdog thread serves every budget of the process. A command's
//! budget also has a last resort, for work that never looks at the token
//! (the SHACL engine, a parser on a pathological file): half a second
//! after the limit, or at once when the heap (or the resident memory the
//! command added, which also counts blocks the allocator kept after they
//! were freed) passes the ceiling by a quarter, the watchdog tells `main` (through [`supervise`]), which
//! deletes partial output files, prints the same one-line error and ends
//! the process. A server's budgets have no last resort: a request gets its
//! answer at the deadline, and the server stays up.

use crate::config::Config;
use crate::guard::error::{Failure, Kind};
use crate::guard::limits;
use crate::guard::memory;
use anyhow::Result;
use oxigraph::sparql::{CancellationToken, QueryEvaluationError};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// Whether SERVICE may call other endpoints, and if not, why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Allowed,
    /// Federation is off (no `--allow-service`).
    Off,
    /// Never, whatever the flags: `missions-kg mcp` reads nothing but its
    /// graph for an assistant.
    Never,
    /// The server allows it, but not for this request: a page of another
    /// site sent it (`server/client.rs`), and a visitor's browser must not
    /// become a way into the networks the server reaches.
    OtherOrigin,
}

impl Service {
    pub fn from_flag(allowed: bool) -> Self {
        if allowed {
            Self::Allowed
        } else {
            Self::Off
        }
    }

    pub fn allowed(self) -> bool {
        self == Self::Allowed
    }

    /// Why a SERVICE call is refused, for its error line.
    pub fn refusal(self) -> &'static str {
        match self {
            Self::OtherOrigin => {
                "this server calls other endpoints only for requests that no other site's page sent (this one came with another Origin)"
            }
            Self::Allowed | Self::Off => {
                "federation is off, so a query cannot call other endpoints (allow it with --allow-service)"
            }
            Self::Never => {
                "an assistant's query reads only this server's graph and never calls other endpoints"
            }
        }
    }
}

/// What one command's (or one request's) work may use.
#[derive(Clone)]
pub struct Budget {
    /// The timeout, as given in seconds, with the instant it runs out.
    pub timeout: Option<(f64, Instant)>,
    /// The heap ceiling, in bytes (`--memory`): the whole process's heap.
    pub memory: u64,
    /// Whether SERVICE may call other endpoints (`--allow-service`).
    pub service: Service,
    /// What the watchdog reads and sets for this budget.
    watch: Arc<Watch>,
}

/// One budget's state, shared with the watchdog.
struct Watch {
    /// The timeout as given, in seconds, and when it runs out.
    timeout: Option<(f64, Instant)>,
    memory: u64,
    /// Whether `main` ends the process when the work does not stop.
    last_resort: bool,
    /// The running query's token, for the watchdog to cancel.
    token: Mutex<Option<CancellationToken>>,
    /// Why the watchdog stopped the work (0 while it has not).
    stopped: AtomicU8,
    /// When it did, for the grace period.
    stopped_at: OnceLock<Instant>,
    /// Set once the work has its own error for the stop (or the last
    /// resort was taken): nothing prints it again.
    reported: AtomicBool,
    /// What the work is doing, for the message.
    phase: Mutex<&'static str>,
    /// Set by [`Budget::cancel`]: nobody waits for the work any more.
    abandoned: AtomicBool,
}

const BY_TIMEOUT: u8 = 1;
const BY_MEMORY: u8 = 2;

/// How long cooperative cancellation gets before a command's last resort.
const GRACE: Duration = Duration::from_millis(500);

impl Default for Budget {
    /// No limits and no SERVICE: what unit tests and the built-in queries
    /// of a command that already has a budget get.
    fn default() -> Self {
        Self {
            timeout: None,
            memory: u64::MAX,
            service: Service::Off,
            watch: Arc::new(Watch::new(None, u64::MAX, false)),
        }
    }
}

impl Watch {
    fn new(timeout: Option<(f64, Instant)>, memory: u64, last_resort: bool) -> Self {
        Self {
            timeout,
            memory,
            last_resort,
            token: Mutex::new(None),
            stopped: AtomicU8::new(0),
            stopped_at: OnceLock::new(),
            reported: AtomicBool::new(false),
            phase: Mutex::new("the command"),
            abandoned: AtomicBool::new(false),
        }
    }

    /// The one-line message for a stop: what was running, and which limit.
    fn stop_message(&self) -> Failure {
        let phase = self.phase.lock().map_or("the command", |phase| *phase);
        match (self.stopped.load(Ordering::SeqCst), self.timeout) {
            (BY_MEMORY, _) | (_, None) => memory::over_ceiling(phase, self.memory),
            (_, Some((seconds, _))) => timed_out(phase, seconds),
        }
    }
}

impl Budget {
    /// Starts the clock for a command with `--timeout seconds`; the
    /// command's last resort applies (see the module's comment).
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
        Ok(Self::watched(
            timeout,
            config.memory,
            Service::from_flag(config.allow_service),
            true,
        ))
    }

    /// Starts the clock for one server request: cancelled at the deadline,
    /// never ending the process.
    pub fn for_request(timeout: Duration, memory: u64, service: Service) -> Self {
        let timeout = Instant::now()
            .checked_add(timeout)
            .map(|deadline| (timeout.as_secs_f64(), deadline));
        Self::watched(timeout, memory, service, false)
    }

    fn watched(
        timeout: Option<(f64, Instant)>,
        memory: u64,
        service: Service,
        last_resort: bool,
    ) -> Self {
        let watch = Arc::new(Watch::new(timeout, memory, last_resort));
        if timeout.is_some() || memory != u64::MAX {
            watchdog::register(&watch);
        }
        Self {
            timeout,
            memory,
            service,
            watch,
        }
    }

    /// Fails when the time or the memory has run out; `what` names the
    /// work in the message ("loading", "validation", "query").
    pub fn check(&self, what: &'static str) -> Result<(), Failure> {
        self.set_phase(what);
        let failure = match self.timeout {
            Some((seconds, deadline)) if Instant::now() >= deadline => timed_out(what, seconds),
            _ if memory::held() > self.memory => memory::over_ceiling(what, self.memory),
            _ => return Ok(()),
        };
        self.watch.reported.store(true, Ordering::SeqCst);
        Err(failure)
    }

    /// Whether the watchdog stopped the work for running out of time.
    pub fn timed_out(&self) -> bool {
        self.watch.stopped.load(Ordering::SeqCst) == BY_TIMEOUT
            || self
                .timeout
                .is_some_and(|(_, deadline)| Instant::now() >= deadline)
    }

    /// Lets the watchdog cancel this query when the budget runs out.
    pub fn watch_query(&self, token: &CancellationToken) {
        self.set_phase("query");
        if let Ok(mut slot) = self.watch.token.lock() {
            *slot = Some(token.clone());
        }
        // Already over: cancel now rather than at the next tick.
        if self.watch.stopped.load(Ordering::SeqCst) != 0
            || self.watch.abandoned.load(Ordering::SeqCst)
        {
            token.cancel();
        }
    }

    /// Stops the work under this budget now, as a timeout would: the server
    /// calls it when the client went away before its answer.
    pub fn cancel(&self) {
        self.watch.abandoned.store(true, Ordering::SeqCst);
        if let Some(token) = self.watch.token.lock().ok().and_then(|t| t.clone()) {
            token.cancel();
        }
    }

    /// Names what the work does now, for the watchdog's message.
    pub fn set_phase(&self, what: &'static str) {
        if let Ok(mut phase) = self.watch.phase.lock() {
            *phase = what;
        }
    }

    /// Rewrites a cancelled query's error into the message of what stopped it.
    pub fn explain_stop(&self, error: anyhow::Error) -> anyhow::Error {
        let cancelled = error.chain().any(|cause| {
            matches!(
                cause.downcast_ref::<QueryEvaluationError>(),
                Some(QueryEvaluationError::Cancelled)
            )
        });
        if cancelled {
            self.watch.reported.store(true, Ordering::SeqCst);
            self.watch.stop_message().into()
        } else {
            error
        }
    }
}

/// The failure of work that ran out of time.
fn timed_out(what: &str, seconds: f64) -> Failure {
    Failure::new(
        Kind::TimedOut,
        format!("{what} timed out after {seconds} s"),
    )
}

/// The panic payload of a cancelled evaluation (see [`notice_cancellation`]).
struct Cancelled;

thread_local! {
    /// The token of the query this thread evaluates, and a countdown to
    /// the next look at it.
    static EVALUATING: std::cell::RefCell<Option<CancellationToken>> =
        const { std::cell::RefCell::new(None) };
    static COUNTDOWN: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// How many term clones pass between two looks at the token.
const LOOK_EVERY: u32 = 4096;

/// Names the token of the query this thread is about to evaluate.
pub fn evaluating(token: &CancellationToken) {
    EVALUATING.with_borrow_mut(|slot| *slot = Some(token.clone()));
}

/// Called by the evaluator's hot loops (through `dataset::EvalTerm`'s
/// clone): unwinds out of the evaluation when its token was cancelled.
/// spareval looks at the token only when it reads the dataset; a join of
/// sides already in memory (feeding COUNT, ORDER BY, DISTINCT) can run for
/// minutes without reading it, and a thread cannot be stopped from
/// outside. The unwinding is caught by [`catch_cancellation`], which every
/// caller that evaluates wraps around the work, and turned into the
/// ordinary cancellation error.
#[inline]
pub fn notice_cancellation() {
    let left = COUNTDOWN.get();
    if left > 0 {
        COUNTDOWN.set(left - 1);
        return;
    }
    COUNTDOWN.set(LOOK_EVERY);
    let cancelled =
        EVALUATING.with_borrow(|token| token.as_ref().is_some_and(CancellationToken::is_cancelled));
    if cancelled {
        std::panic::panic_any(Cancelled);
    }
}

/// Runs `work`, turning a cancellation noticed deep in the evaluator into
/// [`QueryEvaluationError::Cancelled`]; any other panic goes on unwinding.
pub fn catch_cancellation<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) if payload.is::<Cancelled>() => Err(QueryEvaluationError::Cancelled.into()),
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Whether a caught panic is a cancellation's unwinding.
pub fn is_cancellation(payload: &(dyn std::any::Any + Send)) -> bool {
    payload.is::<Cancelled>()
}

/// Keeps the default panic message for real panics only: a cancellation's
/// unwinding is not one, nor a panic [`contain_panic`] turns into an error
/// (called once, by `main`).
pub fn quiet_cancellations() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload().is::<Cancelled>() && CONTAINING.load(Ordering::Relaxed) == 0 {
            default(info);
        }
    }));
}

/// How many [`contain_panic`] calls are running, on any thread: the crate
/// they guard may panic on a thread of its own (its rayon workers), so the
/// hook cannot tell by thread. A real panic elsewhere meanwhile loses its
/// message (the server still answers it with a 500).
static CONTAINING: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` from a crate that panics on malformed input it was handed
/// (the `hdt` crate on a damaged store file), returning the panic's message
/// as an error instead of unwinding further. A cancellation goes on
/// unwinding, to be caught where it always is.
pub fn contain_panic<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    CONTAINING.fetch_add(1, Ordering::Relaxed);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CONTAINING.fetch_sub(1, Ordering::Relaxed);
    match caught {
        Ok(value) => Ok(value),
        Err(payload) if payload.is::<Cancelled>() => std::panic::resume_unwind(payload),
        Err(payload) => Err(payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unexpected failure".to_owned())),
    }
}

/// How the work handed to [`supervise`] ended.
pub enum Ending {
    /// It returned, with its result.
    Finished(Result<()>),
    /// It was given up on. `main` prints what the [`Stop`] says, if
    /// anything, and chooses the exit code.
    Abandoned(Stop),
}

/// Why work was given up on before it returned.
#[derive(Debug)]
pub enum Stop {
    /// It panicked (the panic hook printed why).
    Panicked,
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// It ran past its budget and did not stop when told.
    Overrun(Failure),
}

/// Where the last resort and the interrupt handler report to `main`.
static ENDINGS: Mutex<Option<Sender<Ending>>> = Mutex::new(None);

/// Runs `work` on a worker thread with a [`limits::STACK_BYTES`] stack (or
/// the largest of [`limits::SMALLER_STACKS`] the process may reserve, the
/// depth limits scaled to it) and waits for it to finish, or for the
/// process to give up on it ([`abandon`]). Called once, by `main`, which
/// alone ends the process.
pub fn supervise(work: impl FnOnce() -> Result<()> + Send + 'static) -> Ending {
    let (sender, receiver) = mpsc::channel();
    if let Ok(mut endings) = ENDINGS.lock() {
        *endings = Some(sender.clone());
    }
    // Kept here until a thread starts: a spawn that fails drops what it
    // was given, and the next size needs the work again.
    let work = Arc::new(Mutex::new(Some(work)));
    let mut failure = None;
    for stack in std::iter::once(limits::STACK_BYTES).chain(limits::SMALLER_STACKS) {
        let (work, sender) = (work.clone(), sender.clone());
        let spawned = thread::Builder::new()
            .name("work".into())
            .stack_size(stack)
            .spawn(move || {
                let Some(work) = work.lock().ok().and_then(|mut work| work.take()) else {
                    return;
                };
                // Before any input is measured against the depth limits.
                limits::lower_stack(stack);
                // A panic must end the wait too: the sender kept in ENDINGS
                // would otherwise keep `recv` waiting for ever.
                let ending = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
                    Ok(result) => Ending::Finished(result),
                    // The hook printed why.
                    Err(_) => Ending::Abandoned(Stop::Panicked),
                };
                let _ = sender.send(ending);
            });
        match spawned {
            Ok(_) => {
                failure = None;
                break;
            }
            Err(error) => failure = Some(error),
        }
    }
    if let Some(error) = failure {
        return Ending::Finished(Err(Failure::new(
            Kind::Exhausted,
            format!(
                "cannot start the work thread, even with a {} MiB stack: {error} (is the address space limited? see ulimit -v)",
                limits::SMALLER_STACKS[limits::SMALLER_STACKS.len() - 1] >> 20
            ),
        )
        .into()));
    }
    drop(sender);
    receiver.recv().unwrap_or_else(|_| {
        // The worker ended without a word: it panicked (the hook printed why).
        Ending::Abandoned(Stop::Panicked)
    })
}

/// Asks `main` to end the process (see [`supervise`]); without a
/// supervisor (unit tests) nothing happens.
pub fn abandon(stop: Stop) {
    if let Some(sender) = ENDINGS.lock().ok().and_then(|endings| endings.clone()) {
        let _ = sender.send(Ending::Abandoned(stop));
    }
}

/// The one watchdog thread: it wakes every few milliseconds while budgets
/// are registered, cancels those that ran out, and takes a command's last
/// resort when its work does not stop.
mod watchdog {
    use super::*;

    static WATCHED: Mutex<Vec<Weak<Watch>>> = Mutex::new(Vec::new());

    /// Watches `watch` for as long as its budget lives.
    pub(super) fn register(watch: &Arc<Watch>) {
        static STARTED: OnceLock<()> = OnceLock::new();
        if let Ok(mut watched) = WATCHED.lock() {
            watched.push(Arc::downgrade(watch));
        }
        STARTED.get_or_init(|| {
            // The first reading: what the program itself has resident.
            memory::resident_growth();
            // Without a watchdog the cooperative checks still hold.
            let _ = thread::Builder::new().name("watchdog".into()).spawn(run);
        });
    }

    fn run() {
        loop {
            let watched: Vec<Arc<Watch>> = match WATCHED.lock() {
                Ok(mut watched) => {
                    watched.retain(|watch| watch.strong_count() > 0);
                    watched.iter().filter_map(Weak::upgrade).collect()
                }
                Err(_) => return,
            };
            let idle = watched.is_empty();
            for watch in watched {
                tick(&watch);
            }
            thread::sleep(Duration::from_millis(if idle { 100 } else { 10 }));
        }
    }

    fn tick(watch: &Watch) {
        let held = memory::held();
        // A command's ceiling is what it may make resident; a server's
        // budgets share the process, whose resident set also holds what
        // earlier requests left with the allocator, so they count heap.
        let held = if watch.last_resort {
            held.max(memory::resident_growth())
        } else {
            held
        };
        if watch.stopped.load(Ordering::SeqCst) == 0 {
            let reason = match watch.timeout {
                Some((_, deadline)) if Instant::now() >= deadline => BY_TIMEOUT,
                _ if held > watch.memory => BY_MEMORY,
                _ => return,
            };
            watch.stopped.store(reason, Ordering::SeqCst);
            let _ = watch.stopped_at.set(Instant::now());
            if let Some(token) = watch.token.lock().ok().and_then(|t| t.clone()) {
                token.cancel();
            }
            return;
        }
        if !watch.last_resort || watch.reported.load(Ordering::SeqCst) {
            return;
        }
        // Memory may keep growing where nothing looks at the token: the
        // ceiling is a promise, so the grace ends early then.
        let hard_ceiling = watch.memory.saturating_add(watch.memory / 4);
        let grace_over = watch
            .stopped_at
            .get()
            .is_some_and(|at| at.elapsed() >= GRACE);
        if grace_over || held > hard_ceiling {
            watch.reported.store(true, Ordering::SeqCst);
            abandon(Stop::Overrun(watch.stop_message()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_command_ends_the_wait_as_panicked() {
        // Before, the sender kept for `abandon` made `recv` wait for ever.
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let ending = supervise(|| panic!("a bug"));
            let _ = done.send(matches!(ending, Ending::Abandoned(Stop::Panicked)));
        });
        let ended = finished.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(ended, Ok(true));
    }
}
