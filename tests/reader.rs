//! The reader (`/source/ARTICLE/text`, issue 24 item 7) and the entity
//! pages' passages (item 5): with `--articles`, each passage of the
//! evidence graph is marked in its article's text exactly where its
//! offsets say, links go both ways between passages and facts, each
//! passage is shown once per page with the facts it supports, and long
//! pages open with a table of contents whose links all land; without
//! `--articles`, the reader is a 404 saying how to see the sentences, and
//! so do the pages. The texts are read from `../shared/seeds/`, beside
//! the repository, never from the repository itself.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ARTICLES: [&str; 4] = ["article-000", "article-001", "article-002", "article-003"];

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds")
}

/// The text of `article-00N`: the seed file whose name starts with `00N_`.
fn text_of(article: &str) -> Vec<char> {
    let number = article.trim_start_matches("article-");
    let file = std::fs::read_dir(seeds())
        .expect("the seeds folder")
        .map(|entry| entry.expect("an entry").path())
        .find(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{number}_")))
        })
        .unwrap_or_else(|| panic!("no seed for {article}"));
    std::fs::read_to_string(file)
        .expect("UTF-8")
        .chars()
        .collect()
}

/// Spaces collapsed, as a passage is compared.
fn collapsed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The ranges of the passages the evidence graph records in `article`.
fn recorded(app: &common::App, article: &str) -> BTreeSet<(usize, usize)> {
    let query = format!(
        "SELECT ?s ?e WHERE {{ GRAPH mkg:evidence {{ ?p dcterms:isPartOf mks:{article} ; mk:start ?s ; mk:end ?e }} }}"
    );
    let reply = app.get(
        &format!("/sparql?query={}", urlencoding(&query)),
        "text/tab-separated-values",
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply
        .text()
        .lines()
        .skip(1)
        .map(|line| {
            let mut cells = line
                .split('\t')
                .map(|c| c.parse::<usize>().expect("a number"));
            (cells.next().unwrap(), cells.next().unwrap())
        })
        .collect()
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text inside each passage's marks in a reader page, by passage
/// anchor (`passage-S-E`): a small walk over the page's tags that fails on
/// a mark closed out of order, skips the passages' numbers (`<sup>`), and
/// joins a passage's pieces in different paragraphs with a space.
fn marked(html: &str) -> BTreeMap<String, String> {
    let start = html.find("<div class=\"text\"").expect("the text");
    let end = start + html[start..].find("</div>").expect("its end");
    let mut rest = &html[start..end];
    let mut open: Vec<Option<String>> = Vec::new();
    let mut texts: BTreeMap<String, String> = BTreeMap::new();
    let mut paragraph_of: BTreeMap<String, usize> = BTreeMap::new();
    let (mut paragraph, mut in_sup) = (0, 0);
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let (tag, tail) = after.split_once('>').expect("a whole tag");
            rest = tail;
            let name = tag.split([' ', '/']).find(|n| !n.is_empty()).unwrap_or("");
            if tag.starts_with('/') {
                match name {
                    "mark" => {
                        assert!(
                            matches!(open.pop(), Some(Some(_))),
                            "a </mark> closes something else"
                        );
                    }
                    "sup" => in_sup -= 1,
                    "p" => paragraph += 1,
                    _ => {}
                }
                continue;
            }
            match name {
                "mark" => {
                    let anchor = tag
                        .split("data-passage=\"")
                        .nth(1)
                        .and_then(|r| r.split('"').next())
                        .expect("a mark names its passage")
                        .to_owned();
                    let text = texts.entry(anchor.clone()).or_default();
                    if paragraph_of
                        .insert(anchor.clone(), paragraph)
                        .is_some_and(|p| p != paragraph)
                    {
                        text.push(' ');
                    }
                    open.push(Some(anchor));
                }
                "sup" => in_sup += 1,
                _ => {}
            }
            continue;
        }
        let cut = rest.find('<').unwrap_or(rest.len());
        let words = rest[..cut]
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"");
        rest = &rest[cut..];
        if in_sup > 0 {
            continue;
        }
        for anchor in open.iter().flatten() {
            texts.get_mut(anchor).expect("opened").push_str(&words);
        }
    }
    assert!(open.is_empty(), "marks left open: {open:?}");
    texts
}

/// The `id`s of a page, and the fragments its links to itself name.
fn ids(html: &str) -> BTreeSet<String> {
    html.split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

fn assert_own_links_land(html: &str, what: &str) {
    let ids = ids(html);
    for href in common::hrefs(html) {
        if let Some(fragment) = href.strip_prefix('#') {
            assert!(ids.contains(fragment), "{what}: #{fragment} leads nowhere");
        }
    }
}

/// Every passage of each article is marked exactly over its offsets (code
/// points, accents included), once with its anchor, its number linking to
/// its facts, and every link of the page lands.
#[test]
fn the_reader_marks_each_passage_where_its_offsets_say() {
    let seeds = seeds().display().to_string();
    let app = common::App::start(&["--articles", &seeds], &[]);
    for article in ARTICLES {
        let reply = app.get(&format!("/source/{article}/text"), "text/html");
        assert_eq!(reply.status, 200, "{article}: {}", reply.text());
        let html = reply.text();
        let text = text_of(article);
        let ranges = recorded(&app, article);
        assert!(ranges.len() > 30, "{article}: {ranges:?}");
        let marks = marked(&html);
        let anchors: BTreeSet<String> = ranges
            .iter()
            .map(|(s, e)| format!("passage-{s}-{e}"))
            .collect();
        assert_eq!(
            marks.keys().cloned().collect::<BTreeSet<_>>(),
            anchors,
            "{article}: every passage marked, and only those"
        );
        for &(start, end) in &ranges {
            let anchor = format!("passage-{start}-{end}");
            let expected: String = text[start..end].iter().collect();
            assert_eq!(
                collapsed(&marks[&anchor]),
                collapsed(&expected),
                "{article} {anchor}"
            );
            // Its anchor once, and its facts' list with a link back.
            assert_eq!(
                html.matches(&format!(" id=\"{anchor}\"")).count(),
                1,
                "{article} {anchor}"
            );
            let facts = format!("facts-{start}-{end}");
            assert!(
                html.contains(&format!("href=\"#{facts}\"")),
                "{article} {facts}"
            );
            let item = html
                .split(&format!("<li id=\"{facts}\">"))
                .nth(1)
                .unwrap_or_else(|| panic!("{article}: no {facts}"));
            assert!(
                item.starts_with(&format!("<a class=\"back\" href=\"#{anchor}\"")),
                "{article} {facts}: {item:.200}"
            );
        }
        assert_own_links_land(&html, article);
        // The table of contents, at the top.
        assert!(
            html.contains("<nav class=\"toc\"") && html.contains("<a href=\"#text\">"),
            "{article}"
        );
    }
    // What states a fact: Arben Bajraktaraj's nationality, with its
    // passage's link back and the fact's subject linked.
    let html = app.get("/source/article-002/text", "text/html").text();
    let item = html
        .split("<li id=\"facts-1524-1579\">")
        .nth(1)
        .expect("the passage's facts");
    let item = &item[..item.find("</li></ul></li>").expect("its end")];
    assert!(
        item.contains("href=\"/id/arben-bajraktaraj\"") && item.contains("href=\"/id/lebanon\""),
        "{item}"
    );
}

/// On an entity page, each fact cites its passages by number; each passage
/// is shown once, with every fact of the page it supports, and links to
/// its place in the reader, which exists there.
#[test]
fn entity_pages_show_each_passage_once_and_link_it_to_the_reader() {
    let seeds = seeds().display().to_string();
    let app = common::App::start(&["--articles", &seeds], &[]);
    let mut readers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in [
        "/id/arben-bajraktaraj",
        "/id/missions",
        "/id/julien-lacombe",
    ] {
        let html = app.get(path, "text/html").text();
        assert_own_links_land(&html, path);
        let section = html
            .split("<ol class=\"evidence\">")
            .nth(1)
            .unwrap_or_else(|| panic!("{path}: no passages"));
        let targets: Vec<String> = common::hrefs(section)
            .into_iter()
            .filter(|href| href.contains("/text#passage-"))
            .collect();
        let items = section.matches("<li id=\"evidence-").count();
        assert_eq!(targets.len(), items, "{path}: one reader link per passage");
        let unique: BTreeSet<&String> = targets.iter().collect();
        assert_eq!(unique.len(), targets.len(), "{path}: a passage shown twice");
        // Every passage cited by a fact, and every citation lands.
        for number in 1..=items {
            assert!(
                html.contains(&format!("href=\"#evidence-{number}\"")),
                "{path} {number}"
            );
        }
        for target in targets {
            let (page, anchor) = target.split_once('#').expect("an anchor");
            readers
                .entry(page.to_owned())
                .or_default()
                .insert(anchor.to_owned());
        }
    }
    for (page, anchors) in readers {
        let html = app.get(&page, "text/html").text();
        let ids = ids(&html);
        for anchor in anchors {
            assert!(ids.contains(&anchor), "{page}#{anchor} leads nowhere");
        }
    }
    // "Arben Bajraktaraj (Vladimir Komarov)" supports three facts of his
    // page (cast member, the role's person and its character): shown once.
    let html = app.get("/id/arben-bajraktaraj", "text/html").text();
    let quote = "<q lang=\"fr\">Arben Bajraktaraj (Vladimir Komarov)</q>";
    assert_eq!(html.matches(quote).count(), 1, "{html}");
    let item = html
        .split("<li id=\"evidence-")
        .find(|item| item.contains(quote))
        .expect("its item");
    let number: String = item.chars().take_while(char::is_ascii_digit).collect();
    let supports = item.split("</ul>").next().unwrap_or("");
    assert!(supports.matches("<li>").count() >= 3, "{item}");
    assert!(
        html.matches(&format!("href=\"#evidence-{number}\""))
            .count()
            >= 3,
        "each of its facts cites it: {html}"
    );
}

/// Long pages open with a table of contents whose every entry lands; a
/// short one has none.
#[test]
fn long_pages_have_a_table_of_contents() {
    let app = common::App::start(&[], &[]);
    for path in ["/id/missions", "/source/article-002", "/id/julien-lacombe"] {
        let html = app.get(path, "text/html").text();
        let nav = html
            .split("<nav class=\"toc\"")
            .nth(1)
            .and_then(|rest| rest.split("</nav>").next())
            .unwrap_or_else(|| panic!("{path}: no table of contents"));
        let entries = common::hrefs(nav);
        assert!(entries.len() >= 3, "{path}: {entries:?}");
        let ids = ids(&html);
        for entry in entries {
            let id = entry.strip_prefix('#').expect("a section of the page");
            assert!(ids.contains(id), "{path}: #{id} leads nowhere");
            assert!(html.contains(&format!("<h2 id=\"{id}\">")), "{path}: {id}");
        }
    }
    for path in ["/id/lebanon", "/id/arben-bajraktaraj"] {
        let html = app.get(path, "text/html").text();
        assert!(!html.contains("<nav class=\"toc\""), "{path}: {html}");
    }
}

/// Without `--articles`: the reader is a 404 that says how to see the
/// sentences (never any text), and so do the article and entity pages;
/// what is no article has no reader.
#[test]
fn without_the_texts_pages_say_how_to_see_the_sentences() {
    let app = common::App::start(&[], &[]);
    let reply = app.get("/source/article-002/text", "text/plain");
    assert_eq!(reply.status, 404);
    assert!(
        reply.text().contains("missions-kg serve --articles DIR"),
        "{}",
        reply.text()
    );
    let page = app.get("/source/article-002/text", "text/html");
    assert_eq!(page.status, 404);
    assert!(page.text().contains("--articles DIR"), "{}", page.text());
    assert!(!page.text().contains("Henri Debeurme"), "no text");
    let how = "to see the sentences, start it with <code>missions-kg serve --articles DIR</code>";
    for path in ["/source/article-002", "/id/arben-bajraktaraj"] {
        let html = app.get(path, "text/html").text();
        assert!(html.contains(how), "{path}: {html}");
        assert!(
            !html.contains("/text#passage-"),
            "{path}: a link to no reader"
        );
    }
    // Nothing but an article has a reader, with or without the texts.
    let seeds = seeds().display().to_string();
    let with = common::App::start(&["--articles", &seeds], &[]);
    for app in [&app, &with] {
        for path in [
            "/source/nothing/text",
            "/source/article-002.ttl/text",
            "/source/article-002/text/text",
            "/source//text",
            "/source/text",
            "/id/missions/text",
            "/graph/evidence/text",
        ] {
            assert_eq!(app.get(path, "text/html").status, 404, "{path}");
        }
    }
    let html = with.get("/source/article-002", "text/html").text();
    assert!(html.contains("href=\"/source/article-002/text\""), "{html}");
    assert!(!html.contains(how), "{html}");
}
