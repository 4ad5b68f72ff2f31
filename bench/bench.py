"""Benchmark: whole-process time and peak memory of one stored query, missions-kg against pyoxigraph and rdflib.

Usage: python3 bench/bench.py [--runs N] [--query NAME]   (from the repository root; see README "Speed")
Builds the release binary, exports the dataset once as N-Quads (what the Python tools load), then runs each
command N times in turn (interleaved, so machine noise hits all three alike) and reports median, min and max wall
time, peak resident memory (from wait4), and the ratios of medians. Needs: cargo, python3 with pyoxigraph and rdflib
(`pip install pyoxigraph rdflib`).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_once(argv):
    """Runs argv, returns (seconds, peak RSS in KiB), failing loudly on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"benchmark command failed: {' '.join(argv)}\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--query", default="cast")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "missions-kg")
    query_file = os.path.join(ROOT, "queries", f"{args.query}.rq")
    tmp = tempfile.mkdtemp()
    dataset = os.path.join(tmp, "missions.nq")
    subprocess.run([binary, "export", "--graph", "all", "--format", "nquads", "--output", dataset], check=True)

    script = os.path.join(ROOT, "bench", "py_query.py")
    commands = {
        "missions-kg": [binary, "query", args.query, "--format", "tsv"],
        "pyoxigraph": [sys.executable, script, "pyoxigraph", dataset, query_file],
        "rdflib": [sys.executable, script, "rdflib", dataset, query_file],
    }
    # rdflib takes about a second a run; fewer runs keep the whole benchmark short without hiding its median.
    runs = {"missions-kg": args.runs, "pyoxigraph": args.runs, "rdflib": max(5, args.runs // 5)}
    for argv in commands.values():  # warm-up: page cache, Python bytecode
        run_once(argv)
    times = {name: [] for name in commands}
    rss = {name: [] for name in commands}
    for i in range(args.runs):
        for name, argv in commands.items():
            if i < runs[name]:
                t, m = run_once(argv)
                times[name].append(t)
                rss[name].append(m)

    base = statistics.median(times["missions-kg"])
    print(f"query: {args.query}; runs: " + ", ".join(f"{n} {len(t)}" for n, t in times.items()))
    print(f"{'tool':<12} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'peak MiB':>9} {'ratio':>7}")
    for name, t in times.items():
        med = statistics.median(t)
        print(f"{name:<12} {med*1000:>10.1f} {min(t)*1000:>8.1f} {max(t)*1000:>8.1f} "
              f"{max(rss[name])/1024:>9.1f} {med/base:>6.1f}x")


if __name__ == "__main__":
    main()
