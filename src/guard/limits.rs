//! The documented limits that keep hostile input from aborting the process,
//! eating the machine's memory or running forever, and the cheap checks that
//! enforce them before a parser or the evaluator sees the input.
//!
//! Two defences work together against deep nesting. Every command, and
//! every query of the server, runs on a thread with a [`STACK_BYTES`]
//! stack (`budget::supervise`, `server::run`), so
//! the recursive parsers and the evaluator have room far beyond what a person
//! writes; and the input is measured first ([`check_nesting`],
//! [`check_xml`]), so nothing deeper than [`MAX_NESTING`] reaches them. The
//! stack alone would not do: JSON-LD and RDF/XML cost memory and time that
//! grow faster than their depth. The loader (`loader.rs`), the query preparer
//! (`sparql.rs`) and the shapes reader (`shapes.rs`) call these checks.

use crate::guard::error::{Failure, Kind};
use quick_xml::events::Event;

/// How deeply brackets, braces, parentheses, triple terms, JSON objects or
/// XML elements may nest in one input. Hand-written queries and data stay
/// below 30; generated ones rarely pass 100.
pub const MAX_NESTING: usize = 1_000;

/// The longest query text the server (GET or POST) and an MCP tool take,
/// in bytes.
pub const MAX_QUERY_BYTES: usize = 256 * 1024;

/// How deep a parsed query's algebra may be: chains such as
/// `{…} UNION {…} UNION …`, `?a + ?b + …` or `p1/p2/…` nest one level per
/// operator without any bracket.
pub const MAX_QUERY_DEPTH: usize = 10_000;

/// The stack of the worker thread that runs every command. Only the pages
/// touched are ever backed by memory, so a large reservation costs nothing
/// on the normal path; measured, it holds [`MAX_QUERY_DEPTH`] with room to
/// spare (tests/hostile.rs).
pub const STACK_BYTES: usize = 1 << 30;

/// The smaller stacks tried, in order, when a process may not reserve
/// [`STACK_BYTES`] (an address-space limit, `ulimit -v`, as batch
/// schedulers set): the depth limits shrink in proportion
/// ([`max_nesting`], [`max_query_depth`]).
pub const SMALLER_STACKS: [usize; 3] = [256 << 20, 64 << 20, 16 << 20];

/// The stack the threads that parse or evaluate get, once lowered (0: not
/// lowered, [`STACK_BYTES`]).
static STACK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Records a smaller stack some thread had to make do with: the depth
/// limits follow the smallest.
pub fn lower_stack(bytes: usize) {
    if bytes < stack_bytes() {
        STACK.store(bytes, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The stack every thread that parses or evaluates gets: [`STACK_BYTES`],
/// or the smaller one the process could reserve.
pub fn stack_bytes() -> usize {
    match STACK.load(std::sync::atomic::Ordering::SeqCst) {
        0 => STACK_BYTES,
        bytes => bytes,
    }
}

/// The stack for each of `threads` threads (the server's), so that all of
/// them fit in half of the address space the process may use (the rest is
/// for the heap and the program): [`stack_bytes`], or a smaller size of
/// [`SMALLER_STACKS`], to which the depth limits are then lowered.
pub fn stack_for(threads: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } == 0;
    if !known || limit.rlim_cur == libc::RLIM_INFINITY {
        return stack_bytes();
    }
    let room = usize::try_from(limit.rlim_cur / 2).unwrap_or(usize::MAX) / threads.max(1);
    let stack = std::iter::once(stack_bytes())
        .chain(SMALLER_STACKS)
        .find(|&stack| stack <= room && stack <= stack_bytes())
        .unwrap_or(SMALLER_STACKS[SMALLER_STACKS.len() - 1]);
    lower_stack(stack);
    stack
}

/// `limit` scaled to the stack the process got, but not below `floor`.
fn scaled(limit: usize, floor: usize) -> usize {
    (limit / (STACK_BYTES / stack_bytes()).max(1)).max(floor)
}

/// [`MAX_NESTING`], or less on a smaller stack: never below 100, which
/// the smallest stack holds (tests/hostile.rs), and more than people write.
pub fn max_nesting() -> usize {
    scaled(MAX_NESTING, 100)
}

/// [`MAX_QUERY_DEPTH`], or less on a smaller stack.
pub fn max_query_depth() -> usize {
    scaled(MAX_QUERY_DEPTH, 0)
}

/// How much expanded text the entities declared in an XML document type may
/// produce, all together: a "billion laughs" file declares ten entities that
/// each repeat the previous one ten times.
pub const MAX_XML_ENTITY_BYTES: usize = 64 * 1024;

/// How much text the references to those entities in the document may
/// expand to, all together: one entity of 60 KB referenced 8,000 times
/// would build a literal of 480 MB.
pub const MAX_XML_EXPANDED_BYTES: usize = 1024 * 1024;

/// The most passages shown under one fact (`describe --evidence`, the
/// entity pages); the others are counted ("… and 11 more passages"). The
/// articles state a fact a few times at most, but a generated evidence
/// graph can give one fact thousands, each shown with its text.
pub const MAX_PASSAGES_PER_FACT: usize = 20;

/// The most passages the reader page marks in one article: an article of
/// the series has about 60; a generated evidence graph with many more
/// would nest marks thousands deep, each level a recursion of the page's
/// rendering.
pub const MAX_READER_PASSAGES: usize = 2000;

/// Reads a `--timeout` in seconds: a positive, finite number.
pub fn timeout(seconds: f64) -> Result<std::time::Duration, Failure> {
    duration("--timeout", seconds)
}

/// Reads the duration option `flag` in seconds: a positive, finite
/// number; errors name the flag.
pub fn duration(flag: &str, seconds: f64) -> Result<std::time::Duration, Failure> {
    if seconds > MAX_TIMEOUT_SECONDS {
        return Err(too_large(flag, seconds));
    }
    std::time::Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Failure::usage(format!(
                "invalid {flag} {seconds}: give a positive number of seconds, such as 5 or 0.5"
            ))
        })
}

/// The error for a `--timeout` too large to count down.
pub fn timeout_too_large(seconds: f64) -> Failure {
    too_large("--timeout", seconds)
}

fn too_large(flag: &str, seconds: f64) -> Failure {
    Failure::usage(format!(
        "invalid {flag} {seconds}: too large; give at most {MAX_TIMEOUT_SECONDS} seconds"
    ))
}

/// The longest `--timeout`: about 31 years, far inside what a clock can add.
pub const MAX_TIMEOUT_SECONDS: f64 = 1e9;

/// The bracket syntaxes [`check_nesting`] knows how to skip strings,
/// comments and IRIs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// SPARQL, Turtle, TriG, N-Triples, N-Quads and N3: `{ ( [ <<`.
    Sparql,
    /// JSON and JSON-LD: `{ [`.
    Json,
}

/// What a depth limit's message adds when the stack was smaller.
pub fn lowered() -> String {
    if stack_bytes() < STACK_BYTES {
        format!(
            ", lowered since this process could reserve only a {} MiB stack: its address space is limited (ulimit -v)",
            stack_bytes() >> 20
        )
    } else {
        String::new()
    }
}

/// Fails when brackets nest deeper than [`max_nesting`] in `text`, naming
/// the line where the limit was passed.
pub fn check_nesting(text: &[u8], syntax: Syntax) -> Result<(), Failure> {
    match nesting_overflow(text, syntax, max_nesting()) {
        None => Ok(()),
        Some(line) => Err(too_deep(line)),
    }
}

fn too_deep(line: usize) -> Failure {
    Failure::new(
        Kind::TooLarge,
        format!(
            "nested more than {} levels deep at line {line} (the nesting limit{})",
            max_nesting(),
            lowered()
        ),
    )
}

/// The line at which nesting passes `limit`, if it does. Strings, comments
/// and IRIs are skipped, so brackets inside them do not count; a `<` that
/// does not open an IRI is SPARQL's less-than.
fn nesting_overflow(text: &[u8], syntax: Syntax, limit: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        let next = text.get(i + 1).copied();
        match byte {
            b'\n' => line += 1,
            b'#' if syntax == Syntax::Sparql => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\\' => i += 1,
            b'"' | b'\'' if syntax == Syntax::Sparql || byte == b'"' => {
                i = skip_string(text, i, &mut line);
                continue;
            }
            b'<' if syntax == Syntax::Sparql && next == Some(b'<') => {
                depth += 1;
                // `<<(` opens one triple term, not two levels.
                i += if text.get(i + 2) == Some(&b'(') { 2 } else { 1 };
            }
            b'<' if syntax == Syntax::Sparql => {
                if let Some(end) = iri_end(text, i + 1) {
                    i = end;
                }
            }
            b'>' if syntax == Syntax::Sparql && next == Some(b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'{' | b'[' => depth += 1,
            b'(' if syntax == Syntax::Sparql => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b')' if syntax == Syntax::Sparql => {
                depth = depth.saturating_sub(1);
                if text.get(i + 1..i + 3) == Some(&b">>"[..]) {
                    i += 2;
                }
            }
            _ => {}
        }
        if depth > limit {
            return Some(line);
        }
        i += 1;
    }
    None
}

/// The index after the string that starts at `start` (single or triple
/// quoted, with backslash escapes), counting its line breaks.
fn skip_string(text: &[u8], start: usize, line: &mut usize) -> usize {
    let quote = text[start];
    let triple = text.get(start..start + 3) == Some(&[quote, quote, quote][..]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < text.len() {
        match text[i] {
            b'\\' => i += 1,
            b'\n' => *line += 1,
            b if b == quote => {
                if !triple {
                    return i + 1;
                }
                if text.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                    return i + 3;
                }
            }
            _ => {}
        }
        i += 1;
    }
    text.len()
}

/// Where an IRI that starts after `<` at `start` ends (the index of its
/// `>`), if the text there is one: IRIs hold no spaces, quotes or brackets.
fn iri_end(text: &[u8], start: usize) -> Option<usize> {
    text[start..]
        .iter()
        .position(|&b| ENDS_IRI[usize::from(b)])
        .map(|offset| start + offset)
        .filter(|&end| text[end] == b'>')
}

/// The bytes that end an IRI in angle brackets (the closing `>`, or one an
/// IRI cannot hold), as a table: a file of N-Quads is mostly IRIs, and
/// looking each byte up in a list of ten took a quarter of loading one.
static ENDS_IRI: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b <= b' ' as usize {
        table[b] = true;
        b += 1;
    }
    let others = b"<\"{}|^`\\>";
    let mut i = 0;
    while i < others.len() {
        table[others[i] as usize] = true;
        i += 1;
    }
    table
};

/// The first `SERVICE <iri>` or `SERVICE ?var` (also `SERVICE SILENT`) in
/// SPARQL text, outside strings and comments, for text this program does
/// not parse itself (SHACL-SPARQL constraints).
pub fn find_service(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut line = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i = skip_string(bytes, i, &mut line);
                continue;
            }
            b'<' => {
                if let Some(end) = iri_end(bytes, i + 1) {
                    i = end + 1;
                    continue;
                }
            }
            b's' | b'S'
                if bytes[i..].len() >= 7 && bytes[i..i + 7].eq_ignore_ascii_case(b"service") =>
            {
                let before = i.checked_sub(1).map(|j| bytes[j]);
                let after = bytes.get(i + 7).copied();
                let word = |b: Option<u8>| {
                    b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
                };
                if !word(before) && !word(after) {
                    let rest = text[i + 7..].trim_start();
                    let rest = rest
                        .strip_prefix("SILENT")
                        .or_else(|| rest.strip_prefix("silent"))
                        .map_or(rest, str::trim_start);
                    let name: String = rest
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '{')
                        .collect();
                    return Some(name);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Checks an RDF/XML document before it is parsed: elements nest at most
/// [`MAX_NESTING`] deep, and the entities its document type declares expand
/// to at most [`MAX_XML_ENTITY_BYTES`] all together. What is not well-formed
/// is left for the RDF/XML parser to report.
pub fn check_xml(bytes: &[u8]) -> Result<(), Failure> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = false;
    let mut buffer = Vec::new();
    let mut depth = 0usize;
    let mut entities: Vec<(String, usize)> = Vec::new();
    // The text the references in the document expand to, all together.
    let mut expanded = 0usize;
    loop {
        buffer.clear();
        let event = reader.read_event_into(&mut buffer);
        match &event {
            Ok(Event::Start(element)) | Ok(Event::Empty(element)) => {
                expanded = expanded.saturating_add(references(element.attributes_raw(), &entities));
                if matches!(event, Ok(Event::Start(_))) {
                    depth += 1;
                }
                if depth > max_nesting() {
                    let line = 1 + bytes[..position(&reader, bytes)]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    return Err(too_deep(line));
                }
            }
            Ok(Event::Text(text)) => {
                expanded = expanded.saturating_add(references(text, &entities));
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::DocType(text)) => entities = entity_sizes(text)?,
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
        if expanded > MAX_XML_EXPANDED_BYTES {
            return Err(Failure::new(Kind::TooLarge, format!(
                "the references to XML entities expand to more than {} MiB (the entity expansion limit)",
                MAX_XML_EXPANDED_BYTES >> 20
            )));
        }
    }
}

/// How much text the `&name;` references to declared entities in `raw`
/// expand to.
fn references(raw: &[u8], entities: &[(String, usize)]) -> usize {
    if entities.is_empty() {
        return 0;
    }
    let text = String::from_utf8_lossy(raw);
    text.split('&')
        .skip(1)
        .filter_map(|reference| reference.split_once(';'))
        .filter_map(|(name, _)| entities.iter().find(|(n, _)| n == name))
        .fold(0usize, |total, (_, size)| total.saturating_add(*size))
}

fn position(reader: &quick_xml::Reader<&[u8]>, bytes: &[u8]) -> usize {
    usize::try_from(reader.buffer_position())
        .unwrap_or(usize::MAX)
        .min(bytes.len())
}

/// Sizes the `<!ENTITY name "value">` declarations of a document type as
/// the parser would expand them (each reference to an earlier entity is
/// replaced by its text) and refuses more than [`MAX_XML_ENTITY_BYTES`].
fn entity_sizes(doctype: &[u8]) -> Result<Vec<(String, usize)>, Failure> {
    let text = String::from_utf8_lossy(doctype);
    let mut sizes: Vec<(String, usize)> = Vec::new();
    let mut total = 0usize;
    for declaration in text.split("<!ENTITY").skip(1) {
        let mut parts = declaration.trim_start().splitn(2, char::is_whitespace);
        let name = parts.next().unwrap_or_default().to_owned();
        let rest = parts.next().unwrap_or_default().trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let value = rest[1..].split(quote).next().unwrap_or_default();
        let mut size = value.len();
        for reference in value.split('&').skip(1) {
            let Some((referenced, _)) = reference.split_once(';') else {
                continue;
            };
            if let Some((_, expanded)) = sizes.iter().find(|(n, _)| n == referenced) {
                size = size.saturating_add(*expanded);
            }
        }
        total = total.saturating_add(size);
        if total > MAX_XML_ENTITY_BYTES {
            return Err(Failure::new(
                Kind::TooLarge,
                format!(
                    "the XML entities declared in the document type expand to more than {} KiB \
                 (entity '{}'; the entity expansion limit)",
                    MAX_XML_ENTITY_BYTES / 1024,
                    crate::guard::error::one_line(&name, 60)
                ),
            ));
        }
        sizes.push((name, size));
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overflow(text: &str, syntax: Syntax, limit: usize) -> Option<usize> {
        nesting_overflow(text.as_bytes(), syntax, limit)
    }

    #[test]
    fn counts_brackets_outside_strings_comments_and_iris() {
        assert_eq!(overflow("{ { { } } }", Syntax::Sparql, 2), Some(1));
        assert_eq!(overflow("{ { } { } }", Syntax::Sparql, 2), None);
        assert_eq!(overflow("{ \"{{{{\" '(((' }", Syntax::Sparql, 1), None);
        assert_eq!(overflow("{ \"\"\"{\n{{\"\"\" }", Syntax::Sparql, 1), None);
        assert_eq!(overflow("{ # ((((\n }", Syntax::Sparql, 1), None);
        assert_eq!(overflow("{ <http://e.org/((> }", Syntax::Sparql, 1), None);
        assert_eq!(overflow("FILTER(?a < (?b))", Syntax::Sparql, 1), Some(1));
        assert_eq!(
            overflow("<< << <a> <b> <c> >> <p> <o> >>", Syntax::Sparql, 1),
            Some(1)
        );
        assert_eq!(
            overflow("<a> <p> <<( <a> <p> <o> )>> .", Syntax::Sparql, 1),
            None
        );
        assert_eq!(overflow("{\n\"a\": [[\"]]]\"]]}", Syntax::Json, 2), Some(2));
        assert_eq!(overflow("{\"a#\": [1]}", Syntax::Json, 2), None);
    }

    #[test]
    fn finds_service_outside_strings() {
        assert_eq!(
            find_service("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }").as_deref(),
            Some("<http://x/>")
        );
        assert_eq!(
            find_service("ASK { service silent ?e {} }").as_deref(),
            Some("?e")
        );
        assert_eq!(
            find_service("ASK { ?s ex:service \"service <x>\" } # service <y>"),
            None
        );
    }

    #[test]
    fn refuses_a_billion_laughs() {
        let mut doctype = String::from("<!DOCTYPE r [<!ENTITY a \"lol\">");
        for (i, name) in ["b", "c", "d", "e", "f"].iter().enumerate() {
            let previous = ["a", "b", "c", "d", "e"][i];
            let value = format!("&{previous};").repeat(10);
            doctype.push_str(&format!("<!ENTITY {name} \"{value}\">"));
        }
        doctype.push_str("]>");
        let xml = format!("{doctype}<r>&f;</r>");
        let error = check_xml(xml.as_bytes()).unwrap_err();
        assert!(
            error.message.contains("the entity expansion limit"),
            "{}",
            error.message
        );
        assert!(check_xml(b"<!DOCTYPE r [<!ENTITY a \"x\">]><r>&a;</r>").is_ok());
        let many = format!(
            "<!DOCTYPE r [<!ENTITY a \"{}\">]><r b=\"&a;\">{}</r>",
            "A".repeat(60_000),
            "&a;".repeat(20)
        );
        let error = check_xml(many.as_bytes()).unwrap_err();
        assert!(
            error
                .message
                .contains("references to XML entities expand to more than 1 MiB"),
            "{}",
            error.message
        );
    }

    #[test]
    fn refuses_deep_xml() {
        let xml = format!("<r>\n{}{}</r>", "<a>".repeat(1_001), "</a>".repeat(1_001));
        assert_eq!(
            check_xml(xml.as_bytes()).unwrap_err().message,
            "nested more than 1000 levels deep at line 2 (the nesting limit)"
        );
    }
}
