"""Run one SPARQL query over an exported dataset with pyoxigraph or rdflib, as a user would without missions-kg.

Usage: python3 py_query.py (pyoxigraph|rdflib) DATASET.nq QUERY.rq
Prints a header line of variables, then the result rows as TSV, like `missions-kg query --format tsv`.
Called by bench.py; each call is one whole process, start-up included, like `missions-kg query`.
"""
import sys

engine, dataset, query_file = sys.argv[1:4]
query = open(query_file, encoding="utf-8").read()

if engine == "pyoxigraph":
    import pyoxigraph as ox

    store = ox.Store()
    # The export is the dataset with its named graphs; the merged view goes to the default graph, as in missions-kg.
    store.bulk_load(path=dataset, format=ox.RdfFormat.N_QUADS)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    rows = store.query(query)
    out = ["\t".join(str(v) for v in rows.variables)]
    out += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
elif engine == "rdflib":
    import rdflib

    ds = rdflib.Dataset()
    ds.parse(dataset, format="nquads")
    # rdflib's default graph can be the union of the named graphs; that is its merged view.
    ds.default_union = True
    result = ds.query(query)
    out = ["\t".join(f"?{v}" for v in result.vars)]
    out += ["\t".join("" if t is None else t.n3() for t in row) for row in result]
else:
    sys.exit(f"unknown engine {engine!r}: use pyoxigraph or rdflib")

sys.stdout.write("\n".join(out) + "\n")
