"""Two builds of missions-kg side by side: is a change (a refactor, a dependency bump) as fast as before?

Usage: python3 bench/versions.py OLD_BINARY NEW_BINARY [--runs N] [--seconds S]
(from the repository root). Build each side first, e.g. the commit before the change in a worktree:
  git worktree add /tmp/before COMMIT && (cd /tmp/before && cargo build --release)

1. Cold query on the built-in graph, as bench/suite.py measures it: a whole process of `query cast --format tsv`,
   start-up included, the two binaries interleaved run by run (noise hits both alike); medians and min-max.
2. Server throughput, as bench/serve.py measures it: `serve --cache 0` (every request evaluated) for each binary
   in turn, `wrk` (Debian package) with 16 connections for S seconds on a stored query and on an entity page
   (HTML), in rounds alternating the two; median requests per second and p50 latency. Every answer is checked to
   be the same bytes.
3. The server's own CPU per request (`/proc/PID/stat`, user + system), the same workloads sent one at a time, each
   binary in turn for 4 rounds: less sensitive than throughput to what else the machine runs.
The ratio NEW/OLD is printed for each; within 5% is "unchanged" (the goal of issue 22).
"""
import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cold(binary):
    start = time.perf_counter()
    subprocess.run([binary, "query", "cast", "--format", "tsv"], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, accept):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def started(binary, port):
    """`serve --cache 0` (every request evaluated) on `port`, once it answers."""
    # wrk is one client (one address): given every query slot where the
    # version has a per-client share (issue 23), as older ones gave it.
    helps = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout
    whole = ["--max-queries-per-client", "8"] if "--max-queries-per-client" in helps else []
    server = subprocess.Popen([binary, "serve", "--cache", "0", "--bind", f"127.0.0.1:{port}", *whole],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):  # at most 10 s for the server to listen
        try:
            fetch(f"http://127.0.0.1:{port}/health", "*/*")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit(f"{binary} serve did not start")


def serve(binary, port, seconds, workloads):
    server = started(binary, port)
    try:
        base = f"http://127.0.0.1:{port}"
        results = {}
        for name, (path, accept) in workloads.items():
            body = fetch(base + path, accept)
            out = subprocess.run(["wrk", "-t", "2", "-c", "16", "-d", f"{seconds}s", "--latency",
                                  "-H", f"Accept: {accept}", base + path],
                                 capture_output=True, text=True, check=True).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
            scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p50.group(2)]
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
            results[name] = (rate, float(p50.group(1)) * scale, int(errors.group(1)) if errors else 0, body)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(binary, port, path, accept, count):
    server = started(binary, port)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(20):
            fetch(base + path, accept)
        before = cpu_seconds(server.pid)
        for _ in range(count):
            fetch(base + path, accept)
        return (cpu_seconds(server.pid) - before) / count * 1000
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binaries = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}

    times = {"old": [], "new": []}
    for side in binaries:  # warm the page cache once
        cold(binaries[side])
    for _ in range(args.runs):
        for side, binary in binaries.items():
            times[side].append(cold(binary))
    print(f"## Cold query (`query cast --format tsv`, a whole process), {args.runs} runs each, interleaved")
    med = {}
    for side, values in times.items():
        med[side] = statistics.median(values)
        print(f"  {side}: median {med[side] * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")
    print(f"  new/old: {med['new'] / med['old']:.3f}")

    workloads = {
        "stored query `cast` (JSON)": ("/queries/cast", "application/sparql-results+json"),
        "entity page (HTML)": ("/id/julien-lacombe", "text/html"),
    }
    print(f"## Server throughput, `serve --cache 0`, wrk -c 16 for {args.seconds} s each, "
          f"{args.rounds} rounds alternating old and new (medians)")
    port = free_port()  # one port for both, so pages that name their URL compare equal
    rounds = {"old": [], "new": []}
    for _ in range(args.rounds):
        for side, binary in binaries.items():
            rounds[side].append(serve(binary, port, args.seconds, workloads))
    for name in workloads:
        line = []
        for side in binaries:
            rate = statistics.median(r[name][0] for r in rounds[side])
            p50 = statistics.median(r[name][1] for r in rounds[side])
            errors = sum(r[name][2] for r in rounds[side])
            line.append((side, rate, p50, errors))
        same = len({r[name][3] for side in binaries for r in rounds[side]}) == 1
        (_, old_rate, _, _), (_, new_rate, _, _) = line
        print(f"  {name}: " + "; ".join(f"{side} {rate:.0f} req/s (p50 {p50:.2f} ms, {errors} non-2xx)"
                                        for side, rate, p50, errors in line)
              + f"; new/old {new_rate / old_rate:.3f}; {'same answer' if same else 'ANSWERS DIFFER'}")
    print("## Server CPU per request (one request at a time, 4 rounds alternating, medians)")
    for name, (path, accept) in workloads.items():
        count = 300 if "page" in name else 1500
        cpu = {"old": [], "new": []}
        for _ in range(4):
            for side, binary in binaries.items():
                cpu[side].append(cpu_per_request(binary, port, path, accept, count))
        old, new = statistics.median(cpu["old"]), statistics.median(cpu["new"])
        print(f"  {name}: old {old:.3f} ms, new {new:.3f} ms; new/old {new / old:.3f}")


if __name__ == "__main__":
    main()
