//! Reading an endpoint's answer within its request's timeout. The body,
//! already read whole (at most 64 MiB), is measured for nesting and parsed
//! on a thread of its own, and the caller waits for each row at most what
//! is left of the timeout: parsing nested triple terms costs time that
//! grows with the square of their depth, and a JSON answer whose rows come
//! before its variables is parsed whole before the first row; neither can
//! be interrupted, so the waiting is what is bounded. Called by
//! [`super::SparqlClient`]'s queries.

use crate::guard::error::{one_line, Failure, Kind};
use crate::guard::limits::{self, Syntax};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{QuerySolution, Variable};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// What an answer is read as: SPARQL results, or an RDF graph.
pub(super) enum Shape {
    Results(QueryResultsFormat),
    Graph(RdfFormat),
}

/// What the parser hands over, in order: for results, their variables or
/// their boolean first, then the rows; for a graph, its triples.
pub(super) enum Parsed {
    Variables(Vec<Variable>),
    Boolean(bool),
    Solution(QuerySolution),
    Triple(Triple),
}

/// Items go to the caller in batches of at most this many, or of this
/// many values (a row of 100,000 variables holds 100,000): one hand-over
/// per row would cost more than the row, and the parser, at most a batch
/// or two ahead of the caller, does not fill memory with rows it has not
/// asked for yet.
const BATCH_ITEMS: usize = 1024;
const BATCH_VALUES: usize = 65_536;

/// One hand-over from the parser: items, or the end (no items).
type Batch = Result<Vec<Parsed>, Failure>;

/// An answer being parsed, its items read in order.
pub(super) struct Answer {
    receiver: Receiver<Batch>,
    /// The items handed over and not yet read.
    batch: std::vec::IntoIter<Parsed>,
    /// What is left of the request's timeout for waiting on the parser.
    left: Duration,
    timeout: Duration,
    shown: String,
    /// Set at the end or after an error: nothing more is read.
    over: bool,
}

impl Answer {
    /// Starts parsing `body` as `shape`, for the endpoint shown as `shown`
    /// whose request's `timeout` runs out at `deadline`.
    pub(super) fn parse(
        body: Vec<u8>,
        shape: Shape,
        shown: &str,
        timeout: Duration,
        deadline: Instant,
    ) -> Result<Self, Failure> {
        let (sender, receiver) = mpsc::sync_channel(1);
        let named = shown.to_owned();
        // The large stack of every command's thread (`limits::STACK_BYTES`):
        // the parsers recurse as terms nest.
        std::thread::Builder::new()
            .name("answer".into())
            .stack_size(limits::STACK_BYTES)
            .spawn(move || parse(&body, &shape, &named, Batcher::new(&sender)))
            .map_err(|e| {
                Failure::new(
                    Kind::Internal,
                    format!("cannot start the thread that reads the answer: {e}"),
                )
            })?;
        Ok(Self {
            receiver,
            batch: Vec::new().into_iter(),
            left: deadline.saturating_duration_since(Instant::now()),
            timeout,
            shown: shown.to_owned(),
            over: false,
        })
    }
}

impl Iterator for Answer {
    type Item = Result<Parsed, Failure>;

    /// The next item, `None` at the end; an error when the answer is
    /// malformed or nested too deep, or when the parser needs longer than
    /// what is left of the timeout (the time the caller spends between two
    /// items does not count).
    fn next(&mut self) -> Option<Self::Item> {
        if let Some(parsed) = self.batch.next() {
            return Some(Ok(parsed));
        }
        if self.over {
            return None;
        }
        let waited = Instant::now();
        let item = self.receiver.recv_timeout(self.left);
        self.left = self.left.saturating_sub(waited.elapsed());
        let item = match item {
            Ok(Ok(batch)) if !batch.is_empty() => {
                self.batch = batch.into_iter();
                return self.batch.next().map(Ok);
            }
            Ok(Ok(_)) => None,
            Ok(Err(failure)) => Some(Err(failure)),
            Err(RecvTimeoutError::Timeout) => Some(Err(Failure::new(
                Kind::Remote,
                format!(
                    "endpoint {}: answer not read within {} s (raise --timeout, or try again later)",
                    self.shown,
                    self.timeout.as_secs_f64()
                ),
            ))),
            // The parser ended without saying so: it panicked (the hook
            // printed why); the rows read so far are not the answer.
            Err(RecvTimeoutError::Disconnected) => Some(Err(Failure::new(
                Kind::Internal,
                format!("endpoint {}: reading its answer failed", self.shown),
            ))),
        };
        self.over = true;
        item
    }
}

/// Gathers the parser's items into batches for the caller.
struct Batcher<'a> {
    sender: &'a SyncSender<Batch>,
    items: Vec<Parsed>,
    values: usize,
}

impl<'a> Batcher<'a> {
    fn new(sender: &'a SyncSender<Batch>) -> Self {
        Self {
            sender,
            items: Vec::new(),
            values: 0,
        }
    }

    /// Adds `item`, holding `values` values; false once the caller has
    /// gone (its timeout ran out), when parsing stops.
    fn push(&mut self, item: Parsed, values: usize) -> bool {
        self.items.push(item);
        self.values += values;
        (self.items.len() < BATCH_ITEMS && self.values < BATCH_VALUES) || self.flush()
    }

    fn flush(&mut self) -> bool {
        self.values = 0;
        self.items.is_empty()
            || self
                .sender
                .send(Ok(std::mem::take(&mut self.items)))
                .is_ok()
    }

    /// Hands over what is left, then the end.
    fn end(mut self) {
        if self.flush() {
            let _ = self.sender.send(Ok(Vec::new()));
        }
    }

    /// Hands over what is left, then `failure`.
    fn fail(mut self, failure: Failure) {
        if self.flush() {
            let _ = self.sender.send(Err(failure));
        }
    }
}

/// Parses `body` on the answer's thread, handing the items over through
/// `out`; stops as soon as the caller has gone.
fn parse(body: &[u8], shape: &Shape, shown: &str, mut out: Batcher<'_>) {
    let malformed = |error: &dyn std::fmt::Display| {
        Failure::new(
            Kind::Remote,
            format!(
                "endpoint {shown}: sent a malformed answer: {}",
                one_line(&error.to_string(), 200)
            ),
        )
    };
    if let Err(failure) = measure(body, shape) {
        return out.fail(Failure::new(
            failure.kind,
            format!("endpoint {shown}: answer refused: {}", failure.message),
        ));
    }
    match shape {
        Shape::Results(format) => match QueryResultsParser::from_format(*format).for_reader(body) {
            Err(error) => out.fail(malformed(&error)),
            Ok(ReaderQueryResultsParserOutput::Boolean(value)) => {
                if out.push(Parsed::Boolean(value), 1) {
                    out.end();
                }
            }
            Ok(ReaderQueryResultsParserOutput::Solutions(solutions)) => {
                let width = solutions.variables().len().max(1);
                // The variables at once: the caller needs them first.
                let head = Parsed::Variables(solutions.variables().to_vec());
                if !(out.push(head, width) && out.flush()) {
                    return;
                }
                for solution in solutions {
                    match solution {
                        Ok(solution) => {
                            if !out.push(Parsed::Solution(solution), width) {
                                return;
                            }
                        }
                        Err(error) => return out.fail(malformed(&error)),
                    }
                }
                out.end();
            }
        },
        Shape::Graph(format) => {
            for quad in RdfParser::from_format(*format).for_reader(body) {
                match quad {
                    Ok(quad) => {
                        if !out.push(Parsed::Triple(Triple::from(quad)), 3) {
                            return;
                        }
                    }
                    Err(error) => return out.fail(malformed(&error)),
                }
            }
            out.end();
        }
    }
}

/// Refuses an answer nested deeper than [`limits::MAX_NESTING`] (and an
/// XML one whose entities expand past their limits), with the checks the
/// loader makes: a linear scan, before the parser's cost grows with depth.
/// CSV results hold plain values only.
fn measure(body: &[u8], shape: &Shape) -> Result<(), Failure> {
    match shape {
        Shape::Results(QueryResultsFormat::Json) => limits::check_nesting(body, Syntax::Json),
        Shape::Results(QueryResultsFormat::Xml) | Shape::Graph(RdfFormat::RdfXml) => {
            limits::check_xml(body)
        }
        Shape::Results(QueryResultsFormat::Csv) => Ok(()),
        // TSV results and the Turtle family nest triple terms as `<<`.
        Shape::Results(_) | Shape::Graph(_) => limits::check_nesting(body, Syntax::Sparql),
    }
}
