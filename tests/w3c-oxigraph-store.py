#!/usr/bin/env python3
"""Oxigraph's own store, behind the command line tests/w3c.rs runs.

Takes `--data FILE query QUERY.rq -f json|ntriples` like missions-kg, loads
FILE into a pyoxigraph Store with the file's own file:// URL as base, runs
the query with the query file's URL as base, and writes the results. Used
once, by hand, to see which W3C tests pass on Oxigraph's store:

    pip install pyoxigraph==0.5.13   # the oxigraph version in Cargo.lock
    MISSIONS_KG_W3C_COMMAND="python3 tests/w3c-oxigraph-store.py" \
        cargo test --test w3c -- --nocapture
"""

import pathlib
import sys
import urllib.parse

import pyoxigraph as ox


def file_url(path):
    return "file://" + urllib.parse.quote(str(pathlib.Path(path).absolute()), safe="/!$&'()*+,;=:@~")


def main(argv):
    data = argv[argv.index("--data") + 1]
    query = argv[argv.index("query") + 1]
    fmt = argv[argv.index("-f") + 1]
    store = ox.Store()
    store.load(path=data, format=ox.RdfFormat.from_extension(pathlib.Path(data).suffix[1:]), base_iri=file_url(data))
    text = pathlib.Path(query).read_text(encoding="utf-8")
    try:
        results = store.query(text, base_iri=file_url(query))
    except SyntaxError as error:
        print(f"error: malformed query '{query}': {error}", file=sys.stderr)
        return 1
    if isinstance(results, ox.QueryTriples):
        sys.stdout.buffer.write(ox.serialize(results, format=ox.RdfFormat.N_TRIPLES))
    elif fmt == "ntriples":
        print("error: not a graph query", file=sys.stderr)
        return 1
    else:
        sys.stdout.buffer.write(results.serialize(format=ox.QueryResultsFormat.JSON))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as error:  # any other failure is a failed run, as for the binary
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
