//! The one place where the project's namespace meets the server's URLs.
//!
//! Every IRI the project mints starts with [`vocab::BASE`]
//! (`https://w3id.org/missions-kg/`); the server answers for the same path
//! under its own URL, so `mkd:julien-lacombe` is `/id/julien-lacombe` here.
//! Pages link every value through [`Site::href`], and a request path turns
//! back into the IRI it stands for with [`Site::iri`].

use crate::vocab;

/// The namespace paths dereferenced as resources (entities, articles,
/// graphs, link evidence, stored queries' IRIs).
pub const DEREFERENCED: &[&str] = &["id/", "source/", "graph/", "link/", "query/"];

/// The server's public URL, and the mapping to it.
pub struct Site {
    /// Ends with `/`.
    public: String,
}

impl Site {
    pub fn new(public: &str) -> Self {
        Self {
            public: public.to_owned(),
        }
    }

    /// A URL of this server for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.public, path.trim_start_matches('/'))
    }

    /// Where to follow `iri`: this server's page for an IRI of the
    /// namespace (an ontology term's fragment kept), the IRI itself for a
    /// web address (a Wikidata item, a web page), and nothing for any
    /// other scheme: data may hold `javascript:` or `data:` IRIs, which a
    /// page must never make clickable.
    pub fn href(&self, iri: &str) -> Option<String> {
        if let Some(rest) = iri.strip_prefix(vocab::BASE) {
            return Some(format!("/{rest}"));
        }
        let scheme = iri
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        matches!(scheme.as_deref(), Some("http" | "https")).then(|| iri.to_owned())
    }

    /// The IRI a request path stands for (`/id/x` → `mkd:x`).
    pub fn iri(&self, path: &str) -> String {
        format!("{}{}", vocab::BASE, path.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_namespace_both_ways() {
        let site = Site::new("http://127.0.0.1:7878/");
        let entity = format!("{}julien-lacombe", vocab::MKD);
        assert_eq!(site.href(&entity).unwrap(), "/id/julien-lacombe");
        assert_eq!(site.iri("/id/julien-lacombe"), entity);
        assert_eq!(
            site.href("http://www.wikidata.org/entity/Q1").unwrap(),
            "http://www.wikidata.org/entity/Q1"
        );
        assert_eq!(
            site.href(&format!("{}Person", vocab::MK)).unwrap(),
            "/ontology#Person"
        );
        assert_eq!(site.href("javascript:alert(1)"), None);
        assert_eq!(site.href("JavaScript:alert(1)"), None);
        assert_eq!(site.href("data:text/html;base64,PHNjcmlwdD4="), None);
        assert_eq!(site.href("urn:isbn:1"), None);
        assert_eq!(site.url("/sparql"), "http://127.0.0.1:7878/sparql");
    }
}
