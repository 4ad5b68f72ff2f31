"""Benchmark: what trusting only some articles costs, against the plain query.

Usage: python3 bench/trust.py [--binary PATH] [--runs N]   (from the repository root; README "Which articles to trust")
Builds the release binary (unless --binary), then runs each of four stored queries as a whole process, plain, with
`--sources 000,002`, with `--without 001` and with `--sensitivity`, interleaved (so a busy machine slows them alike),
N times each (default 31), and prints the medians in milliseconds and their ratios to the plain query.
"""
import argparse
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUERIES = ["creators", "cast", "facts-per-article", "disagreements"]
VARIANTS = [("plain", []), ("--sources 000,002", ["--sources", "000,002"]),
            ("--without 001", ["--without", "001"]), ("--sensitivity", ["--sensitivity"])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary")
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "missions-kg")
    print("| query | " + " | ".join(name for name, _ in VARIANTS) + " |")
    print("|---|" + "---|" * len(VARIANTS))
    for query in QUERIES:
        times = {name: [] for name, _ in VARIANTS}
        for _ in range(args.runs):
            for name, extra in VARIANTS:
                started = time.perf_counter()
                subprocess.run([binary, "query", *extra, query], stdout=subprocess.DEVNULL, check=True)
                times[name].append((time.perf_counter() - started) * 1000)
        plain = statistics.median(times["plain"])
        cells = [f"{plain:.1f} ms"]
        for name, _ in VARIANTS[1:]:
            median = statistics.median(times[name])
            cells.append(f"{median:.1f} ms ({median / plain:.2f}×)")
        print(f"| `{query}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
