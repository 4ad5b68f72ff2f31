"""Benchmark: whole-process time and peak memory of one stored query, missions-kg against pyoxigraph and rdflib.

Usage: python3 bench/bench.py [--runs N] [--query NAME]   (from the repository root; see README "Speed")
Builds the dist binary (`cargo build --profile dist`), exports the dataset once as N-Quads (what the Python tools load), then runs each
command N times in turn (interleaved, so machine noise hits all three alike) and reports median, min and max wall
time, the ratios of medians, and peak resident memory. Memory is read by GNU time (`/usr/bin/time`, Debian package
`time`) in a separate run: a child's ru_maxrss seen from Python would include the Python parent's pages it shares
before exec. Needs: cargo, python3 with pyoxigraph and rdflib (`pip install pyoxigraph rdflib`).
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
    """Runs argv with stdout to /dev/null, returns its wall time in seconds; fails loudly on a non-zero exit."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, status, _ = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"benchmark command failed: {' '.join(argv)}")
    return elapsed


def peak_memory_mib(argv):
    """Peak resident memory of one run, in MiB, from GNU time; None where it is not installed."""
    gnu_time = "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return None
    result = subprocess.run([gnu_time, "-f", "%M", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, check=True)
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def commands_for(binary, dataset, query_file, name):
    script = os.path.join(ROOT, "bench", "py_query.py")
    return {
        "missions-kg": [binary, "query", name, "--format", "tsv"],
        "pyoxigraph": [sys.executable, script, "pyoxigraph", dataset, query_file],
        "rdflib": [sys.executable, script, "rdflib", dataset, query_file],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--query", default="cast")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--profile", "dist", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "dist", "missions-kg")
    query_file = os.path.join(ROOT, "queries", f"{args.query}.rq")
    tmp = tempfile.mkdtemp()
    dataset = os.path.join(tmp, "missions.nq")
    subprocess.run([binary, "export", "--graph", "all", "--format", "nquads", "--output", dataset], check=True)
    # The same answers, or the comparison means nothing.
    outputs = {}
    for name, argv in commands_for(binary, dataset, query_file, args.query).items():
        outputs[name] = sorted(subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()[1:])
    if len({len(rows) for rows in outputs.values()}) != 1:
        sys.exit(f"the tools disagree on the number of rows: { {n: len(r) for n, r in outputs.items()} }")

    commands = commands_for(binary, dataset, query_file, args.query)
    # rdflib takes about a second a run; fewer runs keep the whole benchmark short without hiding its median.
    runs = {"missions-kg": args.runs, "pyoxigraph": args.runs, "rdflib": max(5, args.runs // 5)}
    for argv in commands.values():  # warm-up: page cache, Python bytecode
        run_once(argv)
    times = {name: [] for name in commands}
    for i in range(args.runs):
        for name, argv in commands.items():
            if i < runs[name]:
                times[name].append(run_once(argv))
    memory = {name: peak_memory_mib(argv) for name, argv in commands.items()}

    base = statistics.median(times["missions-kg"])
    print(f"query: {args.query}; runs: " + ", ".join(f"{n} {len(t)}" for n, t in times.items()))
    print(f"{'tool':<12} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'peak MiB':>9} {'ratio':>7}")
    for name, t in times.items():
        med = statistics.median(t)
        mib = "n/a" if memory[name] is None else f"{memory[name]:.1f}"
        print(f"{name:<12} {med*1000:>10.1f} {min(t)*1000:>8.1f} {max(t)*1000:>8.1f} {mib:>9} {med/base:>6.1f}x")


if __name__ == "__main__":
    main()
