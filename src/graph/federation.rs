//! SERVICE calls, off unless `--allow-service` says otherwise.
//!
//! Every query is prepared with [`Federation`] as its default service
//! handler, so Oxigraph's own HTTP client (which has no answer cap) is
//! never used. `sparql::Prepared::execute` refuses a query that names a
//! SERVICE before it runs; this handler refuses too, as a second lock for
//! SERVICE SILENT and for calls that reach it another way. When allowed,
//! each call goes through the project's SPARQL client (`client.rs`):
//! a form POST with a timeout and a cap on the inflated answer.

use crate::graph::client::SparqlClient;
use crate::guard::error::Failure;
use oxigraph::model::NamedNode;
use oxigraph::sparql::{QueryEvaluationError, QuerySolutionIter};
use spareval::DefaultServiceHandler;
use spargebra::algebra::GraphPattern;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Seconds one SERVICE call may take.
pub const SERVICE_TIMEOUT_SECONDS: f64 = 30.0;

/// The service handler of one query; `allowed` and `deadline` are set
/// when it runs.
#[derive(Clone, Default)]
pub struct Federation {
    pub allowed: Arc<AtomicBool>,
    /// When `--timeout` runs out: a call never waits past it.
    pub deadline: Arc<Mutex<Option<Instant>>>,
}

/// A refused or failed SERVICE call, as one line.
#[derive(Debug)]
pub struct ServiceError(String);

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServiceError {}

impl DefaultServiceHandler for Federation {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        service_name: &NamedNode,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let refuse =
            |message: String| QueryEvaluationError::Service(Box::new(ServiceError(message)));
        if !self.allowed.load(Ordering::SeqCst) {
            return Err(refuse(format!(
                "SERVICE {service_name} is not allowed: federation is off (allow it with --allow-service)"
            )));
        }
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        };
        let left = self
            .deadline
            .lock()
            .ok()
            .and_then(|deadline| *deadline)
            .map(|deadline| {
                deadline
                    .saturating_duration_since(Instant::now())
                    .as_secs_f64()
            });
        let timeout = left.map_or(SERVICE_TIMEOUT_SECONDS, |left| {
            left.clamp(0.001, SERVICE_TIMEOUT_SECONDS)
        });
        let endpoint = SparqlClient::new(service_name.as_str(), timeout)
            .map_err(|e| refuse(format!("SERVICE {service_name}: {e}")))?;
        let (variables, solutions) = endpoint
            .select_with_variables(&query.to_string())
            .map_err(|e| refuse(failure_text(&e)))?;
        Ok(QuerySolutionIter::new(
            variables.into(),
            solutions.into_iter().map(Ok),
        ))
    }
}

fn failure_text(error: &anyhow::Error) -> String {
    error
        .downcast_ref::<Failure>()
        .map_or_else(|| error.to_string(), |f| f.message.clone())
}
