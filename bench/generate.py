#!/usr/bin/env python3
"""Generates an N-Quads dataset shaped like the real graph, for the benchmarks.

Usage: bench/generate.py TRIPLES [OUT.nq]   (stdout without OUT; deterministic)

The shape follows data/article-*.trig: series with titles, genres, countries
and casts; people with names, birth years and roles; characters played by
actors; broadcasts with dates. Each fact goes to one to three of many
of eight "article" named graphs, as the four real articles overlap, so the merged view
holds fewer distinct triples than the quads written. TRIPLES counts quads.
"""

import random
import sys

MK = "https://w3id.org/missions-kg/ontology#"
ID = "https://w3id.org/missions-kg/id/"
SRC = "https://w3id.org/missions-kg/source/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"

GENRES = ["science-fiction", "drama", "thriller", "comedy", "documentary", "crime", "horror", "romance"]
COUNTRIES = ["france", "belgium", "switzerland", "canada", "italy", "germany", "spain", "united-kingdom"]
CHANNELS = ["ocs", "tf1", "arte", "canal-plus", "france-2", "m6", "netflix", "shudder"]
SYLLABLES = ["ma", "ri", "lo", "vi", "ne", "sa", "to", "ka", "le", "du", "bo", "an", "el", "is", "or"]


def name(rng, parts):
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def facts(rng):
    """Yields (subject, predicate, object) in N-Triples syntax, series by series."""
    n = 0
    while True:
        n += 1
        series = f"<{ID}series-{n}>"
        title = name(rng, 3)
        yield series, f"<{RDF_TYPE}>", f"<{MK}Series>"
        yield series, f"<{LABEL}>", f'"{title}"@fr'
        yield series, f"<{MK}title>", f'"{title}"@fr'
        yield series, f"<{MK}genre>", f"<{ID}genre-{rng.choice(GENRES)}>"
        yield series, f"<{MK}countryOfOrigin>", f"<{ID}{rng.choice(COUNTRIES)}>"
        yield series, f"<{MK}numberOfEpisodes>", f'"{rng.randint(4, 24)}"^^<{XSD}integer>'
        for b in range(rng.randint(1, 3)):
            broadcast = f"<{ID}broadcast-{n}-{b}>"
            yield series, f"<{MK}broadcast>", broadcast
            yield broadcast, f"<{RDF_TYPE}>", f"<{MK}Broadcast>"
            yield broadcast, f"<{MK}channel>", f"<{ID}{rng.choice(CHANNELS)}>"
            date = f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
            yield broadcast, f"<{MK}date>", f'"{date}"^^<{XSD}date>'
        for c in range(rng.randint(3, 8)):
            # People recur across series, as actors do.
            person = f"<{ID}person-{rng.randint(1, max(10, n * 2))}>"
            character = f"<{ID}character-{n}-{c}>"
            yield person, f"<{RDF_TYPE}>", f"<{MK}Person>"
            yield person, f"<{LABEL}>", f'"{name(rng, 2)} {name(rng, 3)}"@fr'
            yield person, f"<{MK}birthYear>", f'"{rng.randint(1940, 2000)}"^^<{XSD}gYear>'
            yield series, f"<{MK}castMember>", person
            yield series, f"<{MK}character>", character
            yield character, f"<{RDF_TYPE}>", f"<{MK}Character>"
            yield character, f"<{LABEL}>", f'"{name(rng, 2)}"@fr'
            yield character, f"<{MK}playedBy>", person


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    wanted = int(sys.argv[1])
    out = open(sys.argv[2], "w", encoding="utf-8") if len(sys.argv) == 3 else sys.stdout
    rng = random.Random(42)
    articles = 8
    written = 0
    lines = []
    for s, p, o in facts(rng):
        first = rng.randrange(articles)
        for k in range(rng.choice((1, 1, 1, 2, 3))):
            lines.append(f"{s} {p} {o} <{SRC}article-{(first + k) % articles:06}> .\n")
            written += 1
            if written >= wanted:
                break
        if len(lines) >= 10000 or written >= wanted:
            out.write("".join(lines))
            lines.clear()
        if written >= wanted:
            break
    out.close()


if __name__ == "__main__":
    main()
