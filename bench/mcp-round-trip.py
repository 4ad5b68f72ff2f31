"""Benchmark: a stored-query tool call over MCP against running `missions-kg query` as a process.

Usage: python3 bench/mcp-round-trip.py [--binary PATH] [--calls N] [--query NAME]   (from the repository root; README "MCP")
Builds the release binary (unless --binary), then, N times each (default 200), interleaved so that a busy machine
slows both alike:
  - calls the stored query's tool (default `cast`) on one `missions-kg mcp` server over stdio, with the official
    MCP Python SDK (PyPI `mcp`), timing each call's round trip (request written, answer parsed);
  - runs `missions-kg query NAME --format json` as a process, as an assistant without MCP would, timing it from
    start to exit.
Prints p50 and p99 of each in milliseconds and their ratio. Needs `pip install mcp==2.3.0`.
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def measure(binary, query, calls):
    tool, process = [], []
    server = StdioServerParameters(command=binary, args=["mcp"])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            if query not in names:
                raise SystemExit(f"no tool {query!r}; tools: {', '.join(names)}")
            # One call first: the server's first answer pays for opening the graph.
            await session.call_tool(query, {})
            for _ in range(calls):
                started = time.perf_counter()
                result = await session.call_tool(query, {})
                tool.append((time.perf_counter() - started) * 1000)
                if result.is_error:
                    raise SystemExit(f"the tool {query} failed: {result.content}")
                started = time.perf_counter()
                subprocess.run([binary, "query", query, "--format", "json"], stdout=subprocess.DEVNULL, check=True)
                process.append((time.perf_counter() - started) * 1000)
    return tool, process


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
    tool, process = asyncio.run(measure(binary, args.query, args.calls))
    print(f"| `{args.query}`, {args.calls} calls | p50 | p99 |")
    print("|---|---|---|")
    print(f"| MCP tool call (one server, stdio) | {statistics.median(tool):.2f} ms | {percentile(tool, 0.99):.2f} ms |")
    print(f"| `missions-kg query` as a process | {statistics.median(process):.2f} ms | {percentile(process, 0.99):.2f} ms |")
    print(f"| ratio (process / MCP) | {statistics.median(process) / statistics.median(tool):.1f}× | "
          f"{percentile(process, 0.99) / percentile(tool, 0.99):.1f}× |")


if __name__ == "__main__":
    main()
