#!/usr/bin/env python3
"""What `query --why` costs: stored queries run plain and traced, a whole
process each, on the built-in graph; medians of N runs (README, "Why an
answer: --why"). Usage: python3 bench/why.py [BINARY] [RUNS]
(default: target/release/missions-kg, 10 runs)."""
import statistics
import subprocess
import sys
import time

BINARY = sys.argv[1] if len(sys.argv) > 1 else "target/release/missions-kg"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 10


def median_ms(args):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([BINARY, *args], stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000


for name in ("creators", "cast", "facts-per-article", "disagreements"):
    plain = median_ms(["query", name])
    traced = median_ms(["query", name, "--why"])
    print(
        f"{name:20} plain {plain[0]:7.1f} ms ({plain[1]:.1f}-{plain[2]:.1f})"
        f"  --why {traced[0]:7.1f} ms ({traced[1]:.1f}-{traced[2]:.1f})"
        f"  {traced[0] / plain[0]:.1f}x"
    )
