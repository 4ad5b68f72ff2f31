//! A client for a remote SPARQL endpoint (the Wikidata query service, or any
//! endpoint that speaks the SPARQL 1.1 protocol), used by `links reconcile`
//! and `links check`, and by [`crate::graph::Graph`] when the graph lives in
//! a remote engine (`--endpoint` on `query`, `describe`, `sources`, `stats`).
//!
//! Queries go out as an HTML form POST (the protocol's "query via URL-encoded
//! POST", which has no length limit) asking for JSON or XML results; answers
//! are parsed by Oxigraph's own results parser. Whatever goes wrong on the
//! way (an unreachable host, a timeout, an HTTP error, an answer that is not
//! SPARQL results) becomes one line that names the endpoint and the cause.

use crate::error::{one_line, Failure};
use anyhow::Result;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, ReaderQueryResultsParserOutput,
};
use oxigraph::sparql::{
    QueryEvaluationError, QueryResults, QuerySolution, QuerySolutionIter, QueryTripleIter, Variable,
};
use std::io::Read;
use std::time::Duration;

/// Answers larger than this are refused rather than read into memory.
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// A SPARQL endpoint and the HTTP client that talks to it.
pub struct SparqlClient {
    url: String,
    /// The URL without its `user:password@`, for every message and file.
    shown: String,
    timeout: Duration,
    agent: ureq::Agent,
    /// The `Authorization` header sent with every request (`push`'s and
    /// `--endpoint`'s login), if any.
    authorization: Option<String>,
    /// The dataset named in every query (`default-graph-uri`,
    /// `named-graph-uri`), when `push` described one on the server.
    dataset: Option<(Vec<String>, Vec<String>)>,
}

impl SparqlClient {
    /// Checks the URL and the timeout; nothing is sent yet.
    pub fn new(url: &str, timeout_seconds: f64) -> Result<Self> {
        let shown = without_credentials(url);
        check_url("--endpoint", url)?;
        let timeout = crate::limits::timeout(timeout_seconds)?;
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Statuses are read and explained below, with the body's first line.
            .http_status_as_error(false)
            // A redirect is reported, not followed: it could lead anywhere.
            .max_redirects(0)
            // The Wikidata query service asks clients to say who they are.
            .user_agent(concat!(
                "missions-kg/",
                env!("CARGO_PKG_VERSION"),
                " (https://w3id.org/missions-kg; links reconcile/check)"
            ))
            .build()
            .into();
        Ok(Self {
            url: url.to_owned(),
            shown,
            timeout,
            agent,
            authorization: None,
            dataset: None,
        })
    }

    /// Sends `body` (of `content_type`) to `url` with `method` (PUT or
    /// POST): a Graph Store upload, or a SPARQL Update form when
    /// `content_type` is the form type. Any answer but 2xx is an error
    /// naming `url` and quoting the answer's first line.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        content_type: &str,
        body: &[u8],
        authorization: Option<&str>,
    ) -> Result<()> {
        let shown = without_credentials(url);
        let fail = |what: String| Failure::new(format!("{shown}: {what}"));
        let mut request = match method {
            "PUT" => self.agent.put(url),
            _ => self.agent.post(url),
        };
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        let mut response = request
            .header("Content-Type", content_type)
            .send(body)
            .map_err(|error| fail(self.explain(&error)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let mut text = Vec::new();
        let _ = response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .reader()
            .take(4096)
            .read_to_end(&mut text);
        let detail = one_line(&String::from_utf8_lossy(&text), 200);
        Err(fail(format!(
            "answered HTTP {}{}{detail}",
            status.as_u16(),
            if detail.is_empty() { "" } else { ": " }
        ))
        .into())
    }

    /// Sends `authorization` (see [`basic`]) with every request.
    pub fn with_authorization(mut self, authorization: Option<String>) -> Self {
        self.authorization = authorization;
        self
    }

    /// Names the dataset `push --union-default-graph` described on the
    /// server, if it did: its merged view as the default graph and its
    /// graphs as the named ones, in every query from now on. Elsewhere the
    /// server's own default graph is the merged view.
    pub fn with_pushed_dataset(mut self) -> Result<Self> {
        let query = format!(
            "SELECT ?g WHERE {{ GRAPH {} {{ {} <http://rdfs.org/ns/void#subset> ?g }} }}",
            crate::vocab::graph("dataset"),
            crate::vocab::graph("merged"),
        );
        let QueryResults::Solutions(solutions) = self.query(&query, false)? else {
            return Ok(self);
        };
        let mut named = Vec::new();
        for solution in solutions {
            if let Some(oxigraph::model::Term::NamedNode(graph)) = solution?.get("g") {
                named.push(graph.as_str().to_owned());
            }
        }
        if !named.is_empty() {
            named.sort();
            self.dataset = Some((
                vec![crate::vocab::graph("merged").as_str().to_owned()],
                named,
            ));
        }
        Ok(self)
    }

    /// The URL as shown to people: without credentials.
    pub fn shown_url(&self) -> &str {
        &self.shown
    }

    /// Runs a SELECT query and returns all its solutions.
    pub fn select(&self, query: &str) -> Result<Vec<QuerySolution>> {
        Ok(self.select_with_variables(query)?.1)
    }

    /// Runs a SELECT query and returns the variables it answered with and
    /// all its solutions.
    pub fn select_with_variables(
        &self,
        query: &str,
    ) -> Result<(Vec<Variable>, Vec<QuerySolution>)> {
        let fail = |what: String| Failure::new(format!("endpoint {}: {what}", self.shown));
        let (content_type, body) = self.post(query, RESULTS_ACCEPT)?;
        let parsed = self.results_parser(&content_type, body)?;
        let ReaderQueryResultsParserOutput::Solutions(solutions) = parsed else {
            return Err(fail("answered a yes/no result to a SELECT query".to_owned()).into());
        };
        let variables = solutions.variables().to_vec();
        let solutions = solutions
            .map(|solution| solution.map_err(|e| self.malformed(&e).into()))
            .collect::<Result<_>>()?;
        Ok((variables, solutions))
    }

    /// Runs any query (the form decides what is asked for) and returns
    /// its answer as the local engine would: solutions, a boolean or
    /// triples. The answer is read whole (at most 64 MiB) before it is
    /// parsed, so a stalled server cannot hold the results open.
    pub fn query(&self, query: &str, returns_graph: bool) -> Result<QueryResults<'static>> {
        if !returns_graph {
            let (content_type, body) = self.post(query, RESULTS_ACCEPT)?;
            return Ok(match self.results_parser(&content_type, body)? {
                ReaderQueryResultsParserOutput::Solutions(solutions) => {
                    let shown = self.shown.clone();
                    let variables: std::sync::Arc<[Variable]> = solutions.variables().into();
                    QueryResults::Solutions(QuerySolutionIter::new(
                        variables,
                        solutions.map(move |solution| {
                            solution.map_err(|e| unexpected(&shown, &e.to_string()))
                        }),
                    ))
                }
                ReaderQueryResultsParserOutput::Boolean(value) => QueryResults::Boolean(value),
            });
        }
        let (content_type, body) = self.post(
            query,
            "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8",
        )?;
        let format = RdfFormat::from_media_type(&content_type)
            .filter(|format| !format.supports_datasets())
            .ok_or_else(|| {
                Failure::new(format!(
                    "endpoint {}: answered a graph query with '{}', not an RDF graph format",
                    self.shown,
                    one_line(&content_type, 80)
                ))
            })?;
        let shown = self.shown.clone();
        let triples = RdfParser::from_format(format)
            .for_reader(std::io::Cursor::new(body))
            .map(move |quad| {
                quad.map(Triple::from)
                    .map_err(|e| unexpected(&shown, &e.to_string()))
            });
        Ok(QueryResults::Graph(QueryTripleIter::new(triples)))
    }

    /// Sends `query` as a form POST asking for `accept`; returns the
    /// answer's media type and body, or one line saying what went wrong.
    fn post(&self, query: &str, accept: &str) -> Result<(String, Vec<u8>)> {
        let fail = |what: String| Failure::new(format!("endpoint {}: {what}", self.shown));
        let mut request = self.agent.post(&self.url).header("Accept", accept);
        if let Some(authorization) = &self.authorization {
            request = request.header("Authorization", authorization);
        }
        let mut form = vec![("query", query)];
        if let Some((default, named)) = &self.dataset {
            form.extend(default.iter().map(|g| ("default-graph-uri", g.as_str())));
            form.extend(named.iter().map(|g| ("named-graph-uri", g.as_str())));
        }
        let mut response = request
            .send_form(form)
            .map_err(|error| fail(self.explain(&error)))?;
        let status = response.status();
        let content_type = response
            .body()
            .mime_type()
            .unwrap_or_default()
            .to_ascii_lowercase();
        // The cap counts the bytes after decompression: ureq inflates a
        // gzip answer as it is read, and 2 MB of gzip can hold 2 GiB.
        // An error page is only quoted (its first line), so only its start is read.
        let cap = if status.is_success() {
            MAX_ANSWER_BYTES
        } else {
            4096
        };
        let mut body = Vec::new();
        response
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .reader()
            .take(cap + 1)
            .read_to_end(&mut body)
            .map_err(|error| fail(self.explain(&unwrap_io(error))))?;
        if status.is_success() && body.len() as u64 > MAX_ANSWER_BYTES {
            return Err(
                fail(self.explain(&ureq::Error::BodyExceedsLimit(MAX_ANSWER_BYTES))).into(),
            );
        }
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            let detail = one_line(&text, 200);
            return Err(fail(format!(
                "answered HTTP {}{}{detail}",
                status.as_u16(),
                if detail.is_empty() { "" } else { ": " }
            ))
            .into());
        }
        Ok((content_type, body))
    }

    fn malformed(&self, error: &dyn std::fmt::Display) -> Failure {
        Failure::new(format!(
            "endpoint {}: sent a malformed answer: {}",
            self.shown,
            one_line(&error.to_string(), 200)
        ))
    }

    /// A parser for SPARQL results in the answer's media type.
    fn results_parser(
        &self,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<ReaderQueryResultsParserOutput<std::io::Cursor<Vec<u8>>>> {
        let fail = |what: String| Failure::new(format!("endpoint {}: {what}", self.shown));
        let format = if content_type.contains("xml") {
            QueryResultsFormat::Xml
        } else if content_type.contains("json") {
            QueryResultsFormat::Json
        } else if content_type.contains("tab-separated") {
            QueryResultsFormat::Tsv
        } else if content_type.contains("csv") {
            QueryResultsFormat::Csv
        } else {
            return Err(fail(format!(
                "answered with '{}', not SPARQL results (is this a SPARQL endpoint URL?)",
                if content_type.is_empty() {
                    "no content type"
                } else {
                    &content_type
                }
            ))
            .into());
        };
        Ok(QueryResultsParser::from_format(format)
            .for_reader(std::io::Cursor::new(body))
            .map_err(|e| self.malformed(&e))?)
    }

    /// One line for an HTTP-level error.
    fn explain(&self, error: &ureq::Error) -> String {
        match error {
            ureq::Error::Timeout(_) => format!(
                "no answer within {} s (raise --timeout, or try again later)",
                self.timeout.as_secs_f64()
            ),
            ureq::Error::HostNotFound => {
                "host not found (check the URL, or the network)".to_owned()
            }
            ureq::Error::ConnectionFailed => "cannot connect (is the server running?)".to_owned(),
            ureq::Error::BodyExceedsLimit(limit) => {
                format!("answer larger than {} MiB, refused", limit / (1024 * 1024))
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is the server running?)".to_owned()
            }
            // DNS failures come as plain I/O errors.
            ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
                "host not found (check the URL, or the network)".to_owned()
            }
            ureq::Error::Io(io) => format!("connection lost: {}", one_line(&io.to_string(), 200)),
            other => one_line(&other.to_string(), 200),
        }
    }
}

/// What every results query asks for.
const RESULTS_ACCEPT: &str =
    "application/sparql-results+json, application/sparql-results+xml;q=0.9";

/// A malformed answer met while its rows are read.
fn unexpected(shown: &str, error: &str) -> QueryEvaluationError {
    QueryEvaluationError::Unexpected(
        format!(
            "endpoint {shown}: sent a malformed answer: {}",
            one_line(error, 200)
        )
        .into(),
    )
}

/// The `Authorization` value of HTTP Basic for `user` and `password`,
/// sent as they are (RFC 7617: base64 of `user:password`).
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Refuses what `flag`'s URL must not be: not http(s), or with a
/// `#fragment` (a fragment is never sent, so what follows it, such as the
/// Graph Store's `?graph=`, would be lost and the whole store replaced).
pub fn check_url(flag: &str, url: &str) -> Result<(), Failure> {
    let shown = without_credentials(url);
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "invalid {flag} '{}': give an http:// or https:// URL",
            one_line(&shown, 200)
        )));
    }
    if url.contains('#') {
        return Err(Failure::usage(format!(
            "invalid {flag} '{}': a URL with a #fragment (the fragment is never sent)",
            one_line(&shown, 200)
        )));
    }
    Ok(())
}

/// The login and password a netrc-style file gives for `url`'s host
/// (`machine HOST login USER password PASS`, or a `default` entry), from
/// `$MISSIONS_KG_NETRC`, else `~/.netrc`. None when there is no file or no
/// entry: a missing file is not an error.
pub fn netrc_credentials(url: &str) -> Option<(String, String)> {
    let path = std::env::var_os("MISSIONS_KG_NETRC")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".netrc"))
        })?;
    // A credentials file is small; a huge one is not read.
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(1024 * 1024).read_to_string(&mut text).ok()?;
    let host = host_of(url);
    netrc_lookup(&text, &host)
}

/// The host of `url` (no port, no brackets around an IPv6 address).
fn host_of(url: &str) -> String {
    let shown = without_credentials(url);
    let rest = shown.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or("").to_owned(),
        None => authority.split(':').next().unwrap_or("").to_owned(),
    }
}

/// The entry for `host` in netrc `text` (tokens separated by white space;
/// `machine` entries first, then `default`).
fn netrc_lookup(text: &str, host: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut found: Option<(String, String)> = None;
    let mut fallback: Option<(String, String)> = None;
    let mut index = 0;
    while index < tokens.len() {
        let (matches, is_default) = match tokens[index] {
            "machine" => {
                index += 1;
                (
                    tokens
                        .get(index)
                        .is_some_and(|name| name.eq_ignore_ascii_case(host)),
                    false,
                )
            }
            "default" => (true, true),
            _ => {
                index += 1;
                continue;
            }
        };
        index += 1;
        let (mut login, mut password) = (None, None);
        while index + 1 < tokens.len() && !matches!(tokens[index], "machine" | "default") {
            match tokens[index] {
                "login" => login = Some(tokens[index + 1].to_owned()),
                "password" => password = Some(tokens[index + 1].to_owned()),
                _ => {}
            }
            index += 2;
        }
        if let (true, Some(login), Some(password)) = (matches, login, password) {
            if is_default {
                fallback.get_or_insert((login, password));
            } else {
                found.get_or_insert((login, password));
            }
        }
    }
    found.or(fallback)
}

/// Whether `url` carries `user:password@` (refused where credentials
/// must not be on the command line).
pub fn has_credentials(url: &str) -> bool {
    without_credentials(url) != url
}

/// `url` without the `user:password@` of its authority.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The HTTP error inside an I/O error from ureq's body reader.
fn unwrap_io(error: std::io::Error) -> ureq::Error {
    if error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<ureq::Error>().is_some())
    {
        if let Some(inner) = error.into_inner() {
            if let Ok(inner) = inner.downcast::<ureq::Error>() {
                return *inner;
            }
        }
        return ureq::Error::ConnectionFailed;
    }
    ureq::Error::Io(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_hosts_entry_in_a_netrc_file() {
        let text = "machine example.org login me password s3cret\n\
                    machine 127.0.0.1\n  login local\n  password pw\n\
                    default login anon password guest\n";
        assert_eq!(
            netrc_lookup(text, "127.0.0.1"),
            Some(("local".to_owned(), "pw".to_owned()))
        );
        assert_eq!(
            netrc_lookup(text, "EXAMPLE.org"),
            Some(("me".to_owned(), "s3cret".to_owned()))
        );
        assert_eq!(
            netrc_lookup(text, "other.net"),
            Some(("anon".to_owned(), "guest".to_owned()))
        );
        assert_eq!(netrc_lookup("machine a login x", "a"), None);
        assert_eq!(host_of("http://u:p@127.0.0.1:8080/sparql?x"), "127.0.0.1");
        assert_eq!(host_of("https://[::1]:7878/query"), "::1");
    }

    /// The public Wikidata query service.
    const WIKIDATA: &str = "https://query.wikidata.org/sparql";

    #[test]
    fn rejects_bad_urls_and_timeouts() {
        let error = SparqlClient::new("query.wikidata.org", 5.0).err().unwrap();
        assert!(error
            .to_string()
            .contains("give an http:// or https:// URL"));
        let error = SparqlClient::new(WIKIDATA, 0.0).err().unwrap();
        assert!(error.to_string().contains("invalid --timeout 0"));
        assert!(SparqlClient::new(WIKIDATA, f64::NAN).is_err());
        assert!(SparqlClient::new(WIKIDATA, 2.5).is_ok());
        let secret = SparqlClient::new("http://me:s3cret@localhost:1/sparql?x=1", 1.0).unwrap();
        assert_eq!(secret.shown_url(), "http://localhost:1/sparql?x=1");
        let error = SparqlClient::new("ftp://me:s3cret@host/", 1.0)
            .err()
            .unwrap();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
