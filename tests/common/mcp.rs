//! The official MCP Python SDK (PyPI `mcp`) as the client of
//! `missions-kg mcp` (stdio) and of `serve --mcp` (HTTP), through
//! `tests/clients/mcp_client.py`.

use super::{bin, root, skip};
use serde_json::Value;
use std::process::{Command, Stdio};

pub const MCP_SWITCH: &str = "MISSIONS_KG_REQUIRE_MCP";

/// Whether the SDK is installed; says SKIPPED (or fails, when required)
/// when it is not.
pub fn mcp_sdk() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import mcp.client.stdio"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !ok {
        skip(MCP_SWITCH, "the MCP Python SDK (PyPI mcp) is not installed");
    }
    ok
}

/// Runs the client with `cases` against `missions-kg ARGS…` over stdio,
/// or against `serve --mcp` when `args` is its `/mcp` URL: one answer per
/// case, then the tools and resources.
pub fn mcp_client(cases: &Value, args: &[&str]) -> (Vec<Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cases.json");
    std::fs::write(&file, cases.to_string()).unwrap();
    let script = root().join("tests/clients/mcp_client.py");
    let mut command = Command::new("timeout");
    command.arg("300").arg("python3").arg(&script).arg(&file);
    if !args.first().is_some_and(|a| a.starts_with("http://")) {
        command.arg(bin());
    }
    command.args(args).current_dir(root());
    let out = command.output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the MCP client failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let listing = lines.pop().expect("the listing line");
    assert_eq!(lines.len(), cases.as_array().unwrap().len(), "{stdout}");
    (lines, listing)
}
