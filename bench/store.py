"""Benchmark: the on-disk store against Oxigraph's (RocksDB) on generated data.

Usage: python3 bench/store.py [--triples N] [--runs R] [--binary PATH]   (from the repository root)

Generates N quads shaped like the real graph (bench/generate.py; 1,000,000 by default), then, R times each,
interleaved so machine noise hits every tool alike:
  - load: `missions-kg load --store` (HDT) and `oxigraph load` (PyPI `oxigraph`, RocksDB), each into an empty
    folder; also missions-kg reading the same file into memory (`--data`, one ASK query);
  - queries, cold (a whole process each): a join (series, their cast and the cast's names) and an aggregate
    (facts per graph), on `--store` and on `oxigraph query --location` over the same dataset. Oxigraph's copy
    is loaded from `missions-kg export --store …` (`--graph all` as N-Quads, the named graphs; `--graph default` as
    N-Triples, the merged view, into its default graph), so both answer the same question, each fact once.
Prints medians and ranges, the ratios of medians, peak memory (GNU time), store size on disk, and the
answers' row counts (which must agree). Needs: python3, `pip install oxigraph`, /usr/bin/time.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MK = "https://w3id.org/missions-kg/ontology#"
JOIN = f"""SELECT ?name (COUNT(DISTINCT ?series) AS ?n) WHERE {{
  ?series a <{MK}Series> ; <{MK}castMember> ?person ; <{MK}genre> ?genre .
  ?person <http://www.w3.org/2000/01/rdf-schema#label> ?name .
}} GROUP BY ?name ORDER BY DESC(?n) ?name LIMIT 10"""
AGGREGATE = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"""


def timed(argv, stdout=subprocess.DEVNULL):
    """Wall time of one run; stops the benchmark on a non-zero exit."""
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stderr}")
    return elapsed, result


def peak_mib(argv):
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{result.stderr}")
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def size_mib(path):
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    return total / (1 << 20)


def rows(argv):
    _, result = timed(argv, stdout=subprocess.PIPE)
    return len([line for line in result.stdout.splitlines() if line.strip()]) - 1


def show(label, times, reference=None):
    median = statistics.median(times)
    line = f"  {label:<44} median {median:8.3f} s   range {min(times):.3f}-{max(times):.3f}"
    if reference:
        line += f"   {statistics.median(reference) / median:5.2f}x"
    print(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/dist/missions-kg"))
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph")
    if not oxigraph:
        sys.exit("needs Oxigraph's CLI: pip install oxigraph")
    work = tempfile.mkdtemp(prefix="mkg-store-bench-")
    data = os.path.join(work, "data.nq")
    subprocess.run([sys.executable, os.path.join(ROOT, "bench/generate.py"), str(args.triples), data], check=True)
    mkg_store, ox_store = os.path.join(work, "mkg"), os.path.join(work, "ox")
    # Oxigraph gets the dataset as the store holds it: named graphs plus the merged view as its default graph.
    timed([args.binary, "load", "--store", mkg_store, data])
    named, merged = os.path.join(work, "named.nq"), os.path.join(work, "merged.nt")
    timed([args.binary, "export", "--store", mkg_store, "--graph", "all", "--format", "nquads", "--output", named])
    timed([args.binary, "export", "--store", mkg_store, "--graph", "default", "--format", "ntriples",
           "--output", merged])
    timed([oxigraph, "load", "--location", ox_store, "--file", named, merged])

    load = {"mkg": [], "ox": [], "memory": []}
    for _ in range(args.runs):
        for key in load:
            target = os.path.join(work, f"load-{key}")
            shutil.rmtree(target, ignore_errors=True)
            argv = {
                "mkg": [args.binary, "load", "--store", target, data],
                "ox": [oxigraph, "load", "--location", target, "--file", data],
                "memory": [args.binary, "query", "ASK {}", "--data", data, "--max-input", "4G", "--memory", "16G"],
            }[key]
            load[key].append(timed(argv)[0])
    queries = {}
    for name, text in (("join", JOIN), ("aggregate", AGGREGATE)):
        argv = {
            "mkg": [args.binary, "query", text, "--store", mkg_store, "--format", "tsv"],
            "ox": [oxigraph, "query", "--location", ox_store, "--query", text, "--results-format", "tsv"],
        }
        queries[name] = {key: [] for key in argv}
        for _ in range(args.runs):
            for key, command in argv.items():
                queries[name][key].append(timed(command)[0])
        counts = {key: rows(command) for key, command in argv.items()}
        queries[name]["rows"] = counts
        queries[name]["peak"] = {key: peak_mib(command) for key, command in argv.items()}

    print(f"{args.triples:,} quads generated ({os.path.getsize(data) / (1 << 20):.0f} MiB of N-Quads), "
          f"{args.runs} runs each, interleaved")
    print("load (whole process):")
    show("oxigraph load (RocksDB)", load["ox"])
    show("missions-kg load --store (HDT)", load["mkg"], load["ox"])
    show("missions-kg --data (in memory, then ASK)", load["memory"], load["ox"])
    for key, label in (("ox", "oxigraph load"), ("mkg", "missions-kg load --store")):
        rate = args.triples / statistics.median(load[key])
        print(f"  {label:<44} {rate:,.0f} quads/s")
    print(f"  memory rate: {args.triples / statistics.median(load['memory']):,.0f} quads/s (parse and index)")
    print("peak memory while loading (MiB): "
          f"oxigraph {peak_mib([oxigraph, 'load', '--location', os.path.join(work, 'peak-ox'), '--file', data]):.0f}, "
          f"missions-kg --store {peak_mib([args.binary, 'load', '--store', os.path.join(work, 'peak-mkg'), data]):.0f}")
    print(f"on disk (MiB): oxigraph {size_mib(os.path.join(work, 'load-ox')):.0f} "
          f"(the file's quads only), missions-kg {size_mib(os.path.join(work, 'load-mkg')):.0f} "
          "(named graphs and the merged view)")
    for name, result in queries.items():
        print(f"query {name} (cold: a whole process), rows {result['rows']}, peak MiB "
              f"oxigraph {result['peak']['ox']:.0f}, missions-kg {result['peak']['mkg']:.0f}:")
        show("oxigraph query --location", result["ox"])
        show("missions-kg query --store", result["mkg"], result["ox"])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
