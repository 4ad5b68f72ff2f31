//! `/mcp`, with `serve --mcp`: the MCP server of `crate::mcp` over the
//! protocol's streamable HTTP transport (rmcp's service, `mcp/http.rs`).
//!
//! Each POST's body is read here first, bounded by `--max-body`, and must
//! be one JSON-RPC message: a body that is not JSON, or not a message, is
//! answered 400 with a JSON-RPC error (-32700 or -32600, with the id when
//! one can be read), as on stdin; one past the limit, 413 with one. rmcp
//! alone would answer these with a line of plain text (and 415 for a body
//! that is not JSON), which an MCP client cannot read as an error.

use super::protocol::read_body;
use super::{HttpError, Shared};
use crate::mcp::transport::{decode, Decoded};
use crate::mcp::Server;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use rmcp::model::{ErrorCode, ErrorData, RequestId};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::StreamableHttpService;

type Inner = StreamableHttpService<Server, NeverSessionManager>;

/// The route answering `/mcp` for `server`, within `state`'s settings.
pub fn route(state: &Shared, server: Server) -> MethodRouter<Shared> {
    let settings = &state.settings;
    let inner = crate::mcp::service(
        server,
        settings.bind,
        settings.public_url.as_deref(),
        settings.max_body,
    );
    let max = settings.max_body;
    axum::routing::any(move |request: Request| screen(inner.clone(), max, request))
}

/// Hands rmcp a POST whose body is one JSON-RPC message. Any other method
/// is 405 in the server's words (a page, for a browser): the transport is
/// stateless, so there is no stream to GET nor session to DELETE.
async fn screen(inner: Inner, max: usize, request: Request) -> Response {
    if request.method() != Method::POST {
        return HttpError {
            message: "this is the Model Context Protocol endpoint, for AI assistants: an MCP client POSTs one JSON-RPC message here at a time (the pages start at /)".to_owned(),
            ..HttpError::method_not_allowed("POST")
        }
        .into_response();
    }
    let (mut parts, body) = request.into_parts();
    // A client accepting anything (`*/*`, or no `Accept`: curl, scripts)
    // accepts the two types rmcp asks for, and gets JSON.
    let anything = super::accept(&parts.headers).is_none_or(|ranges| {
        ranges
            .split(',')
            .any(|range| range.split(';').next().is_some_and(|t| t.trim() == "*/*"))
    });
    if anything {
        parts.headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
    let bytes = match read_body(body, &parts.headers, max).await {
        Ok(bytes) => bytes,
        Err(error) => {
            let message = ErrorData::new(ErrorCode::INVALID_REQUEST, error.message, None);
            return rpc_error(error.status, None, message);
        }
    };
    match decode(&bytes) {
        Decoded::Message(_) => {
            let request = Request::from_parts(parts, Body::from(bytes));
            inner.handle(request).await.into_response()
        }
        // A notification this server does not know: accepted, unanswered.
        Decoded::Ignored => StatusCode::ACCEPTED.into_response(),
        // A request that names itself gets its error as any other (200);
        // a body that is no message at all, 400.
        Decoded::Error(Some(id), error) => rpc_error(StatusCode::OK, Some(id), error),
        Decoded::Error(None, error) => rpc_error(StatusCode::BAD_REQUEST, None, error),
    }
}

/// A JSON-RPC error answer, with `status`.
fn rpc_error(status: StatusCode, id: Option<RequestId>, error: ErrorData) -> Response {
    let body = serde_json::json!({ "jsonrpc": "2.0", "id": id, "error": error });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
