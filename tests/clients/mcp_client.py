"""Drives `missions-kg mcp` with the official MCP Python SDK (PyPI `mcp`).

Usage: python3 mcp_client.py CASES_JSON BINARY ARG…
   or: python3 mcp_client.py CASES_JSON http://HOST:PORT/mcp
Starts `BINARY ARG…` (which says `mcp`) over stdio, or reaches `serve --mcp`
over the streamable HTTP transport, lists its tools and resources,
then makes each call of CASES_JSON (a list of {"tool", "arguments"}) and
prints one JSON line per call: {"tool", "is_error", "structured", "text"}
or, for a JSON-RPC error, {"tool", "rpc_error": {"code", "message"}}. The
Rust test compares these with the command line's answers. Ends with a
line {"tools": [...], "resources": {...}}.
"""
import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


async def main():
    cases_file, binary, *args = sys.argv[1:]
    with open(cases_file, encoding="utf-8") as f:
        cases = json.load(f)
    if binary.startswith("http://"):
        transport = streamable_http_client(binary)
    else:
        transport = stdio_client(StdioServerParameters(command=binary, args=args))
    async with transport as (read, write, *_):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = (await session.list_tools()).tools
            for case in cases:
                try:
                    result = await session.call_tool(case["tool"], case.get("arguments") or {})
                except MCPError as error:
                    print(json.dumps({"tool": case["tool"], "rpc_error": {"code": error.code, "message": error.message}}))
                    continue
                text = [block.text for block in result.content if block.type == "text"]
                print(json.dumps({
                    "tool": case["tool"],
                    "is_error": result.is_error,
                    "structured": result.structured_content,
                    "text": text,
                }))
            resources = {}
            for resource in (await session.list_resources()).resources:
                contents = (await session.read_resource(resource.uri)).contents
                resources[str(resource.uri)] = {
                    "mime_type": resource.mime_type,
                    "text": contents[0].text,
                }
            try:
                await session.read_resource("missions-kg://nothing")
                resources["missing"] = "read"
            except MCPError as error:
                resources["missing"] = {"code": error.code}
            print(json.dumps({
                "tools": [
                    {
                        "name": tool.name,
                        "description": tool.description,
                        "input_schema": tool.input_schema,
                        "output_schema": tool.output_schema,
                    }
                    for tool in tools
                ],
                "resources": resources,
            }))


asyncio.run(main())
