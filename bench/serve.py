"""Benchmark: `missions-kg serve` under load, side by side with Oxigraph's own server on the same data.

Usage: python3 bench/serve.py [--seconds S] [--connections C] [--binary PATH]   (from the repository root;
see README "Serving the graph on the web")
Builds the release binary (unless --binary), exports the dataset as N-Quads, loads it into an Oxigraph store
(`oxigraph load`, PyPI `oxigraph`), then for each workload runs `wrk` (Debian package `wrk`) for S seconds with C
connections against each server in turn, on loopback: our server, our server with `--cache 0` (every request
evaluated), then `oxigraph serve-read-only
--union-default-graph` (so plain queries see the merged view, as ours do). Workloads: a stored query (ours by
name, Oxigraph with the same SPARQL text) and an ad-hoc query in SPARQL JSON; an entity as Turtle (ours: its IRI
dereferenced; Oxigraph: DESCRIBE of the same IRI, the nearest thing it serves); our entity page in HTML (against
the same DESCRIBE); and a Graph Store GET of one article's graph in Turtle. Before measuring, each pair of query
and graph answers is checked to hold the same rows or triples. Reports requests per second, of them the 2xx answers
per second (a 503 for want of a query slot is quick, and counts in wrk's rate), p50 and p99 latency (wrk's
--latency), non-2xx answers and socket errors, and each server's resident memory at start, after the first
workload, and after the first workload is run again at the end (growth shows as a difference), plus its peak
(VmHWM).
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MK = "https://w3id.org/missions-kg/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def memory(pid):
    """(resident, peak) of a process in MiB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    to_mib = lambda text: int(text.split()[0]) / 1024
    return to_mib(fields["VmRSS"]), to_mib(fields["VmHWM"])


def wrk(url, accept, seconds, connections):
    """Runs wrk; returns (requests/s, 2xx answers/s, p50 ms, p99 ms, non-2xx, socket errors). A 503 (no free
    query slot) is answered at once: it counts in wrk's requests/s, not in the 2xx rate."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Accept: {accept}", url],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total, duration, unit = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out).groups()
    duration = float(duration) * {"ms": 0.001, "s": 1, "m": 60}[unit]
    return (rate, (int(total) - non_2xx) / duration, percentile(50), percentile(99), non_2xx,
            sum(int(n) for n in errors.groups()) if errors else 0)


def fetch(url, accept):
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read()


def rows(body):
    return sorted(json.dumps(row, sort_keys=True) for row in json.loads(body)["results"]["bindings"])


def triples(body):
    """The N-Triples lines, decimals in one lexical form (Oxigraph's store writes 1500000 as 1500000.0)."""
    decimal = re.compile(r'"(-?\d+)"\^\^<http://www.w3.org/2001/XMLSchema#decimal>')
    lines = {decimal.sub(r'"\1.0"^^<http://www.w3.org/2001/XMLSchema#decimal>', line.strip())
             for line in body.decode().splitlines() if line.strip()}
    return sorted(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--binary")
    args = parser.parse_args()
    for tool in ("wrk", "oxigraph"):
        if not shutil.which(tool):
            sys.exit(f"needs {tool} (apt install wrk; pip install oxigraph==0.5.13)")
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "missions-kg")
    work = tempfile.mkdtemp()
    dataset = os.path.join(work, "dataset.nq")
    with open(dataset, "wb") as out:
        subprocess.run([binary, "export", "--graph", "all", "--format", "nquads"], stdout=out, check=True)
    store = os.path.join(work, "oxigraph")
    subprocess.run(["oxigraph", "load", "--location", store, "--file", dataset],
                   check=True, capture_output=True)

    cast = open(os.path.join(ROOT, "queries", "cast.rq")).read()
    adhoc = ("PREFIX mk: <https://w3id.org/missions-kg/ontology#>\n"
             "SELECT DISTINCT ?film ?date WHERE { ?b a mk:Broadcast ; mk:startDate ?date ; mk:channel ?film } ORDER BY ?date")
    entity = MK + "id/julien-lacombe"
    graph = MK + "source/article-000"
    q = lambda text: urllib.parse.quote(text, safe="")

    ours_port, theirs_port = free_port(), free_port()
    # wrk is one client (one address): it gets every query slot, as
    # Oxigraph gives it, rather than its default share of half of them.
    whole = ["--max-queries-per-client", "8"]
    ours = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{ours_port}", *whole],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The same, keeping no answers: every request evaluated, as Oxigraph does.
    cold_port = free_port()
    cold = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{cold_port}", "--cache", "0", *whole],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs = subprocess.Popen(["oxigraph", "serve-read-only", "--location", store, "--bind",
                               f"127.0.0.1:{theirs_port}", "--union-default-graph"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for port in (ours_port, cold_port, theirs_port):
            wait_for(port)
        a, c, b = (f"http://127.0.0.1:{port}" for port in (ours_port, cold_port, theirs_port))
        json_type, turtle, html = "application/sparql-results+json", "text/turtle", "text/html"
        describe = f"/query?query={q(f'DESCRIBE <{entity}>')}"
        # (name, our path, Oxigraph's path, Accept, what to compare)
        workloads = [
            ("stored query (cast), JSON", "/queries/cast", f"/query?query={q(cast)}", json_type, "results"),
            ("ad-hoc query, JSON", f"/sparql?query={q(adhoc)}", f"/query?query={q(adhoc)}", json_type, "results"),
            ("entity as Turtle (Oxigraph: DESCRIBE)", "/id/julien-lacombe", describe, turtle, None),
            ("entity page, HTML (Oxigraph: DESCRIBE, Turtle)", "/id/julien-lacombe", describe, html, None),
            ("Graph Store GET, one article, Turtle", f"/store?graph={q(graph)}", f"/store?graph={q(graph)}",
             turtle, "graph"),
        ]
        for name, mine, other, _, kind in workloads:
            if kind == "results":
                json_type = "application/sparql-results+json"
                assert rows(fetch(a + mine, json_type)) == rows(fetch(b + other, json_type)), f"{name}: answers differ"
            elif kind == "graph":
                nt = "application/n-triples"
                assert triples(fetch(a + mine, nt)) == triples(fetch(b + other, nt)), f"{name}: graphs differ"
        servers = [("missions-kg", a, ours.pid, 0), ("missions-kg --cache 0", c, cold.pid, 0),
                   ("oxigraph serve-read-only", b, theirs.pid, 1)]
        print(f"wrk -t2 -c{args.connections} -d{args.seconds}s per row, on loopback, servers measured in turn\n")
        print("| workload | server | requests/s | 2xx answers/s | p50 | p99 | errors | 2xx throughput vs Oxigraph |")
        print("|---|---|---|---|---|---|---|---|")
        start_memory = {name: memory(pid)[0] for name, _, pid, _ in servers}
        after_first = {}
        for index, workload in enumerate(workloads):
            results = {}
            for server, base, pid, which in servers:
                accept = workload[3] if which == 0 else (turtle if workload[3] == html else workload[3])
                results[server] = wrk(base + workload[1 + which], accept, args.seconds, args.connections)
                if index == 0:
                    after_first[server] = memory(pid)[0]
            theirs_ok = results["oxigraph serve-read-only"][1]
            for server, (rate, ok, p50, p99, non_2xx, errors) in results.items():
                print(f"| {workload[0]} | {server} | {rate:,.0f} | {ok:,.0f} | {p50:.2f} ms | {p99:.2f} ms | "
                      f"{non_2xx + errors} | {ok / theirs_ok:.2f}× |")
        # The first workload again: memory after it, against after its first run, shows growth.
        for server, base, pid, which in servers:
            wrk(base + workloads[0][1 + which], workloads[0][3], args.seconds, args.connections)
        print("\n| server | resident at start | after the first workload | after it again, at the end | peak |")
        print("|---|---|---|---|---|")
        for server, _, pid, _ in servers:
            resident, peak = memory(pid)
            print(f"| {server} | {start_memory[server]:.1f} MiB | {after_first[server]:.1f} MiB | "
                  f"{resident:.1f} MiB | {peak:.1f} MiB |")
    finally:
        for process in (ours, cold, theirs):
            process.terminate()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
