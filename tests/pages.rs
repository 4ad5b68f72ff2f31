//! The pages of `missions-kg serve`, from its router called in process
//! (`common::App`): what a person looks for (the articles, search, the
//! cast, disagreements side by side, an article, the timeline, the query
//! editor with "why"), linked data in HTML and every RDF format, data
//! escaped on the way into a page, the vendored editor's assets
//! (compressed, kept a year), and the pages' language (downloads and the
//! ontology: `tests/downloads.rs`). The same pages in
//! a real browser are `tests/browser.rs`.

mod common;

use common::App;
use std::io::Read;

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The server on the built-in data.
fn embedded() -> App {
    App::start(&[], &[])
}

const CAST: &str = "SELECT ?person ?character WHERE { ?role mk:castMember ?person ; mk:character ?character } ORDER BY ?person";

#[test]
fn pages_show_what_a_person_looks_for() {
    let app = embedded();
    let html = "text/html";
    let home = app.get("/", html).text();
    assert!(
        home.contains("href=\"/source/article-000\""),
        "the articles are listed"
    );
    assert!(
        home.contains("action=\"/queries/cast\""),
        "stored queries are runnable"
    );
    // Search ignores accents and case.
    let found = app.get("/search?q=vivies", html).text();
    assert!(found.contains("/id/helene-vivies"), "{found}");
    // The cast with their characters, from the stored query, as a table.
    let cast = app.get("/queries/cast", html).text();
    assert!(
        cast.contains("Clément Aubert") && cast.contains("Simon Gramat"),
        "{cast}"
    );
    // A disagreement side by side, each side with its article.
    let broadcast = app.get("/id/broadcast-ocs-2017", html).text();
    assert!(
        broadcast.contains("Where the articles differ"),
        "{broadcast}"
    );
    assert!(
        broadcast.contains("2017-06-01") && broadcast.contains("article-001"),
        "{broadcast}"
    );
    // An article's page: what it states.
    let article = app.get("/source/article-000", html).text();
    assert!(article.contains("What this article states"), "{article}");
    let timeline = app.get("/timeline", html).text();
    assert!(
        timeline.contains("<time datetime=\"2017\">2017</time>"),
        "{timeline}"
    );
    // Drawn: a year given alone is a band, a full date a dot, each a link
    // to its event; an event two articles date alike is one entry with
    // both sources.
    assert!(timeline.contains("<svg class=\"chart\""), "{timeline}");
    assert!(timeline.contains("<rect class=\"band\""), "{timeline}");
    assert!(timeline.contains("<circle class=\"mark\""), "{timeline}");
    assert!(timeline.contains("<a href=\"/id/rights-deal-amc-shudder\">"));
    let mip = timeline
        .split("<li ")
        .find(|item| item.contains("MIP 2017"))
        .expect("the MIP prize is listed");
    assert!(
        mip.contains("article-000") && mip.contains("article-001"),
        "{mip}"
    );
    assert_eq!(timeline.matches("MIP 2017</a>").count(), 1, "{timeline}");
    // French by the switch and by Accept-Language.
    assert!(app
        .get("/timeline?lang=fr", html)
        .text()
        .contains("Chronologie"));
    let french = app.request(
        "GET",
        "/",
        &[
            ("Accept", html),
            ("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8"),
        ],
        b"",
    );
    assert!(french.text().contains("<html lang=\"fr\">"));
    // The editor runs a query and offers downloads and a permalink.
    let editor = app
        .get(&format!("/ui/query?query={}", encode(CAST)), html)
        .text();
    assert!(
        editor.contains("Clément Aubert") && editor.contains("format=csv"),
        "{editor}"
    );
    // With "why", each answer shows the graphs behind it, CONSTRUCT too.
    let traced = app
        .get(&format!("/ui/query?query={}&why=1", encode(CAST)), html)
        .text();
    assert!(
        traced.contains("checked") && traced.contains("article-000 | article-002"),
        "{traced}"
    );
    let construct =
        "CONSTRUCT { ?person mk:castMember ?role } WHERE { ?role mk:castMember ?person }";
    let traced = app
        .get(
            &format!("/ui/query?query={}&why=1", encode(construct)),
            html,
        )
        .text();
    assert!(
        traced.contains("why") && traced.contains("article-000 | article-002"),
        "{traced}"
    );
    // A syntax error is shown on the page, not as a failure.
    let wrong = app.get(
        &format!("/ui/query?query={}", encode("SELECT WHERE {")),
        html,
    );
    assert_eq!(wrong.status, 200);
    assert!(wrong.text().contains("role=\"alert\""));
    // Every page carries a strict policy.
    let home = app.get("/", html);
    assert!(home
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
}

#[test]
fn linked_data_dereferences_in_html_and_every_rdf_format() {
    let app = embedded();
    let turtle = app.get("/id/julien-lacombe", "text/turtle");
    assert_eq!(turtle.status, 200);
    assert!(turtle
        .header("content-type")
        .unwrap()
        .starts_with("text/turtle"));
    assert!(
        turtle.text().contains("\"Julien Lacombe\""),
        "{}",
        turtle.text()
    );
    // The extension wins over Accept, as on Wikidata's entity pages.
    let by_extension = app.get("/id/julien-lacombe.jsonld", "text/html");
    assert_eq!(
        by_extension.header("content-type"),
        Some("application/ld+json")
    );
    // TriG keeps which article states what.
    let trig = app.get("/id/julien-lacombe.trig", "*/*").text();
    assert!(trig.contains("article-0"), "{trig}");
    let html = app.get("/id/julien-lacombe", "text/html").text();
    assert!(html.contains("<h1>Julien Lacombe</h1>"), "{html}");
    assert!(
        html.contains("href=\"/source/article-"),
        "facts link their sources: {html}"
    );
    let missing = app.get("/id/nobody-at-all", "text/html");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("nobody-at-all"));
}

#[test]
fn data_shown_in_pages_is_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil.ttl"),
        "<https://w3id.org/missions-kg/id/evil> <http://www.w3.org/2000/01/rdf-schema#label> \"<script>alert(1)</script>\" ;\n\
         <https://w3id.org/missions-kg/ontology#note> \"\\\"><img src=x onerror=alert(2)>\" .\n\
         <https://w3id.org/missions-kg/id/nul> <http://www.w3.org/2000/01/rdf-schema#label> \"a\\u0000b\\u001Bc\" .\n",
    )
    .unwrap();
    let evil = dir.path().join("evil.ttl");
    let app = App::start(&["--data", evil.to_str().unwrap()], &[]);
    for target in [
        "/id/evil",
        "/search?q=script",
        &format!("/sparql?query={}", encode("SELECT * { ?s ?p ?o }")),
    ] {
        let page = app.get(target, "text/html").text();
        assert!(!page.contains("<script>alert"), "{target}: {page}");
        assert!(!page.contains("<img src=x"), "{target}: {page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{target}: {page}"
        );
    }
    // Control characters from the data never reach a page (they make the
    // HTML invalid); they show as U+FFFD.
    let page = app.get("/id/nul", "text/html").text();
    assert!(page.contains("a\u{fffd}b\u{fffd}c"), "{page}");
    assert!(!page.contains('\u{0}') && !page.contains('\u{1b}'));
}

#[test]
fn the_query_page_loads_the_vendored_editor_compressed_and_kept_a_year() {
    let app = embedded();
    let page = app.get("/ui/query", "text/html").text();
    assert!(
        page.contains("<script src=\"/assets/yasqe-4.6.2.min.js\" defer>"),
        "{page}"
    );
    assert!(page.contains("<script src=\"/assets/editor.js\" defer>"));
    // What the editor completes comes with the page: no script asks the
    // network.
    assert!(
        page.contains("data-terms=\"{&quot;classes&quot;:["),
        "{page}"
    );
    assert!(page.contains("https://w3id.org/missions-kg/ontology#creator"));
    // Only the query page carries the editor.
    assert!(!app.get("/", "text/html").text().contains("yasqe"));
    let script = "/assets/yasqe-4.6.2.min.js";
    // Twice each way, plain first: the second answers would come from the
    // cache if the cache kept them; a gzipped answer must never reach a
    // client that did not ask for gzip, and gzip clients always get the
    // copy compressed once (with its length), never a kept plain copy
    // compressed again.
    let mut gzipped: Option<Vec<u8>> = None;
    for _ in 0..2 {
        let raw = app.request("GET", script, &[], b"");
        assert_eq!(raw.header("content-encoding"), None);
        let gzip = app.request("GET", script, &[("Accept-Encoding", "gzip, br")], b"");
        assert_eq!(gzip.status, 200);
        assert_eq!(gzip.header("content-encoding"), Some("gzip"));
        assert_eq!(
            gzip.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        // (Its Content-Length on the wire: `tests/connections.rs`.)
        assert_eq!(gzipped.get_or_insert_with(|| gzip.body.clone()), &gzip.body);
        let mut text = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut text)
            .unwrap();
        assert_eq!(raw.body, text);
        assert!(raw.body.len() > 500_000 && gzip.body.len() < 150_000);
        assert!(raw
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript"));
    }
    // Refused gzip (q=0, in any case, even with `*` beside it) is
    // honoured; `*` alone and GZIP in capitals allow it.
    for (asked, gzip) in [
        ("gzip;q=0", false),
        ("gzip;Q=0", false),
        ("gzip;q=0, *", false),
        ("br", false),
        ("*", true),
        ("GZIP", true),
        ("br;q=1, gzip;q=0.5", true),
    ] {
        let answer = app.request("GET", script, &[("Accept-Encoding", asked)], b"");
        assert_eq!(
            answer.header("content-encoding") == Some("gzip"),
            gzip,
            "{asked}"
        );
    }
    let bad = app.get("/assets/%FF", "*/*");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("not valid UTF-8"), "{}", bad.text());
    let css = app.get("/assets/yasqe-4.6.2.min.css", "text/css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert_eq!(app.get("/assets/yasqe-0.0.0.min.js", "*/*").status, 404);
}

#[test]
fn the_servers_lang_is_the_pages_default_language() {
    let app = App::start(&["--lang", "fr"], &[]);
    let html = "text/html";
    assert!(app.get("/", html).text().contains("Chercher"));
    // The request still wins: by the switch, and by Accept-Language.
    assert!(app.get("/?lang=en", html).text().contains(">Search<"));
    let english = app.request(
        "GET",
        "/timeline",
        &[("Accept", html), ("Accept-Language", "en-GB")],
        b"",
    );
    assert!(
        english.text().contains("<h1>Timeline</h1>"),
        "{}",
        english.text()
    );
}

#[test]
fn pages_keep_the_answer_limit_and_say_where_they_stop() {
    // 300 values of 20 KB on one entity (6 MB), and 50,000 short facts on
    // another: both far past a server whose answers stop at 1 MiB.
    let dir = tempfile::tempdir().unwrap();
    let mut data = String::new();
    let big = "x".repeat(20_000);
    for i in 0..300 {
        data.push_str(&format!(
            "<https://w3id.org/missions-kg/id/heavy> <https://w3id.org/missions-kg/ontology#note> \"{i} {big}\" .\n"
        ));
    }
    for i in 0..50_000 {
        data.push_str(&format!(
            "<https://w3id.org/missions-kg/id/busy> <https://w3id.org/missions-kg/ontology#note> \"note {i}\" .\n"
        ));
    }
    let file = dir.path().join("big.nt");
    std::fs::write(&file, data).unwrap();
    let app = App::start(&["--data", file.to_str().unwrap()], &["--max-result", "1M"]);
    let limit = 1024 * 1024;
    let query = format!(
        "/sparql?query={}",
        encode("SELECT ?v { <https://w3id.org/missions-kg/id/heavy> ?p ?v }")
    );
    // As data, the answer is refused whole (400), as before.
    assert_eq!(
        app.get(&query, "application/sparql-results+json").status,
        400
    );
    // As a page, it is cut where the limit falls, and says so.
    for (target, what) in [
        (query.as_str(), "the results page"),
        ("/id/heavy", "an entity with large values"),
        ("/id/busy", "an entity with 50,000 facts"),
    ] {
        let reply = app.get(target, "text/html");
        assert_eq!(reply.status, 200, "{what}: {}", reply.status);
        assert!(
            reply.body.len() <= limit,
            "{what}: a page of {} bytes past a 1 MiB --max-result",
            reply.body.len()
        );
        let page = reply.text();
        assert!(
            page.contains("The page stops here") && page.contains("--max-result, 1 MiB"),
            "{what}: the cut page does not say so"
        );
    }
    // The editor's page too.
    let editor = app.get(
        &format!(
            "/ui/query?query={}",
            encode("SELECT ?v { <https://w3id.org/missions-kg/id/heavy> ?p ?v }")
        ),
        "text/html",
    );
    assert!(editor.body.len() <= limit && editor.text().contains("The page stops here"));
    // An entity's RDF keeps the same limit as any other answer.
    let rdf = app.get("/id/heavy.nt", "*/*");
    assert_eq!(rdf.status, 400, "{}", rdf.text());
    assert!(rdf.text().contains("--max-result"), "{}", rdf.text());
    // Pages under the limit are whole, with no notice.
    let small = app.get(
        &format!(
            "/sparql?query={}",
            encode("SELECT ?v { <https://w3id.org/missions-kg/id/heavy> ?p ?v } LIMIT 3")
        ),
        "text/html",
    );
    assert!(
        small.text().contains("3 results in ") && !small.text().contains("The page stops here")
    );
}

/// What Chromium sends for a page.
const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";

#[test]
fn errors_a_browser_meets_are_pages_and_other_clients_keep_their_line() {
    let app = embedded();
    // An unknown path: the site's page, with search and where to go next.
    let page = app.get("/nope", BROWSER);
    assert_eq!(page.status, 404);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let text = page.text();
    assert!(text.contains("<h1>Nothing here</h1>"), "{text}");
    assert!(text.contains("action=\"/search\"") && text.contains("href=\"/ui/query?lang=en\""));
    // The same for a client that does not ask for HTML first.
    for accept in ["*/*", "application/sparql-results+json"] {
        let plain = app.get("/nope", accept);
        assert_eq!(plain.status, 404);
        assert!(plain
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"));
        assert_eq!(plain.text().lines().count(), 1, "{}", plain.text());
    }
    // An ambiguous name lists its candidates as links, each with its kind.
    let ambiguous = app.get("/queries/entity-facts?entity=Komarov", BROWSER);
    assert_eq!(ambiguous.status, 404);
    let text = ambiguous.text();
    assert!(text.contains("Which one do you mean?"), "{text}");
    assert!(
        text.contains("href=\"/id/vladimir-komarov\"")
            && text.contains("href=\"/id/character-vladimir-komarov\""),
        "{text}"
    );
    assert!(!text.contains("\\n"), "no escaped line break: {text}");
    // A name with a typo: the nearest entities, as links.
    let typo = app
        .get("/queries/entity-facts?entity=Komarof", BROWSER)
        .text();
    assert!(typo.contains("href=\"/id/vladimir-komarov\""), "{typo}");
    // A broken query sent by a browser: a page with the error line, 400.
    let broken = app.get("/sparql?query=SELECT%20WHERE%20%7B", BROWSER);
    assert_eq!(broken.status, 400);
    assert!(
        broken.text().contains("role=\"alert\""),
        "{}",
        broken.text()
    );
    assert_eq!(
        app.get("/sparql?query=SELECT%20WHERE%20%7B", "*/*").status,
        400
    );
    // In French when the browser prefers it.
    let french = app.request(
        "GET",
        "/id/nobody-at-all",
        &[("Accept", BROWSER), ("Accept-Language", "fr-FR,fr;q=0.9")],
        b"",
    );
    assert_eq!(french.status, 404);
    assert!(french.text().contains("<html lang=\"fr\">") && french.text().contains("Rien ici"));
}

/// The text between `<textarea …>` and `</textarea>`, unescaped.
fn textarea(page: &str) -> String {
    let start = page.find("<textarea").expect("a textarea");
    let open = start + page[start..].find('>').unwrap() + 1;
    let close = open + page[open..].find("</textarea>").unwrap();
    page[open..close]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn the_query_page_opens_on_a_query_that_answers_and_pages_its_results() {
    let app = embedded();
    let blank = app.get("/ui/query", BROWSER).text();
    let default = textarea(&blank);
    assert!(default.contains("SELECT"), "{default}");
    let ran = app
        .get(&format!("/ui/query?query={}", encode(&default)), BROWSER)
        .text();
    assert!(
        !ran.contains("role=\"alert\""),
        "the default query fails: {ran}"
    );
    let rows = ran.matches("<tr>").count() - 1;
    assert!(rows > 0, "the default query answers nothing: {ran}");
    assert!(
        ran.contains(&format!("{rows} results in ")),
        "the count and the time: {ran}"
    );
    // Every stored query is one click away.
    assert!(blank.contains("Examples: the stored queries"));
    assert!(
        blank.contains("href=\"/queries/entity-facts?lang=en&amp;entity=Julien%20Lacombe\"")
            || blank.contains("href=\"/queries/entity-facts?lang=en&amp;entity=Julien+Lacombe\""),
        "{blank}"
    );
    // Grammar in both languages.
    let one = "SELECT ?x WHERE { BIND(1 AS ?x) }";
    let none = "SELECT ?x WHERE { FILTER(false) }";
    let count = |query: &str, lang: &str| {
        let page = app
            .get(
                &format!("/ui/query?lang={lang}&query={}", encode(query)),
                BROWSER,
            )
            .text();
        let at = page.find("class=\"count\"").expect("a count");
        let end = at + page[at..].find("</p>").unwrap();
        page[at..end].to_owned()
    };
    assert!(
        count(one, "en").contains(">1 result in "),
        "{}",
        count(one, "en")
    );
    assert!(count(none, "en").contains(">0 results in "));
    assert!(count(one, "fr").contains(">1 résultat en "));
    assert!(count(none, "fr").contains(">0 résultat en "));
    // Past 1,000 rows: the total, and the next page linked.
    let all = "SELECT * WHERE { ?s ?p ?o }";
    let first = count(all, "en");
    assert!(first.contains("; shown: 1–1,000"), "{first}");
    let page = app
        .get(&format!("/ui/query?lang=en&query={}", encode(all)), BROWSER)
        .text();
    assert!(page.contains("rel=\"next\""), "{page}");
    let second = app
        .get(
            &format!("/ui/query?lang=en&query={}&page=2", encode(all)),
            BROWSER,
        )
        .text();
    assert!(second.contains("; shown: 1,001–"), "{second}");
    assert!(second.contains("rel=\"prev\""));
    assert_eq!(
        app.get(
            &format!("/ui/query?query={}&page=two", encode(all)),
            BROWSER
        )
        .status,
        400
    );
}

#[test]
fn pages_show_values_and_properties_in_words() {
    let app = embedded();
    let series = app.get("/id/missions", BROWSER).text();
    for (words, raw) in [
        ("1 June 2017", "2017-06-01"),
        ("June, year not given", "--06"),
        ("26 min", "PT26M"),
        ("yes", "true"),
        ("€1,500,000", "1500000.0"),
    ] {
        assert!(
            series.contains(&format!("value=\"{raw}\""))
                && series.contains(&format!(">{words}</data>")),
            "{raw} as {words}"
        );
    }
    let french = app.get("/id/missions?lang=fr", BROWSER).text();
    assert!(
        french.contains(">1er juin 2017</data>")
            && french.contains(">juin, année non précisée</data>")
            && french.contains(">1\u{202f}500\u{202f}000\u{a0}€</data>")
    );
    // Properties of other vocabularies by name, inverse facts in words.
    let actor = app.get("/id/clement-aubert", BROWSER).text();
    assert!(
        actor.contains(">name</a>") && actor.contains(">person of</a>"),
        "{actor}"
    );
    assert!(
        !actor.contains(">rdfs:label<") && !actor.contains("^"),
        "{actor}"
    );
}

#[test]
fn differences_are_one_row_per_question_with_a_column_per_article() {
    let app = embedded();
    let page = app.get("/id/broadcast-ocs-2017", BROWSER).text();
    let at = page
        .find("<table class=\"differ\">")
        .expect("the differences");
    let table = &page[at..at + page[at..].find("</table>").unwrap()];
    // Start date, channel, date as worded: three questions (they were 15
    // rows, one per pair of articles).
    let body = &table[table.find("<tbody>").unwrap()..];
    assert_eq!(body.matches("<tr").count(), 3, "{table}");
    for article in ["article-000", "article-001", "article-002", "article-003"] {
        assert!(
            table.contains(&format!(">{article}</a></th>")),
            "{article}: {table}"
        );
    }
    // A year against a day: compatible, not a contradiction.
    let start = &body[body
        .find("<tr class=\"precision\">")
        .expect("a precision row")..];
    let start = &start[..start.find("</tr>").unwrap()];
    assert!(
        start.contains("start date") && start.contains("compatible"),
        "{start}"
    );
    assert!(body.contains("<tr class=\"granularity\">") && body.contains("<tr class=\"wording\">"));
    assert!(page.contains("What counts as a difference"));
    // An article's page: the questions it is part of, each with its subject.
    let article = app.get("/source/article-003", BROWSER).text();
    assert!(
        article.contains(">about</th>") && article.contains("how they differ"),
        "{article}"
    );
}
