"""Queries a running missions-kg server with SPARQL clients no one here wrote.

Usage: python3 sparql_clients.py ENDPOINT_URL
SPARQLWrapper asks for the cast in every result format it knows (JSON, XML,
CSV, TSV) and for a graph in Turtle, N-Triples, RDF/XML and JSON-LD; rdflib's
SPARQLStore runs a query through its own protocol code. Prints one line per
check, `ok NAME DETAIL`; any failure raises (non-zero exit).
"""
import sys

from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

endpoint = sys.argv[1]
CAST = """PREFIX mk: <https://w3id.org/missions-kg/ontology#>
SELECT ?person ?character WHERE { ?role mk:castMember ?person ; mk:character ?character } ORDER BY ?person"""
GRAPH = """PREFIX mk: <https://w3id.org/missions-kg/ontology#>
CONSTRUCT { ?person a mk:Person } WHERE { ?role mk:castMember ?person }"""


def client(query, return_format, method="GET"):
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(return_format)
    sparql.setMethod(method)
    return sparql.query()


for method in ("GET", "POST"):
    rows = client(CAST, JSON, method).convert()["results"]["bindings"]
    people = sorted({row["person"]["value"] for row in rows})
    assert "https://w3id.org/missions-kg/id/clement-aubert" in people, people
    print(f"ok json-{method} {len(rows)} rows")

document = client(CAST, XML).convert()
results = document.getElementsByTagName("result")
assert len(results) == len(rows), (len(results), len(rows))
print(f"ok xml {len(results)} rows")

for name, kind in (("csv", CSV), ("tsv", TSV)):
    text = client(CAST, kind).convert().decode("utf-8")
    lines = [line for line in text.splitlines() if line]
    assert len(lines) == len(rows) + 1, (name, len(lines))
    assert "clement-aubert" in text, text
    print(f"ok {name} {len(lines) - 1} rows")

for name, kind in (("turtle", TURTLE), ("n3", N3), ("rdfxml", RDFXML), ("jsonld", JSONLD)):
    graph = client(GRAPH, kind).convert()
    # SPARQLWrapper returns an rdflib Graph for RDF/XML and JSON-LD, bytes for Turtle/N3.
    if isinstance(graph, bytes):
        import rdflib

        parsed = rdflib.Graph()
        parsed.parse(data=graph.decode("utf-8"), format="turtle")
        graph = parsed
    assert len(graph) >= 6, (name, len(graph))
    print(f"ok graph-{name} {len(graph)} triples")

assert client("ASK { ?s ?p ?o }", JSON).convert()["boolean"] is True
print("ok ask")

from rdflib.plugins.stores.sparqlstore import SPARQLStore

store = SPARQLStore(endpoint)
answer = list(store.query(CAST))
assert len(answer) == len(rows), (len(answer), len(rows))
print(f"ok rdflib-sparqlstore {len(answer)} rows")
