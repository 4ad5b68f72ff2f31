"""Benchmark: a stored-query tool call over MCP (stdio and HTTP) against running `missions-kg query` as a process.

Usage: python3 bench/mcp-round-trip.py [--binary PATH] [--calls N] [--query NAME]   (from the repository root; README "MCP")
Builds the release binary (unless --binary), then, N times each (default 200), interleaved so that a busy machine
slows all alike:
  - calls the stored query's tool (default `cast`) on one `missions-kg mcp` server over stdio, and on one
    `missions-kg serve --mcp` over HTTP, with the official MCP Python SDK (PyPI `mcp`), timing each call's round
    trip (request written, answer parsed); the tool answers each row with the facts it rests on;
  - runs `missions-kg query NAME --why --evidence --format json` (the same answers with their facts) and plain
    `missions-kg query NAME --format json` as processes, as an assistant without MCP would, timing each from start
    to exit.
Prints p50 and p99 of each in milliseconds, and each one's ratio to the stdio tool call. Needs `pip install mcp==2.3.0`.
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def call(session, query, times):
    started = time.perf_counter()
    result = await session.call_tool(query, {})
    times.append((time.perf_counter() - started) * 1000)
    if result.is_error:
        raise SystemExit(f"the tool {query} failed: {result.content}")


def process(command, times):
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    times.append((time.perf_counter() - started) * 1000)


async def measure(binary, url, query, calls):
    times = {"stdio": [], "http": [], "why": [], "plain": []}
    server = StdioServerParameters(command=binary, args=["mcp"])
    async with stdio_client(server) as (read, write), streamable_http_client(url) as (hread, hwrite, *_):
        async with ClientSession(read, write) as stdio, ClientSession(hread, hwrite) as http:
            await stdio.initialize()
            await http.initialize()
            names = [t.name for t in (await stdio.list_tools()).tools]
            if query not in names:
                raise SystemExit(f"no tool {query!r}; tools: {', '.join(names)}")
            # One call first on each: the first answer pays for opening the graph.
            await call(stdio, query, [])
            await call(http, query, [])
            for _ in range(calls):
                await call(stdio, query, times["stdio"])
                await call(http, query, times["http"])
                process([binary, "query", query, "--why", "--evidence", "--format", "json"], times["why"])
                process([binary, "query", query, "--format", "json"], times["plain"])
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--query", default="cast")
    args = parser.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "missions-kg")
    serve = subprocess.Popen([binary, "serve", "--mcp", "--bind", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = serve.stdout.readline()
        base = next(word for word in line.split() if word.startswith("http://"))
        times = asyncio.run(measure(binary, base.rstrip("/") + "/mcp", args.query, args.calls))
    finally:
        serve.terminate()
        serve.wait(timeout=10)
    rows = [
        ("MCP tool call (one `mcp` server, stdio)", times["stdio"]),
        ("MCP tool call (one `serve --mcp`, HTTP)", times["http"]),
        ("`missions-kg query --why --evidence` as a process", times["why"]),
        ("`missions-kg query` as a process", times["plain"]),
    ]
    base50, base99 = statistics.median(times["stdio"]), percentile(times["stdio"], 0.99)
    print(f"| `{args.query}`, {args.calls} calls | p50 | p99 | ratio to stdio at p50 / p99 |")
    print("|---|---|---|---|")
    for name, values in rows:
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"| {name} | {p50:.2f} ms | {p99:.2f} ms | {p50 / base50:.1f}× / {p99 / base99:.1f}× |")


if __name__ == "__main__":
    main()
