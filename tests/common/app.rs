//! `missions-kg serve` in the test's own process: the state built by the
//! library from the same arguments as the command line's
//! (`commands::serve::open`, `server::AppState::new`), on the runtime the
//! server runs on (`server::runtime`), and each request handed to
//! `server::router` with `tower::ServiceExt::oneshot`, no socket between.
//! For what the router answers (statuses, headers, bodies, negotiation,
//! pages); [`super::Served`] stays for what needs a real connection.

use super::Reply;
use axum::body::Body;
use clap::Parser;
use missions_kg::cli::{Cli, Command};
use missions_kg::config::Config;
use missions_kg::server::{self, AppState};
use std::sync::{Arc, Once};
use std::time::Duration;
use tower::ServiceExt;

/// The server's router in process; cheap to clone (a request may be sent
/// from another thread while one waits).
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    /// `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    router: axum::Router,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // As `server::run` ends: a query still running is not waited for
        // past a second (its budget cancels it anyway).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

impl App {
    /// The router `missions-kg GLOBAL… serve --bind 127.0.0.1:0 ARGS…`
    /// would answer with. Paths in the arguments are read from the test's
    /// working directory (the crate root): give absolute ones.
    pub fn start(global: &[&str], args: &[&str]) -> Self {
        static QUIET: Once = Once::new();
        // As `main` does: a cancelled query's unwinding prints nothing.
        QUIET.call_once(missions_kg::guard::budget::quiet_cancellations);
        let mut argv = vec!["missions-kg"];
        argv.extend_from_slice(global);
        argv.extend(["serve", "--bind", "127.0.0.1:0"]);
        argv.extend_from_slice(args);
        let cli = Cli::try_parse_from(&argv).unwrap_or_else(|error| panic!("{argv:?}: {error}"));
        // Loaded on a thread with the commands' large stack, as `main`
        // runs `serve`'s start (`budget::supervise`).
        let opened = std::thread::Builder::new()
            .stack_size(missions_kg::guard::limits::STACK_BYTES)
            .spawn(move || {
                let config = Config::from_cli(&cli)?;
                let Command::Serve(serve) = &cli.command else {
                    unreachable!("the arguments end with serve's");
                };
                missions_kg::commands::serve::open(&config, serve)
            })
            .expect("a thread")
            .join()
            .expect("serve's start did not panic");
        let (settings, graph, articles) =
            opened.unwrap_or_else(|error| panic!("serve would not start ({argv:?}): {error:#}"));
        let runtime = server::runtime(&settings).expect("the server's runtime");
        let state = AppState::new(settings, graph, articles).expect("the server's state");
        Self {
            inner: Arc::new(Inner {
                runtime: Some(runtime),
                router: server::router(Arc::new(state)),
            }),
        }
    }

    /// Sends one request, with the headers `common::http_request` sends
    /// on the wire (`Host`, and `Content-Length` with a body or for POST
    /// and PUT), and reads the whole answer. The router runs on one of the
    /// runtime's workers, as hyper's connection tasks do.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut request = axum::http::Request::builder()
            .method(method)
            .uri(target)
            .header("host", "127.0.0.1");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if !body.is_empty() || method == "POST" || method == "PUT" {
            request = request.header("content-length", body.len());
        }
        let request = request
            .body(Body::from(body.to_vec()))
            .unwrap_or_else(|error| panic!("{method} {target}: not a request: {error}"));
        let router = self.inner.router.clone();
        let runtime = self.inner.runtime.as_ref().expect("running");
        let (parts, bytes) = runtime.block_on(async move {
            tokio::spawn(async move {
                let Ok(response) = router.oneshot(request).await;
                let (parts, body) = response.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .expect("the whole body");
                (parts, bytes)
            })
            .await
            .expect("the request's task did not panic")
        });
        Reply {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: bytes.to_vec(),
        }
    }

    pub fn get(&self, target: &str, accept: &str) -> Reply {
        self.request("GET", target, &[("Accept", accept)], b"")
    }
}

/// The targets of a page's links (`href="…"`), entities decoded as maud
/// writes them (`&amp;`), in order.
pub fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"'))
        .map(|(href, _)| href.replace("&amp;", "&"))
        .collect()
}

/// The links of a page whose target starts with `prefix`, with the text
/// shown for each (tags inside the link dropped).
pub fn links_to(html: &str, prefix: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for part in html.split("<a ").skip(1) {
        let Some((attributes, rest)) = part.split_once('>') else {
            continue;
        };
        let Some(href) = attributes
            .split("href=\"")
            .nth(1)
            .and_then(|rest| rest.split_once('"'))
            .map(|(href, _)| href.replace("&amp;", "&"))
        else {
            continue;
        };
        if !href.starts_with(prefix) {
            continue;
        }
        let inner = rest.split("</a>").next().unwrap_or("");
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        found.push((href, text.trim().to_owned()));
    }
    found
}
