//! Base IRIs: the `file://` URL that is a file's default base, and the
//! hint shown when a relative IRI in a query meets no base.
//!
//! RDF files and queries may write IRIs relative to their own location
//! (`<>`, `<fred@edu>`, `rdf:resource=""`); other RDF tools resolve them
//! against the file's URL, so we do too unless `--base` says otherwise. A
//! query given as text, on stdin or by name has no URL, and so no base.

use anyhow::{Context, Result};
use std::path::{Component, Path, PathBuf};

/// What to add to a parser's message when the cause is a relative IRI.
pub const NO_BASE_HINT: &str = "relative IRI without a base: give --base IRI to resolve it";

/// The `file://` URL of `path`, made absolute, with every byte that may not
/// stand in an IRI path percent-encoded (spaces, `#`, `?`, `%`, controls).
pub fn file_url(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("cannot find the absolute path of {}", path.display()))?;
    // `a/../b.ttl` and `b.ttl` are one file, so they get one URL (lexically:
    // symbolic links are left as written).
    let mut clean = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    let text = clean.to_string_lossy().replace('\\', "/");
    let mut url = String::from("file://");
    // A Windows path (C:/x) needs the slash a Unix path starts with.
    if !text.starts_with('/') {
        url.push('/');
    }
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_absolute_and_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/data/a b#1%.ttl")).unwrap(),
            "file:///data/a%20b%231%25.ttl"
        );
        assert_eq!(
            file_url(Path::new("/data/résumé.ttl")).unwrap(),
            "file:///data/r%C3%A9sum%C3%A9.ttl"
        );
        assert_eq!(
            file_url(Path::new("/data/q/../a/./b.ttl")).unwrap(),
            "file:///data/a/b.ttl"
        );
        let relative = file_url(Path::new("x.rq")).unwrap();
        assert!(relative.starts_with("file:///") && relative.ends_with("/x.rq"));
    }
}
