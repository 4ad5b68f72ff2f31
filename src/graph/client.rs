//! A client for a remote SPARQL endpoint (the Wikidata query service, or any
//! endpoint that speaks the SPARQL 1.1 protocol), used by `links reconcile`
//! and `links check`, and by [`crate::graph::Graph`] when the graph lives in
//! a remote engine (`--endpoint` on `query`, `describe`, `sources`, `stats`).
//!
//! Queries go out as an HTML form POST (the protocol's "query via URL-encoded
//! POST", which has no length limit) asking for JSON or XML results; answers
//! are parsed by Oxigraph's own parsers, within the request's timeout
//! (`answer.rs`). Whatever goes wrong on the way (an unreachable host, a
//! timeout, an HTTP error, an answer that is not SPARQL results) becomes one
//! line that names the endpoint and the cause.
//!
//! A protected server is logged in to the way it asks: the first request
//! goes without credentials, and a `401` answer's `WWW-Authenticate`
//! challenge says how (HTTP Basic, or Digest, RFC 7616, which Virtuoso's
//! Graph Store endpoint wants); the request is sent again with the answer,
//! and later requests to that server answer the same challenge at once.
//! So a password never crosses the wire in clear to a server that asked
//! for Digest, nor to one that asked for nothing.

mod answer;
mod auth;
use answer::{Answer, Parsed, Shape};
pub use auth::{basic, check_url, has_credentials, netrc_credentials, Login};
use auth::{origin_of, refused, request_target, without_credentials, Challenge, LoginState};

use crate::guard::error::{one_line, Failure, Kind};
use anyhow::Result;
use oxigraph::io::RdfFormat;
use oxigraph::sparql::results::QueryResultsFormat;
use oxigraph::sparql::{
    QueryEvaluationError, QueryResults, QuerySolution, QuerySolutionIter, QueryTripleIter, Variable,
};
use std::collections::HashMap;
use std::io::Read;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A request body larger than this, with a login at hand, is preceded by
/// an empty one that learns the server's challenge (see `exchange`).
const PROBE_ABOVE: usize = 64 * 1024;

/// Answers larger than this are refused rather than read into memory.
const MAX_ANSWER_BYTES: u64 = 64 * 1024 * 1024;

/// A SPARQL endpoint and the HTTP client that talks to it.
pub struct SparqlClient {
    url: String,
    /// The URL without its `user:password@`, for every message and file.
    shown: String,
    timeout: Duration,
    agent: ureq::Agent,
    /// The login for the endpoint (`push`'s and `--endpoint`'s), if any.
    login: Option<Login>,
    /// The challenge each server (by origin) answered with a `401`: how
    /// requests to it log in from then on.
    challenges: Mutex<HashMap<String, Challenge>>,
    /// The dataset named in every query (`default-graph-uri`,
    /// `named-graph-uri`), when `push` described one on the server.
    dataset: Option<(Vec<String>, Vec<String>)>,
}

impl SparqlClient {
    /// Checks the URL and the timeout; nothing is sent yet.
    pub fn new(url: &str, timeout_seconds: f64) -> Result<Self> {
        let shown = without_credentials(url);
        check_url("--endpoint", url)?;
        let timeout = crate::guard::limits::timeout(timeout_seconds)?;
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
            login: None,
            challenges: Mutex::new(HashMap::new()),
            dataset: None,
        })
    }

    /// Sends `body` (of `content_type`) to `url` with `method` (PUT or
    /// POST): a Graph Store upload, or a SPARQL Update form when
    /// `content_type` is the form type; or a Graph Store DELETE (no body); `login` answers the server's
    /// challenge, if it makes one. Any answer but 2xx is an error naming
    /// `url` and quoting the answer's first line.
    pub fn send(
        &self,
        method: &str,
        url: &str,
        content_type: &str,
        body: &[u8],
        login: Option<&Login>,
    ) -> Result<()> {
        let shown = without_credentials(url);
        let fail = |what: String| Failure::new(Kind::Remote, format!("{shown}: {what}"));
        let mut response = self
            .exchange(method, url, &[("Content-Type", content_type)], body, login)
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
        Err(fail(refused(
            status.as_u16(),
            &detail,
            self.login_state(url, login),
        ))
        .into())
    }

    /// Sends one request, and once more with the answer to the server's
    /// challenge when it says `401` and a login is at hand (see the
    /// module doc). The answer is returned whatever its status.
    fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        login: Option<&Login>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let origin = origin_of(url);
        if login.is_some() && body.len() > PROBE_ABOVE && !self.knows(&origin) {
            // A server that challenges may answer `401` and close the
            // connection before a large body is sent (Virtuoso does: the
            // upload then fails with a broken pipe). The same request with
            // an empty body learns the challenge first; the one that
            // follows replaces or adds to whatever it did.
            let probe = self.exchange(method, url, headers, b"", login)?;
            if probe.status() == 401 {
                // The login was refused: no use sending the body.
                return Ok(probe);
            }
            if !self.knows(&origin) {
                self.remember(&origin, Challenge::None);
            }
        }
        let mut answered = false;
        loop {
            let authorization = match login {
                Some(login) => self.authorization(&origin, method, url, body, login),
                None => None,
            };
            // A DELETE has no body (`push --prune`), and ureq gives it a
            // request type of its own.
            let response = if method == "DELETE" {
                let mut request = self.agent.delete(url);
                if let Some(authorization) = &authorization {
                    request = request.header("Authorization", authorization);
                }
                request.call()?
            } else {
                let mut request = match method {
                    "PUT" => self.agent.put(url),
                    _ => self.agent.post(url),
                };
                for (name, value) in headers {
                    request = request.header(*name, *value);
                }
                if let Some(authorization) = &authorization {
                    request = request.header("Authorization", authorization);
                }
                request.send(body)?
            };
            // One answer to one challenge: a second 401 means the login
            // is wrong, and is reported as it is.
            if response.status() != 401 || answered || login.is_none() {
                return Ok(response);
            }
            let Some(challenge) = Challenge::read(response.headers()) else {
                return Ok(response);
            };
            self.remember(&origin, challenge);
            answered = true;
        }
    }

    /// What became of `login` with the server of `url`, for a `401`'s
    /// message: never given, sent and refused, or not sent for want of a
    /// challenge it understands.
    fn login_state(&self, url: &str, login: Option<&Login>) -> LoginState {
        if login.is_none() {
            return LoginState::Missing;
        }
        let challenges = self.challenges.lock();
        match challenges
            .as_ref()
            .ok()
            .and_then(|c| c.get(&origin_of(url)))
        {
            Some(Challenge::Basic | Challenge::Digest(_)) => LoginState::Refused,
            _ => LoginState::Unasked,
        }
    }

    /// Whether a request to `origin` already learnt how it logs in.
    fn knows(&self, origin: &str) -> bool {
        self.challenges
            .lock()
            .is_ok_and(|challenges| challenges.contains_key(origin))
    }

    fn remember(&self, origin: &str, challenge: Challenge) {
        if let Ok(mut challenges) = self.challenges.lock() {
            challenges.insert(origin.to_owned(), challenge);
        }
    }

    /// The `Authorization` value for a request to `url` on the server at
    /// `origin`, if that server asked for one before.
    fn authorization(
        &self,
        origin: &str,
        method: &str,
        url: &str,
        body: &[u8],
        login: &Login,
    ) -> Option<String> {
        let mut challenges = self.challenges.lock().ok()?;
        match challenges.get_mut(origin)? {
            Challenge::None => None,
            Challenge::Basic => Some(basic(&login.user, &login.password)),
            Challenge::Digest(prompt) => {
                let context = digest_auth::AuthContext::new_with_method(
                    login.user.as_str(),
                    login.password.as_str(),
                    request_target(url),
                    Some(body),
                    digest_auth::HttpMethod::from(method),
                );
                prompt
                    .respond(&context)
                    .ok()
                    .map(|answer| answer.to_header_string())
            }
        }
    }

    /// Logs in with `login` where the endpoint asks for it.
    pub fn with_login(mut self, login: Option<Login>) -> Self {
        self.login = login;
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
        let mut answer = self.results(query)?;
        let variables = match answer.next() {
            Some(Ok(Parsed::Variables(variables))) => variables,
            Some(Err(failure)) => return Err(failure.into()),
            _ => {
                return Err(Failure::new(
                    Kind::Remote,
                    format!(
                        "endpoint {}: answered a yes/no result to a SELECT query",
                        self.shown
                    ),
                )
                .into())
            }
        };
        let mut solutions = Vec::new();
        for item in answer {
            if let Parsed::Solution(solution) = item? {
                solutions.push(solution);
            }
        }
        Ok((variables, solutions))
    }

    /// Runs any query (the form decides what is asked for) and returns
    /// its answer as the local engine would: solutions, a boolean or
    /// triples. The answer is read whole (at most 64 MiB) before it is
    /// parsed, so a stalled server cannot hold the results open, and its
    /// parsing counts against the request's timeout (`answer.rs`).
    pub fn query(&self, query: &str, returns_graph: bool) -> Result<QueryResults<'static>> {
        if !returns_graph {
            let mut answer = self.results(query)?;
            return match answer.next() {
                Some(Ok(Parsed::Boolean(value))) => Ok(QueryResults::Boolean(value)),
                Some(Ok(Parsed::Variables(variables))) => {
                    Ok(QueryResults::Solutions(QuerySolutionIter::new(
                        variables.into(),
                        answer.filter_map(|item| match item {
                            Ok(Parsed::Solution(solution)) => Some(Ok(solution)),
                            Ok(_) => None,
                            Err(failure) => Some(Err(evaluation_error(failure))),
                        }),
                    )))
                }
                Some(Err(failure)) => Err(failure.into()),
                _ => Err(Failure::new(
                    Kind::Remote,
                    format!("endpoint {}: answered no results", self.shown),
                )
                .into()),
            };
        }
        let (content_type, body, deadline) = self.post(
            query,
            "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8",
        )?;
        let format = RdfFormat::from_media_type(&content_type)
            .filter(|format| !format.supports_datasets())
            .ok_or_else(|| {
                Failure::new(
                    Kind::Remote,
                    format!(
                        "endpoint {}: answered a graph query with '{}', not an RDF graph format",
                        self.shown,
                        one_line(&content_type, 80)
                    ),
                )
            })?;
        let answer = Answer::parse(
            body,
            Shape::Graph(format),
            &self.shown,
            self.timeout,
            deadline,
        )?;
        Ok(QueryResults::Graph(QueryTripleIter::new(
            answer.filter_map(|item| match item {
                Ok(Parsed::Triple(triple)) => Some(Ok(triple)),
                Ok(_) => None,
                Err(failure) => Some(Err(evaluation_error(failure))),
            }),
        )))
    }

    /// Sends a results query (SELECT or ASK) and starts parsing its answer.
    fn results(&self, query: &str) -> Result<Answer> {
        let (content_type, body, deadline) = self.post(query, RESULTS_ACCEPT)?;
        let format = self.results_format(&content_type)?;
        Ok(Answer::parse(
            body,
            Shape::Results(format),
            &self.shown,
            self.timeout,
            deadline,
        )?)
    }

    /// Sends `query` as a form POST asking for `accept`; returns the
    /// answer's media type and body, and when the request's timeout runs
    /// out (its parsing counts too), or one line saying what went wrong.
    fn post(&self, query: &str, accept: &str) -> Result<(String, Vec<u8>, Instant)> {
        let fail =
            |what: String| Failure::new(Kind::Remote, format!("endpoint {}: {what}", self.shown));
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("query", query);
        if let Some((default, named)) = &self.dataset {
            for graph in default {
                form.append_pair("default-graph-uri", graph);
            }
            for graph in named {
                form.append_pair("named-graph-uri", graph);
            }
        }
        // Encoded here rather than by ureq: a Digest answer may sign the
        // very bytes sent.
        let form = form.finish();
        let headers = [
            ("Accept", accept),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let sent = Instant::now();
        let mut response = self
            .exchange(
                "POST",
                &self.url,
                &headers,
                form.as_bytes(),
                self.login.as_ref(),
            )
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
            let login = self.login_state(&self.url, self.login.as_ref());
            return Err(fail(refused(status.as_u16(), &detail, login)).into());
        }
        let deadline = sent.checked_add(self.timeout).unwrap_or(sent);
        Ok((content_type, body, deadline))
    }

    /// The results format of the answer's media type.
    fn results_format(&self, content_type: &str) -> Result<QueryResultsFormat> {
        Ok(if content_type.contains("xml") {
            QueryResultsFormat::Xml
        } else if content_type.contains("json") {
            QueryResultsFormat::Json
        } else if content_type.contains("tab-separated") {
            QueryResultsFormat::Tsv
        } else if content_type.contains("csv") {
            QueryResultsFormat::Csv
        } else {
            return Err(Failure::new(
                Kind::Remote,
                format!(
                    "endpoint {}: answered with '{}', not SPARQL results (is this a SPARQL endpoint URL?)",
                    self.shown,
                    if content_type.is_empty() {
                        "no content type"
                    } else {
                        content_type
                    }
                ),
            )
            .into());
        })
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

/// A failure met while an answer's rows are read, as the query engine's
/// error (the message names the endpoint already).
fn evaluation_error(failure: Failure) -> QueryEvaluationError {
    QueryEvaluationError::Unexpected(Box::new(failure))
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
    use super::auth::{host_of, netrc_lookup};
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
    fn a_challenge_is_read_strongest_first_and_answered_for_the_request_target() {
        let mut headers = ureq::http::HeaderMap::new();
        assert!(Challenge::read(&headers).is_none());
        headers.append("www-authenticate", "Basic realm=\"x\"".parse().unwrap());
        assert!(matches!(Challenge::read(&headers), Some(Challenge::Basic)));
        headers.append(
            "www-authenticate",
            "Digest realm=\"virtuoso\", nonce=\"abc\", qop=\"auth\""
                .parse()
                .unwrap(),
        );
        let Some(Challenge::Digest(mut prompt)) = Challenge::read(&headers) else {
            panic!("Digest is preferred to Basic");
        };
        let target = request_target("http://u@127.0.0.1:8890/sparql-graph-crud-auth?graph=g#x");
        assert_eq!(target, "/sparql-graph-crud-auth?graph=g");
        assert_eq!(request_target("http://h"), "/");
        assert_eq!(request_target("http://h?q=1"), "/?q=1");
        let context = digest_auth::AuthContext::new_with_method(
            "dba",
            "dba",
            target.as_str(),
            Some(&b""[..]),
            digest_auth::HttpMethod::from("PUT"),
        );
        let answer = prompt.respond(&context).unwrap().to_header_string();
        assert!(answer.starts_with("Digest "), "{answer}");
        assert!(
            answer.contains("username=\"dba\"") && answer.contains("nc=00000001"),
            "{answer}"
        );
        assert!(!answer.contains("dba\", response=\"dba"), "{answer}");
        assert_eq!(origin_of("HTTP://me:pw@Host:8890/a?b"), "http://host:8890");
    }

    #[test]
    fn a_malformed_challenge_is_no_challenge_and_never_a_panic() {
        let read = |value: &str| {
            let mut headers = ureq::http::HeaderMap::new();
            headers.append("www-authenticate", value.parse().unwrap());
            Challenge::read(&headers)
        };
        // A Digest challenge without its realm or nonce, with a quote left
        // open, an algorithm, quality of protection or charset no one
        // knows, or a scheme this client does not speak: no challenge
        // (the 401 then says how the login went, `LoginState::Unasked`).
        for value in [
            "Digest",
            "Digest realm",
            "Digest realm=\"",
            "Digest realm=\"x\",,,,",
            "Digest realm=\"x\"",
            "Digest nonce=\"x\"",
            "Digest nonce=\"x\", algorithm=FOO",
            "Digest realm=\"x\", nonce=\"x\", algorithm=FOO",
            "Digest nonce=\"x\", qop=\"bogus\"",
            "Digest realm=\"x\", nonce=\"x\", qop=\"bogus\"",
            "Digest nonce=\"x\", charset=\"latin1\", userhash=maybe",
            "Digest realm=\"x\", nonce=\"x\", charset=\"latin1\", userhash=maybe",
            "realm=\"x\"",
            "Negotiate abc",
        ] {
            assert!(read(value).is_none(), "{value} was read as a challenge");
        }
        // Odd but well formed: a bare Basic is Basic, and a Digest with a
        // 100 KB realm is answered, without a panic.
        assert!(matches!(read("Basic"), Some(Challenge::Basic)));
        let long = format!("Digest realm=\"{}\", nonce=\"n\"", "r".repeat(100_000));
        let Some(Challenge::Digest(mut prompt)) = read(&long) else {
            panic!("a long realm is still a Digest challenge");
        };
        let context = digest_auth::AuthContext::new("u", "p", "/");
        let answer = prompt.respond(&context).unwrap().to_header_string();
        let head: String = answer.chars().take(200).collect();
        assert!(
            answer.starts_with("Digest ") && answer.contains("username=\"u\""),
            "{head}"
        );
    }

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

    /// Issue 23, item 15: `http:/u:pw@host` (one slash) was shown as it
    /// was, password included; every spelling of a URL with a login is
    /// shown without it, and `check_url`'s refusal too.
    #[test]
    fn a_login_is_never_shown_however_the_url_is_spelt() {
        for url in [
            "http://u:pw@example.org/sparql",
            "http:/u:pw@example.org/sparql",
            "http:u:pw@example.org/sparql",
            "HTTPS:///u:pw@example.org",
            "http:\\\\u:pw@example.org/x?y=1",
            "ftp://u:pw@example.org",
        ] {
            let shown = without_credentials(url);
            assert!(!shown.contains("pw"), "{url} shown as {shown}");
            assert!(shown.contains("example.org"), "{url} shown as {shown}");
            let refused =
                check_url("--endpoint", url).map_or_else(|e| e.message, |()| String::new());
            assert!(!refused.contains("pw"), "{url}: {refused}");
        }
        assert_eq!(
            without_credentials("http://example.org/a@b"),
            "http://example.org/a@b"
        );
    }
}
