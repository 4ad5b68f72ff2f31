"""Reads `missions-kg export --format annotations` with pyld (PyPI), a JSON-LD
processor no one here wrote, and checks what it expands to.

Usage: python3 annotations.py FILE COUNT with-exact|without-exact
Offline: the document loader serves the Web Annotation context from here and
refuses any other URL, so nothing is fetched. The context served is the part
of http://www.w3.org/ns/anno.jsonld (W3C Web Annotation Vocabulary, appendix
A) that the export uses, term by term as the W3C context defines it; a term
the export used and this lacked would be dropped by expansion, and the
checks below would fail. Prints `ok NAME DETAIL` lines; any failure raises.
"""
import sys

from pyld import jsonld

ANNO = "http://www.w3.org/ns/anno.jsonld"
OA = "http://www.w3.org/ns/oa#"
AS = "http://www.w3.org/ns/activitystreams#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
MK = "https://w3id.org/missions-kg/ontology#"

CONTEXT = {
    "@context": {
        "oa": OA,
        "rdf": RDF,
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
        "xsd": XSD,
        "as": AS,
        "id": {"@type": "@id", "@id": "@id"},
        "type": {"@type": "@id", "@id": "@type"},
        "Annotation": "oa:Annotation",
        "SpecificResource": "oa:SpecificResource",
        "TextQuoteSelector": "oa:TextQuoteSelector",
        "TextPositionSelector": "oa:TextPositionSelector",
        "AnnotationCollection": "as:OrderedCollection",
        "AnnotationPage": "as:OrderedCollectionPage",
        "describing": "oa:describing",
        "body": {"@type": "@id", "@id": "oa:hasBody"},
        "target": {"@type": "@id", "@id": "oa:hasTarget"},
        "source": {"@type": "@id", "@id": "oa:hasSource"},
        "selector": {"@type": "@id", "@id": "oa:hasSelector"},
        "items": {"@type": "@id", "@id": "as:items", "@container": "@list"},
        "first": {"@type": "@id", "@id": "as:first"},
        "motivation": {"@type": "@vocab", "@id": "oa:motivatedBy"},
        "exact": "oa:exact",
        "prefix": "oa:prefix",
        "suffix": "oa:suffix",
        "label": "rdfs:label",
        "start": {"@id": "oa:start", "@type": "xsd:nonNegativeInteger"},
        "end": {"@id": "oa:end", "@type": "xsd:nonNegativeInteger"},
        "total": {"@id": "as:totalItems", "@type": "xsd:nonNegativeInteger"},
        "startIndex": {"@id": "as:startIndex", "@type": "xsd:nonNegativeInteger"},
    }
}


def loader(url, options=None):
    if url.rstrip("/") != ANNO:
        raise RuntimeError(f"the test is offline: no document for {url}")
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": CONTEXT}


path, count, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as f:
    import json

    document = json.load(f)
expanded = jsonld.expand(document, {"documentLoader": loader})
assert len(expanded) == 1, len(expanded)
collection = expanded[0]
assert collection["@type"] == [AS + "OrderedCollection"], collection["@type"]
total = int(collection[AS + "totalItems"][0]["@value"])
page = collection[AS + "first"][0]
assert page["@type"] == [AS + "OrderedCollectionPage"], page["@type"]
items = page[AS + "items"][0]["@list"]
assert total == len(items) == count, (total, len(items), count)
print(f"ok count {count}")


def one(node, key):
    values = node.get(key, [])
    assert len(values) == 1, (key, node)
    return values[0]


sources, exact, digests = set(), 0, 0
for item in items:
    assert item["@type"] == [OA + "Annotation"], item
    assert one(item, OA + "motivatedBy")["@id"] == OA + "describing", item
    body = one(item, OA + "hasBody")
    assert body["@type"] == [RDF + "Statement"], body
    assert body["@id"].startswith("https://w3id.org/missions-kg/evidence/"), body
    for key in ("subject", "predicate", "object"):
        one(body, RDF + key)
    assert "@id" in one(body, RDF + "predicate")
    target = one(item, OA + "hasTarget")
    assert target["@type"] == [OA + "SpecificResource"], target
    source = one(target, OA + "hasSource")["@id"]
    assert source.startswith("https://w3id.org/missions-kg/source/article-"), source
    sources.add(source)
    selectors = {s["@type"][0]: s for s in target[OA + "hasSelector"]}
    assert set(selectors) == {OA + "TextPositionSelector", OA + "TextQuoteSelector"}, selectors
    position = selectors[OA + "TextPositionSelector"]
    start, end = (one(position, OA + key) for key in ("start", "end"))
    assert start["@type"] == end["@type"] == XSD + "nonNegativeInteger", position
    assert int(start["@value"]) < int(end["@value"]), position
    assert item["@id"].endswith(f"#passage-{start['@value']}-{end['@value']}"), item["@id"]
    quote = selectors[OA + "TextQuoteSelector"]
    # The words (exact, prefix, suffix) come only from the user's own copy of the texts.
    for key in ("prefix", "suffix"):
        if mode == "with-exact":
            assert isinstance(one(quote, OA + key)["@value"], str), quote
        else:
            assert OA + key not in quote, quote
    digest = one(quote, MK + "exactDigest")["@value"]
    assert len(digest) == 64, digest
    digests += 1
    if OA + "exact" in quote:
        text = one(quote, OA + "exact")["@value"]
        assert len(text) == int(end["@value"]) - int(start["@value"]), (text, position)
        exact += 1
assert len(sources) == 4, sources
if mode == "with-exact":
    assert exact == count, (exact, count)
else:
    assert exact == 0, exact
print(f"ok annotations {count} {mode} {exact} exact {digests} digests, {len(sources)} articles")
# And as RDF: pyld's own N-Quads of the expansion.
nquads = jsonld.to_rdf(document, {"documentLoader": loader, "format": "application/n-quads"})
assert nquads.count(f"<{RDF}type> <{OA}Annotation>") == count
print(f"ok rdf {len(nquads.splitlines())} quads")
