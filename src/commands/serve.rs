//! `missions-kg serve`: resolves the server's options, opens the graph (and
//! the article texts of `--articles`) once ([`open`]) and hands them to
//! `server::run`, which serves until Ctrl-C.

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::guard::error::Failure;
use crate::guard::input;
use crate::provenance::evidence::Articles;
use crate::server::{self, Settings};
use anyhow::Result;
use std::net::ToSocketAddrs;

pub fn run(config: &Config, args: &ServeArgs) -> Result<()> {
    let (settings, graph, articles) = open(config, args)?;
    server::run(settings, graph, articles)
}

/// What `serve` serves, from its options: the settings, the graph and the
/// article texts, each checked and opened once (the tests that call the
/// router in process start from here too).
pub fn open(config: &Config, args: &ServeArgs) -> Result<(Settings, Graph, Option<Articles>)> {
    let bind = args
        .bind
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| {
            Failure::usage(format!(
                "invalid --bind '{}': give ADDRESS:PORT, such as 127.0.0.1:7878",
                crate::guard::error::one_line(&args.bind, 100)
            ))
        })?;
    let size = |flag: &str, text: &str| -> Result<usize, Failure> {
        input::parse_size(text)
            .and_then(|size| usize::try_from(size).ok())
            .filter(|size| *size > 0)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "invalid {flag} '{}': give a size such as 512K or 64M",
                    crate::guard::error::one_line(text, 40)
                ))
            })
    };
    if let Some(url) = &args.public_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Failure::usage(format!(
                "invalid --public-url '{}': give an http:// or https:// URL",
                crate::guard::error::one_line(url, 100)
            ))
            .into());
        }
    }
    let positive = |flag: &str, n: usize| {
        if n == 0 {
            Err(Failure::usage(format!("invalid {flag} 0: give at least 1")))
        } else {
            Ok(n)
        }
    };
    let settings = Settings {
        bind,
        public_url: args.public_url.clone(),
        timeout: crate::guard::limits::timeout(args.timeout)?,
        max_queries: positive("--max-queries", args.max_queries)?,
        max_queries_per_client: match args.max_queries_per_client {
            Some(n) => positive("--max-queries-per-client", n)?.min(args.max_queries),
            None => args.max_queries.div_ceil(2),
        },
        max_body: size("--max-body", &args.max_body)?,
        max_result: size("--max-result", &args.max_result)?,
        max_connections: positive("--max-connections", args.max_connections)?,
        // parse_size refuses 0 (no useful --max-input is 0); here it means "off".
        cache_bytes: if args.cache.trim() == "0" {
            Some(0)
        } else {
            input::parse_size(&args.cache)
        }
        .ok_or_else(|| {
            Failure::usage(format!(
                "invalid --cache '{}': give a size such as 64M, or 0 to keep no answers",
                crate::guard::error::one_line(&args.cache, 40)
            ))
        })?,
        header_timeout: crate::guard::limits::duration("--header-timeout", args.header_timeout)?,
        send_timeout: crate::guard::limits::duration("--send-timeout", args.send_timeout)?,
        memory: config.memory,
        allow_service: config.allow_service,
        base: config.base.clone(),
        lang: config.lang.clone(),
        mcp: args.mcp,
    };
    let graph = Graph::load(config)?;
    // The texts are read and checked once, before the first request.
    let articles = Articles::configured(&graph, config, &Budget::new(config, None)?)?;
    Ok((settings, graph, articles))
}
