//! Terms as HDT writes them (N-Triples-like strings) and back: the
//! conversions the store's reads and writes share.

use anyhow::Result;
use oxigraph::model::{
    BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, TermRef,
};

/// A quad of `graph` from a triple in HDT text.
pub(super) fn quad_from_hdt([s, p, o]: [String; 3], graph: &GraphName) -> Result<Quad> {
    Ok(Quad::new(
        subject_from_hdt(&s)?,
        predicate_from_hdt(&p)?,
        term_from_hdt(&o)?,
        graph.clone(),
    ))
}

/// A term in HDT's dictionary form: an IRI without brackets, `_:label`,
/// or a literal as in N-Triples (the form the `hdt` crate's own SPARQL
/// binding uses). `None` for a triple term, which HDT cannot hold.
pub(super) fn hdt_string(term: TermRef<'_>) -> Option<String> {
    match term {
        TermRef::NamedNode(node) => Some(node.as_str().to_owned()),
        TermRef::BlankNode(node) => Some(node.to_string()),
        TermRef::Literal(literal) => Some(literal.to_string()),
        TermRef::Triple(_) => None,
    }
}

pub(super) fn term_from_hdt(text: &str) -> Result<Term> {
    Ok(if text.starts_with('"') {
        literal_from_hdt(text)
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT literal {}: {e}",
                    crate::guard::error::one_line(text, 80)
                )
            })?
            .into()
    } else if let Some(label) = text.strip_prefix("_:") {
        BlankNode::new(label)
            .map_err(|e| {
                anyhow::anyhow!(
                    "damaged HDT blank node {}: {e}",
                    crate::guard::error::one_line(text, 80)
                )
            })?
            .into()
    } else {
        predicate_from_hdt(text)?.into()
    })
}

/// A literal written by `hdt_string` (oxrdf's N-Triples form). Answers
/// decode every term they return, so the common forms are read here
/// without validating the IRIs again (they were checked when loaded);
/// anything unusual goes through oxrdf's full parser.
pub(super) fn literal_from_hdt(text: &str) -> Result<Literal, String> {
    let full = || text.parse::<Literal>().map_err(|e| e.to_string());
    let Some(close) = text.rfind('"').filter(|&i| i > 0) else {
        return full();
    };
    let (quoted, suffix) = (&text[1..close], &text[close + 1..]);
    let value = if quoted.contains('\\') {
        match unescape(quoted) {
            Some(value) => value,
            None => return full(),
        }
    } else {
        quoted.to_owned()
    };
    if suffix.is_empty() {
        Ok(Literal::new_simple_literal(value))
    } else if let Some(datatype) = suffix.strip_prefix("^^<").and_then(|d| d.strip_suffix('>')) {
        Ok(Literal::new_typed_literal(
            value,
            NamedNode::new_unchecked(datatype),
        ))
    } else if let Some(language) = suffix.strip_prefix('@').filter(|l| !l.contains("--")) {
        Ok(Literal::new_language_tagged_literal_unchecked(
            value, language,
        ))
    } else {
        full()
    }
}

/// N-Triples string escapes; `None` for one it does not know.
pub(super) fn unescape(quoted: &str) -> Option<String> {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            't' => '\t',
            'b' => '\u{8}',
            'n' => '\n',
            'r' => '\r',
            'f' => '\u{c}',
            '"' => '"',
            '\'' => '\'',
            '\\' => '\\',
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

pub(super) fn hex(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let mut value = 0u32;
    for _ in 0..digits {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    char::from_u32(value)
}

pub(super) fn subject_from_hdt(text: &str) -> Result<NamedOrBlankNode> {
    match term_from_hdt(text)? {
        Term::NamedNode(node) => Ok(node.into()),
        Term::BlankNode(node) => Ok(node.into()),
        _ => Err(anyhow::anyhow!("damaged HDT file: a literal as subject")),
    }
}

pub(super) fn predicate_from_hdt(text: &str) -> Result<NamedNode> {
    // IRIs were checked when loaded; only a file changed since would hold
    // a bad one, and a cheap look catches what breaks output syntax.
    if text.is_empty() || text.contains(['<', '>', '"', ' ', '\n']) {
        return Err(anyhow::anyhow!(
            "damaged HDT IRI {}",
            crate::guard::error::one_line(text, 80)
        ));
    }
    Ok(NamedNode::new_unchecked(text))
}
