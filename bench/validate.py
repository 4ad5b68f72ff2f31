#!/usr/bin/env python3
"""Validation speed: `missions-kg validate` against pySHACL, the tool a user would otherwise run.

Both check the same triples against ontology/shapes.ttl: pySHACL gets the merged view exported by
missions-kg plus the ontology (-e); missions-kg also runs its syntax pass and the stored checks.
A second case times `validate` on a generated file of 10,000 broken statements (every one reported).
Needs: a release build (cargo build --release), pip install pyshacl, GNU time for peak memory.
"""
import argparse, statistics, subprocess, tempfile, time, os, re

BIN = "target/release/missions-kg"


def timed(args, runs):
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True)
        times.append((time.perf_counter() - start) * 1000)
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
        peaks.append(int(peak.group(1)) / 1024 if peak else float("nan"))
    return statistics.median(times), min(times), max(times), max(peaks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, "merged.nt")
        subprocess.run([BIN, "--data", "data", "export", "--format", "ntriples", "--output", merged], check=True)
        many = os.path.join(tmp, "many.ttl")
        with open(many, "w") as f:
            f.write("@prefix ex: <http://example.org/> .\n")
            for i in range(10_000):
                f.write(f"ex:s{i} ex:p <http://example.org/a b{i}> .\n" if i % 2 == 0 else f"ex:s{i} undeclared:p ex:o .\n")
        rows = [
            ("missions-kg validate (shipped data)", [BIN, "validate"]),
            ("pyshacl (same triples and shapes)", ["pyshacl", "-s", "ontology/shapes.ttl", "-e", "ontology/missions.ttl", "-df", "nt", merged]),
            ("missions-kg validate (10,000 syntax errors)", [BIN, "validate", "--data", many]),
        ]
        base = None
        print(f"| run | median | min–max | peak memory | vs missions-kg |\n|---|---|---|---|---|")
        for name, args in rows:
            median, low, high, peak = timed(args, runs)
            base = base or median
            print(f"| {name} | {median:.0f} ms | {low:.0f}–{high:.0f} ms | {peak:.1f} MiB | {median / base:.1f}× |")


if __name__ == "__main__":
    main()
