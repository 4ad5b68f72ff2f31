"""Benchmark: `missions-kg serve` under load, side by side with Oxigraph's own server on the same data.

Usage: python3 bench/serve.py [--seconds S] [--connections C] [--binary PATH]   (from the repository root;
see README "Serving the graph on the web")
Builds the release binary (unless --binary), exports the dataset as N-Quads, loads it into an Oxigraph store
(`oxigraph load`, PyPI `oxigraph`), then for each workload runs `wrk` (Debian package `wrk`) for S seconds with C
connections against each server in turn, on loopback: our server, then `oxigraph serve-read-only
--union-default-graph` (so plain queries see the merged view, as ours do). Workloads: a stored query (ours by
name, Oxigraph with the same SPARQL text), an ad-hoc query, an entity (our HTML page, Oxigraph's DESCRIBE of the
same IRI: the nearest thing it serves), and a Graph Store GET of one article's graph. Before measuring, each pair
of answers is checked to hold the same rows or triples. Reports requests per second, p50 and p99 latency (wrk's
--latency), non-2xx answers and socket errors, and the server's resident memory at start, after the first
workload and at the end, plus its peak (VmHWM), so growth over the run shows.
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


def wrk(url, seconds, connections):
    """Runs wrk; returns (requests/s, p50 ms, p99 ms, non-2xx, socket errors)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", "Accept: application/sparql-results+json, text/turtle;q=0.9, text/html;q=0.8", url],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return (rate, percentile(50), percentile(99), int(non_2xx.group(1)) if non_2xx else 0,
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
    ours = subprocess.Popen([binary, "serve", "--bind", f"127.0.0.1:{ours_port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    theirs = subprocess.Popen(["oxigraph", "serve-read-only", "--location", store, "--bind",
                               f"127.0.0.1:{theirs_port}", "--union-default-graph"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(ours_port)
        wait_for(theirs_port)
        a, b = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{theirs_port}"
        workloads = [
            ("stored query (cast)", f"{a}/queries/cast", f"{b}/query?query={q(cast)}", "results"),
            ("ad-hoc query", f"{a}/sparql?query={q(adhoc)}", f"{b}/query?query={q(adhoc)}", "results"),
            ("entity (ours: HTML page; Oxigraph: DESCRIBE)", f"{a}/id/julien-lacombe",
             f"{b}/query?query={q(f'DESCRIBE <{entity}>')}", None),
            ("Graph Store GET, one article", f"{a}/store?graph={q(graph)}", f"{b}/store?graph={q(graph)}", "graph"),
        ]
        for name, mine, other, kind in workloads:
            if kind == "results":
                json_type = "application/sparql-results+json"
                assert rows(fetch(mine, json_type)) == rows(fetch(other, json_type)), f"{name}: answers differ"
            elif kind == "graph":
                assert triples(fetch(mine, "application/n-triples")) == triples(fetch(other, "application/n-triples")), \
                    f"{name}: graphs differ"
        print(f"wrk -t2 -c{args.connections} -d{args.seconds}s per row, on loopback, servers measured in turn\n")
        print("| workload | server | requests/s | p50 | p99 | errors | throughput vs Oxigraph |")
        print("|---|---|---|---|---|---|---|")
        start_memory = {"missions-kg": memory(ours.pid)[0], "oxigraph": memory(theirs.pid)[0]}
        after_first = {}
        for index, (name, mine, other, _) in enumerate(workloads):
            results = {}
            for server, url, pid in (("missions-kg", mine, ours.pid), ("oxigraph", other, theirs.pid)):
                results[server] = wrk(url, args.seconds, args.connections)
                if index == 0:
                    after_first[server] = memory(pid)[0]
            for server, (rate, p50, p99, non_2xx, errors) in results.items():
                ratio = rate / results["oxigraph"][0]
                print(f"| {name} | {server} | {rate:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {non_2xx + errors} | {ratio:.2f}× |")
        print("\n| server | resident at start | after the first workload | at the end | peak |")
        print("|---|---|---|---|---|")
        for server, pid in (("missions-kg", ours.pid), ("oxigraph", theirs.pid)):
            resident, peak = memory(pid)
            print(f"| {server} | {start_memory[server]:.1f} MiB | {after_first[server]:.1f} MiB | "
                  f"{resident:.1f} MiB | {peak:.1f} MiB |")
    finally:
        ours.terminate()
        theirs.terminate()
        ours.wait()
        theirs.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
