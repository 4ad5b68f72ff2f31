//! The MCP server over the protocol's streamable HTTP transport, for
//! `serve --mcp` (mounted at `/mcp` by `server/mcp.rs`): rmcp's tower service,
//! stateless and answering plain JSON.
//!
//! Stateless, because every call stands alone (the tools read a read-only
//! graph): no session is kept between requests, so no client can make the
//! server hold ever more of them, and a restarted server loses nothing.
//! Each POST is one message and gets its answer as `application/json`; GET
//! (a stream of server-sent messages) is 405, there being nothing to send
//! unasked.

use super::Server;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::net::SocketAddr;
use std::sync::Arc;

/// The service answering `/mcp` for `server`, reading bodies of at most
/// `max_body` bytes.
///
/// A server on a loopback address answers only requests naming a loopback
/// host (or `public_url`'s), as rmcp does by default: a web page cannot
/// then reach it through a DNS name rebound to 127.0.0.1; and a browser's
/// request only from a page of this machine or `public_url` (its `Origin`),
/// as the protocol asks. A server bound to another address was put on the
/// network on purpose, and answers any `Host` and `Origin`, as its other
/// routes do.
pub fn service(
    server: Server,
    bind: SocketAddr,
    public_url: Option<&str>,
    max_body: usize,
) -> StreamableHttpService<Server, NeverSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_max_request_body_bytes(max_body);
    config = if bind.ip().is_loopback() {
        let mut hosts = vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
        ];
        hosts.extend(public_url.and_then(host_of));
        // A browser's request carries its page's origin: only pages
        // served from this machine (or `public_url`) may call the tools.
        // Clients that are not browsers send none, and pass.
        let mut origins: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .flat_map(|host| [format!("http://{host}:*"), format!("https://{host}:*")])
            .collect();
        origins.extend(public_url.and_then(origin_of));
        config
            .with_allowed_hosts(hosts)
            .with_allowed_origins(origins)
    } else {
        config.disable_allowed_hosts()
    };
    StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The scheme and the authority (host and port, without user) of a URL,
/// lower-cased.
fn authority_of(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    (!authority.is_empty()).then(|| (scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// The origin of an `http://` or `https://` URL (scheme, host and port).
fn origin_of(url: &str) -> Option<String> {
    authority_of(url).map(|(scheme, authority)| format!("{scheme}://{authority}"))
}

/// The host of an `http://` or `https://` URL, without its port.
fn host_of(url: &str) -> Option<String> {
    let (_, authority) = authority_of(url)?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split_once(']')?.0,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{host_of, origin_of};

    #[test]
    fn hosts_of_public_urls() {
        assert_eq!(
            host_of("https://kg.example.org/").as_deref(),
            Some("kg.example.org")
        );
        assert_eq!(
            host_of("http://Kg.Example.org:8080/x").as_deref(),
            Some("kg.example.org")
        );
        assert_eq!(host_of("http://[::1]:7878/").as_deref(), Some("::1"));
        assert_eq!(host_of("http://user@host/").as_deref(), Some("host"));
        assert_eq!(host_of("http:///").as_deref(), None);
        assert_eq!(
            origin_of("https://KG.example.org/x").as_deref(),
            Some("https://kg.example.org")
        );
        assert_eq!(
            origin_of("http://h:8080/").as_deref(),
            Some("http://h:8080")
        );
    }
}
