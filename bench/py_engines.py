"""pyoxigraph as a user would run it on the benchmark's generated data: one whole process per call.

Usage (called by bench/suite.py):
  python3 py_engines.py load-memory DATA.nq                 parse and index into an in-memory Store
  python3 py_engines.py load-disk DIR DATA.nq [MORE…]       bulk-load into an on-disk (RocksDB) Store
  python3 py_engines.py query-disk DIR QUERY                open the on-disk Store read-only, run QUERY
  python3 py_engines.py query-memory QUERY DATA.nq MORE.nt  load the files in memory, then run QUERY
Query answers are printed as TSV with a header line, like `missions-kg query --format tsv`.
"""
import sys

import pyoxigraph as ox


def load(store, paths):
    for path in paths:
        fmt = ox.RdfFormat.N_QUADS if path.endswith(".nq") else ox.RdfFormat.N_TRIPLES
        store.bulk_load(path=path, format=fmt)


def answer(store, query):
    rows = store.query(query)
    out = ["\t".join(str(v) for v in rows.variables)]
    out += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
    sys.stdout.write("\n".join(out) + "\n")


action, args = sys.argv[1], sys.argv[2:]
if action == "load-memory":
    store = ox.Store()
    load(store, args)
    print(len(store))
elif action == "load-disk":
    store = ox.Store(args[0])
    load(store, args[1:])
    store.flush()
elif action == "query-disk":
    answer(ox.Store.read_only(args[0]), args[1])
elif action == "query-memory":
    store = ox.Store()
    load(store, args[1:])
    answer(store, args[0])
else:
    sys.exit(f"unknown action {action!r}")
