//! Namespaces and the few vocabulary terms the engine itself relies on.
//!
//! This is the one place IRIs are spelled out: queries get [`PREFIXES`]
//! predeclared, display code uses them to compact IRIs, and `store` names the
//! non-article graphs with [`graph`].

use oxigraph::model::NamedNode;

/// Root of every IRI minted by the project, as a macro so the namespaces
/// below can be built from it with `concat!`.
macro_rules! base {
    () => {
        "https://w3id.org/missions-kg/"
    };
}

/// The project's namespace, the root of every IRI it mints: the server
/// maps it to its own URLs (`server/site.rs`).
pub const BASE: &str = base!();
/// Ontology terms (`mk:`).
pub const MK: &str = concat!(base!(), "ontology#");
/// Entities (`mkd:`), named by slug.
pub const MKD: &str = concat!(base!(), "id/");
/// Articles (`mks:`); each is also the name of the graph holding its facts.
pub const MKS: &str = concat!(base!(), "source/");
/// Graphs that are not articles (`mkg:`): ontology, sources, links.
pub const MKG: &str = concat!(base!(), "graph/");
/// Where each article states each of its facts (`mke:`), in graph `mkg:evidence`.
pub const MKE: &str = concat!(base!(), "evidence/");
/// The evidence records of external links (`mkl:`), in graph `mkg:links`.
pub const MKL: &str = concat!(base!(), "link/");
/// The SHACL shapes of `ontology/shapes.ttl` (`mksh:`).
pub const MKSH: &str = concat!(base!(), "shapes#");
/// Stored queries (`mkq:`), named in validation reports.
pub const MKQ: &str = concat!(base!(), "query/");
/// Wikidata items (`wd:`).
pub const WD: &str = "http://www.wikidata.org/entity/";

pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
pub const OWL: &str = "http://www.w3.org/2002/07/owl#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const SH: &str = "http://www.w3.org/ns/shacl#";

/// Prefixes declared for every query and used to display IRIs compactly.
/// Sorted by name, which is also the order of `@prefix` lines in exports.
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcterms", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("mk", MK),
    ("mkd", MKD),
    ("mke", MKE),
    ("mkg", MKG),
    ("mkl", MKL),
    ("mkq", MKQ),
    ("mks", MKS),
    ("mksh", MKSH),
    ("owl", OWL),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdf", RDF),
    ("rdfs", RDFS),
    ("schema", "http://schema.org/"),
    ("sh", SH),
    ("skos", SKOS),
    ("wd", WD),
    ("wdt", "http://www.wikidata.org/prop/direct/"),
    ("xsd", XSD),
];

/// `rdf:type`.
pub const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/// `skos:prefLabel`, the preferred label.
pub const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
/// `rdfs:label`, the fallback label.
pub const RDFS_LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";
/// `skos:definition`: a term's definition in the ontology files.
pub const SKOS_DEFINITION: &str = "http://www.w3.org/2004/02/skos/core#definition";
/// `rdfs:comment`: a term's definition, on the ontology page.
pub const RDFS_COMMENT: &str = "http://www.w3.org/2000/01/rdf-schema#comment";
/// `rdfs:subPropertyOf`: followed to the schema.org property a fact maps to.
pub const RDFS_SUB_PROPERTY_OF: &str = "http://www.w3.org/2000/01/rdf-schema#subPropertyOf";
/// `skos:altLabel`: another name an entity is found by.
pub const SKOS_ALT_LABEL: &str = "http://www.w3.org/2004/02/skos/core#altLabel";
/// `dcterms:description`: what an entity is, in a sentence of our own.
pub const DCTERMS_DESCRIPTION: &str = "http://purl.org/dc/terms/description";
/// `rdf:nil`: the end of an RDF list.
pub const RDF_NIL: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil";
/// `prov:wasDerivedFrom`: what a support graph of `--why` is made of.
pub const PROV_WAS_DERIVED_FROM: &str = "http://www.w3.org/ns/prov#wasDerivedFrom";
/// `owl:sameAs`: an entity's Wikidata item, in graph `mkg:links`.
pub const OWL_SAME_AS: &str = "http://www.w3.org/2002/07/owl#sameAs";
/// `schema:about`: a Wikipedia article about an entity, as Wikidata says it.
pub const SCHEMA_ABOUT: &str = "http://schema.org/about";
/// `mk:imdbId` and the terms of `mk:LinkEvidence`.
pub const MK_IMDB_ID: &str = concat!(base!(), "ontology#imdbId");
pub const MK_LINKED_ENTITY: &str = concat!(base!(), "ontology#linkedEntity");
pub const MK_LINK_TARGET: &str = concat!(base!(), "ontology#linkTarget");
pub const MK_SEEN_IN: &str = concat!(base!(), "ontology#seenIn");
pub const MK_SEEN_ON: &str = concat!(base!(), "ontology#seenOn");
/// `rdfs:subClassOf`.
pub const RDFS_SUB_CLASS_OF: &str = "http://www.w3.org/2000/01/rdf-schema#subClassOf";
/// `mk:QualifiedFact`: the class of n-ary nodes (roles, broadcasts, awards…)
/// that `describe` unfolds beneath the fact pointing at them.
pub const MK_QUALIFIED_FACT: &str = concat!(base!(), "ontology#QualifiedFact");

/// The terms of graph `mkg:evidence` (`evidence.rs`): the article files,
/// the fact each evidence node names, its passages and their ranges.
pub const MK_FILE_NAME: &str = concat!(base!(), "ontology#fileName");
pub const MK_SHA256: &str = concat!(base!(), "ontology#sha256");
pub const MK_PASSAGE: &str = concat!(base!(), "ontology#passage");
pub const MK_START: &str = concat!(base!(), "ontology#start");
pub const MK_END: &str = concat!(base!(), "ontology#end");
pub const MK_EXACT_DIGEST: &str = concat!(base!(), "ontology#exactDigest");
pub const MK_PREFIX: &str = concat!(base!(), "ontology#prefix");
pub const MK_SUFFIX: &str = concat!(base!(), "ontology#suffix");
pub const DCTERMS_IS_PART_OF: &str = "http://purl.org/dc/terms/isPartOf";
pub const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";
pub const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";
pub const XSD_NON_NEGATIVE_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger";
pub const RDF_SUBJECT: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject";
pub const RDF_PREDICATE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate";
pub const RDF_OBJECT: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#object";

/// The named graph `mkg:<name>`.
pub fn graph(name: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{MKG}{name}"))
}

/// Expands `prefix:local` with the predeclared prefixes, if the prefix is one.
pub fn expand(prefixed: &str) -> Option<String> {
    let (prefix, local) = prefixed.split_once(':')?;
    PREFIXES
        .iter()
        .find(|(name, _)| *name == prefix)
        .map(|(_, iri)| format!("{iri}{local}"))
}

/// The IRI a user wrote as `<IRI>`, as an absolute `scheme://…` IRI, or as
/// a name with a predeclared prefix; `None` for anything else (a label, a
/// slug, a plain value). `describe`, `--param` and `export --graph` read
/// IRIs through this one function.
pub fn iri_from_text(text: &str) -> Option<String> {
    if let Some(inner) = text.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
        return Some(inner.to_owned());
    }
    if text.contains("://") {
        return Some(text.to_owned());
    }
    expand(text)
}

/// Shortens an IRI to `prefix:local` when a predeclared prefix matches and
/// the local part is safe to print bare (the Turtle writer relies on this).
pub fn compact(iri: &str) -> Option<String> {
    compact_in(iri, PREFIXES)
}

/// [`compact`] with another list of prefixes (the schema.org view's
/// JSON-LD context declares only two).
pub fn compact_in(iri: &str, prefixes: &[(&str, &str)]) -> Option<String> {
    // Longest namespace first: `mk:` must not swallow what `mkd:` names.
    prefixes
        .iter()
        .filter_map(|(name, ns)| iri.strip_prefix(ns).map(|local| (name, ns.len(), local)))
        .max_by_key(|(_, len, _)| *len)
        .filter(|(_, _, local)| is_safe_local_name(local))
        .map(|(name, _, local)| format!("{name}:{local}"))
}

/// A conservative subset of Turtle's PN_LOCAL: ASCII letters, digits, `_`,
/// `-` and inner `.`. Anything else is written as a full `<IRI>`.
fn is_safe_local_name(local: &str) -> bool {
    let bytes = local.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return true; // `mkd:` alone is a valid prefixed name
    };
    (first.is_ascii_alphanumeric() || *first == b'_')
        && *last != b'.'
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_with_the_longest_namespace() {
        assert_eq!(
            compact("https://w3id.org/missions-kg/id/julien-lacombe").as_deref(),
            Some("mkd:julien-lacombe")
        );
        assert_eq!(compact(RDF_TYPE).as_deref(), Some("rdf:type"));
        assert_eq!(compact("http://example.com/x"), None);
        assert_eq!(compact("http://schema.org/a/b"), None);
    }

    #[test]
    fn reads_iris_as_users_write_them() {
        assert_eq!(iri_from_text("mkd:x").as_deref(), Some(&*format!("{MKD}x")));
        assert_eq!(iri_from_text("<urn:x>").as_deref(), Some("urn:x"));
        assert_eq!(
            iri_from_text("http://e.org/a").as_deref(),
            Some("http://e.org/a")
        );
        assert_eq!(iri_from_text("Julien Lacombe"), None);
    }

    #[test]
    fn expands_known_prefixes_only() {
        assert_eq!(expand("mkd:x").as_deref(), Some(&*format!("{MKD}x")));
        assert_eq!(expand("nope:x"), None);
    }

    #[test]
    fn prefixes_are_sorted() {
        assert!(PREFIXES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(MK, "https://w3id.org/missions-kg/ontology#");
    }
}
