//! `missions-kg mcp`: the graph served to one assistant over the Model
//! Context Protocol on stdin and stdout (the transport assistants start
//! locally). Opens the graph as every command does, then hands it to
//! [`crate::mcp::Server`], which `serve --mcp` serves over HTTP too.

use crate::cli::McpArgs;
use crate::config::Config;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::{Failure, Kind};
use crate::mcp::{Limits, Server, MAX_CALLS};
use crate::provenance::evidence::Articles;
use anyhow::Result;
use std::sync::Arc;
use std::time::Duration;

pub fn run(config: &Config, args: &McpArgs) -> Result<()> {
    let timeout = crate::guard::limits::duration("--timeout", args.timeout)?;
    let graph = Graph::open(config, &Budget::new(config, None)?)?;
    let articles = Articles::configured(&graph, config, &Budget::new(config, None)?)?;
    let limits = Limits {
        timeout,
        memory: config.memory,
        slots: Arc::new(tokio::sync::Semaphore::new(MAX_CALLS)),
    };
    let server = Server::new(graph, articles, config.lang.clone(), limits)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("mcp")
        // A call's query gets the commands' large stack, as on `serve`.
        .thread_stack_size(crate::guard::limits::stack_for(1 + 2 * MAX_CALLS))
        .max_blocking_threads(2 * MAX_CALLS)
        .build()
        .map_err(|e| Failure::new(Kind::Internal, format!("cannot start the runtime: {e}")))?;
    let result = runtime.block_on(server.over_stdio());
    // A call still running is not waited for: the client has gone.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}
