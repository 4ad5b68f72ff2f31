//! JSON-RPC messages over stdin and stdout, one per line, bounded; and
//! [`decode`], which `/mcp` reads each POST's body with too.
//!
//! rmcp's own stdio transport drops a line that is not JSON, and one longer
//! than its cap, without a word (so that a peer echoing errors back cannot
//! start a storm). JSON-RPC 2.0 asks for an answer to each: a parse error
//! (-32700) or an invalid request (-32600), with `id: null` when none can
//! be read. A client that sent a broken line then learns it at once instead
//! of waiting for an answer that never comes. So this transport reads the
//! lines itself, never holding more than [`MAX_LINE`] bytes of one, and
//! writes one error line for each line it cannot use, then reads on.

use rmcp::model::{ClientRequest, ErrorCode, ErrorData, JsonRpcMessage, NumberOrString, RequestId};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::RoleServer;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// The longest message read, in bytes: a query is at most 256 KiB (the
/// server's limit), and nothing else a client sends comes near.
pub const MAX_LINE: usize = 1024 * 1024;

/// Lines from `R`, messages to `W`.
pub struct Lines<R, W> {
    read: BufReader<R>,
    /// The line being read; kept across a cancelled read (rmcp polls
    /// `receive` inside a `select!`), cleared once it is whole.
    line: Vec<u8>,
    /// Set while the rest of a line past [`MAX_LINE`] is skipped.
    skipping: bool,
    /// Set once the session is open: rmcp has answered a request other
    /// than a ping or a discovery (`initialize`, or a request carrying its
    /// version inline). Until then rmcp ends the session at anything but a
    /// request, so a stray notification or response is dropped here
    /// (neither gets an answer in JSON-RPC anyway).
    opened: bool,
    write: Arc<Mutex<W>>,
}

/// What one bounded read found.
enum Read {
    Line,
    TooLong,
    End,
}

impl<R, W> Lines<R, W>
where
    R: tokio::io::AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub fn new(read: R, write: W) -> Self {
        Self {
            read: BufReader::new(read),
            line: Vec::new(),
            skipping: false,
            opened: false,
            write: Arc::new(Mutex::new(write)),
        }
    }

    /// Reads up to the next line break, keeping at most [`MAX_LINE`] bytes:
    /// past it the line is dropped and the rest of it skipped as it comes.
    /// No await lies between taking bytes from the buffer and consuming
    /// them, so a cancelled read loses nothing.
    async fn read_line(&mut self) -> std::io::Result<Read> {
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                // A last line without its line break is still a message.
                let partial = !self.line.is_empty() && !self.skipping;
                return Ok(if partial { Read::Line } else { Read::End });
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            let outcome = if self.skipping {
                self.skipping = newline.is_none();
                None
            } else if self.line.len() + take > MAX_LINE {
                self.line = Vec::new();
                self.skipping = newline.is_none();
                Some(Read::TooLong)
            } else {
                self.line.extend_from_slice(&available[..take]);
                newline.map(|_| Read::Line)
            };
            self.read.consume(take);
            if let Some(outcome) = outcome {
                return Ok(outcome);
            }
        }
    }

    /// Writes `error` as its own line, off the reading path: a write
    /// cancelled half-way would leave half a line on stdout.
    fn answer_error(&self, id: Option<RequestId>, error: ErrorData) {
        let message = serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": error,
        });
        let write = self.write.clone();
        tokio::spawn(async move {
            let mut bytes = serde_json::to_vec(&message).unwrap_or_default();
            bytes.push(b'\n');
            let mut out = write.lock().await;
            let _ = out.write_all(&bytes).await;
            let _ = out.flush().await;
        });
    }
}

impl<R, W> Transport<RoleServer> for Lines<R, W>
where
    R: tokio::io::AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send + 'static {
        use rmcp::model::ServerResult;
        if let JsonRpcMessage::Response(response) = &item {
            if !matches!(
                response.result,
                ServerResult::EmptyResult(_) | ServerResult::DiscoverResult(_)
            ) {
                self.opened = true;
            }
        }
        let write = self.write.clone();
        async move {
            let mut bytes = serde_json::to_vec(&item).map_err(std::io::Error::other)?;
            bytes.push(b'\n');
            let mut out = write.lock().await;
            out.write_all(&bytes).await?;
            out.flush().await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(Read::Line) => {}
                Ok(Read::TooLong) => {
                    self.answer_error(
                        None,
                        ErrorData::new(
                            ErrorCode::INVALID_REQUEST,
                            format!(
                                "message longer than {MAX_LINE} bytes: discarded (one JSON-RPC message a line, each at most 1 MiB)"
                            ),
                            None,
                        ),
                    );
                    continue;
                }
                Ok(Read::End) | Err(_) => return None,
            }
            let line = std::mem::take(&mut self.line);
            let text = line.strip_suffix(b"\n").unwrap_or(&line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match decode(text) {
                Decoded::Message(message) => {
                    let is_request = matches!(*message, JsonRpcMessage::Request(_));
                    if is_request || self.opened {
                        return Some(*message);
                    }
                }
                Decoded::Ignored => {}
                Decoded::Error(id, error) => self.answer_error(id, error),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.write.lock().await.flush().await
    }
}

/// What a message holds (a line on stdin, a POST's body on `/mcp`).
pub enum Decoded {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    /// A notification this server does not know (an LSP message, a newer
    /// revision's): notifications get no answer, not even an error.
    Ignored,
    Error(Option<RequestId>, ErrorData),
}

/// Reads one JSON-RPC message, or says why it is not one: a parse error
/// (not JSON) or an invalid request (JSON, but no message this server
/// takes), with the request's id when it has one.
pub fn decode(text: &[u8]) -> Decoded {
    let value: serde_json::Value = match serde_json::from_slice(text) {
        Ok(value) => value,
        Err(error) => {
            return Decoded::Error(
                None,
                ErrorData::new(
                    ErrorCode::PARSE_ERROR,
                    format!("parse error: not JSON ({error})"),
                    None,
                ),
            )
        }
    };
    let id = value.get("id").and_then(request_id);
    let is_notification = value.get("id").is_none() && value.get("method").is_some();
    let method = value
        .get("method")
        .and_then(serde_json::Value::as_str)
        .filter(|method| STANDARD.contains(method))
        .map(str::to_owned);
    match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
        // A method of the protocol whose params did not fit it reads as a
        // custom request, which rmcp would answer "method not found".
        Ok(JsonRpcMessage::Request(request)) => match request.request {
            ClientRequest::CustomRequest(custom) if STANDARD.contains(&custom.method.as_str()) => {
                invalid_params(request.id, &custom.method, custom.params)
            }
            other => Decoded::Message(Box::new(JsonRpcMessage::Request(
                rmcp::model::JsonRpcRequest {
                    request: other,
                    ..request
                },
            ))),
        },
        Ok(message) => Decoded::Message(Box::new(message)),
        Err(_) if is_notification => Decoded::Ignored,
        Err(error) => match (id, method) {
            // Not even a custom request (params a string): read again for
            // the params, only on this path, so a good message is parsed once.
            (Some(id), Some(method)) => {
                let params = serde_json::from_slice::<serde_json::Value>(text)
                    .ok()
                    .and_then(|mut value| value.get_mut("params").map(serde_json::Value::take));
                invalid_params(id, &method, params)
            }
            (id, _) => {
                let message = format!(
                    "invalid request: not a JSON-RPC 2.0 message this server takes ({error})"
                );
                Decoded::Error(
                    id,
                    ErrorData::new(ErrorCode::INVALID_REQUEST, message, None),
                )
            }
        },
    }
}

/// The protocol's request methods: one of these with params that do not
/// fit it is an invalid-params error, not an unknown method.
const STANDARD: &[&str] = &[
    "initialize",
    "ping",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "resources/subscribe",
    "resources/unsubscribe",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "logging/setLevel",
];

/// The invalid-params error for request `id`: what is wrong with `params`
/// for `method`, in serde's words where the method is one this server
/// serves.
fn invalid_params(id: RequestId, method: &str, params: Option<serde_json::Value>) -> Decoded {
    use rmcp::model::{CallToolRequestParams, InitializeRequestParams, ReadResourceRequestParams};
    let params = params.unwrap_or(serde_json::Value::Null);
    let reason = match method {
        "tools/call" => serde_json::from_value::<CallToolRequestParams>(params)
            .err()
            .map(|e| format!("{e}; give {{\"name\": TOOL, \"arguments\": {{…}}}}")),
        "resources/read" => serde_json::from_value::<ReadResourceRequestParams>(params)
            .err()
            .map(|e| format!("{e}; give {{\"uri\": URI}}")),
        "initialize" => serde_json::from_value::<InitializeRequestParams>(params)
            .err()
            .map(|e| e.to_string()),
        _ => None,
    };
    let reason = reason.unwrap_or_else(|| "they do not fit the method".to_owned());
    let message =
        crate::guard::error::one_line(&format!("invalid params for {method}: {reason}"), 300);
    Decoded::Error(
        Some(id),
        ErrorData::new(ErrorCode::INVALID_PARAMS, message, None),
    )
}

/// A request's id, when it is one JSON-RPC allows (a number or a string).
fn request_id(value: &serde_json::Value) -> Option<RequestId> {
    match value {
        serde_json::Value::Number(number) => number.as_i64().map(NumberOrString::Number),
        serde_json::Value::String(text) => Some(NumberOrString::String(text.as_str().into())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, Decoded};
    use rmcp::model::{ErrorCode, NumberOrString};

    fn error(line: &str) -> (Option<NumberOrString>, ErrorCode) {
        match decode(line.as_bytes()) {
            Decoded::Error(id, error) => (id, error.code),
            Decoded::Message(_) => panic!("{line} read as a message"),
            Decoded::Ignored => panic!("{line} ignored"),
        }
    }

    #[test]
    fn a_line_that_is_not_json_is_a_parse_error_without_id() {
        assert_eq!(error("{\"jsonrpc\": "), (None, ErrorCode::PARSE_ERROR));
    }

    #[test]
    fn json_that_is_no_message_is_an_invalid_request_for_its_id() {
        assert_eq!(error("[1, 2]"), (None, ErrorCode::INVALID_REQUEST));
        assert_eq!(
            error(r#"{"jsonrpc":"2.0","id":"x","method":7}"#),
            (
                Some(NumberOrString::String("x".into())),
                ErrorCode::INVALID_REQUEST
            )
        );
    }

    #[test]
    fn a_method_of_the_protocol_with_params_that_do_not_fit_is_invalid_params() {
        for params in ["\"cast\"", "{}", "{\"name\": 5}", "[]"] {
            let line =
                format!(r#"{{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{params}}}"#);
            assert_eq!(
                error(&line),
                (
                    Some(NumberOrString::String("x".into())),
                    ErrorCode::INVALID_PARAMS
                ),
                "{line}"
            );
        }
    }

    #[test]
    fn an_unknown_notification_gets_no_error_and_a_request_is_read() {
        // rmcp reads it as a custom notification, which it ignores.
        assert!(!matches!(
            decode(br#"{"jsonrpc":"2.0","method":"$/lsp/thing"}"#),
            Decoded::Error(..)
        ));
        assert!(matches!(
            decode(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Decoded::Message(_)
        ));
    }
}
