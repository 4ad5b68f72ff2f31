"""Benchmark: what the hostile-input defences cost on the normal path, side by side in one run.

Usage: python3 bench/defences.py BEFORE AFTER [--runs N] [--query NAME]   (see README "Hostile input")
BEFORE and AFTER are two release binaries of missions-kg, e.g. one built from the commit before the defences
(git worktree add ../before a372eda && cargo build --release there) and one from HEAD. Each run is the whole
process of `query NAME --format tsv` (default: cast) on the embedded data; runs alternate between the two, so
machine noise hits both alike. Reports median, min and max wall time, the ratio of medians, and peak resident
memory from GNU time (`/usr/bin/time`, Debian package `time`) in a separate run. Also checks that both
binaries print the same answer.
"""
import argparse
import os
import statistics
import subprocess
import sys

from bench import peak_memory_mib, run_once  # the same timing and memory helpers as bench/bench.py


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--query", default="cast")
    args = parser.parse_args()
    commands = {
        "before": [os.path.abspath(args.before), "query", args.query, "--format", "tsv"],
        "after": [os.path.abspath(args.after), "query", args.query, "--format", "tsv"],
    }
    answers = {name: subprocess.run(argv, capture_output=True, check=True).stdout
               for name, argv in commands.items()}
    if answers["before"] != answers["after"]:
        sys.exit("the two binaries answer differently")
    times = {name: [] for name in commands}
    for name, argv in commands.items():  # one warm-up run each
        run_once(argv)
    for _ in range(args.runs):
        for name, argv in commands.items():
            times[name].append(run_once(argv))
    base = statistics.median(times["before"])
    print(f"query {args.query}, {args.runs} runs each, interleaved")
    print("| binary | median | min–max | peak memory | vs before |")
    print("|---|---|---|---|---|")
    for name, argv in commands.items():
        median = statistics.median(times[name])
        memory = peak_memory_mib(argv)
        shown = f"{memory:.1f} MiB" if memory is not None else "n/a"
        print(f"| {name} | {median * 1000:.2f} ms | {min(times[name]) * 1000:.2f}–{max(times[name]) * 1000:.2f} ms "
              f"| {shown} | {median / base:.2f}× |")


if __name__ == "__main__":
    main()
