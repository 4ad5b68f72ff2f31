//! Finding entities by name on the server: the search page and the query
//! editor's completion (`/search?format=json`), both the CLI's forgiving
//! lookup (`entity::search`): accents, case and typos forgiven, labels
//! before descriptions. The editor's side in a browser is
//! `tests/clients/site.py`.

mod common;

use common::App;

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[test]
fn search_forgives_typos_and_reads_descriptions() {
    let app = App::start(&[], &[]);
    for (typed, found) in [
        ("Komarof", "/id/vladimir-komarov"),
        ("Alessandra", "/id/character-alexandra-najac"),
        ("libanais", "/id/lebanon"),
        ("lacomb", "/id/julien-lacombe"),
        // A word of the series' description, not of its label.
        ("huis clos", "/id/missions"),
    ] {
        let page = app
            .get(&format!("/search?q={}", encode(typed)), BROWSER)
            .text();
        assert!(
            page.contains(&format!("href=\"{found}\"")),
            "{typed}: {page}"
        );
    }
    // Labels holding every word come first.
    let page = app.get("/search?q=Komarov", BROWSER).text();
    let komarov = page.find("href=\"/id/vladimir-komarov\"").unwrap();
    assert!(page
        .find("href=\"/id/role-arben-bajraktaraj-actor\"")
        .is_none_or(|role| role > komarov));
}

#[test]
fn the_editor_completes_entities_by_name_as_json() {
    let app = App::start(&[], &[]);
    let reply = app.get("/search?q=Komarof&format=json", "*/*");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let answer: serde_json::Value = serde_json::from_str(&reply.text()).unwrap();
    let results = answer["results"].as_array().unwrap();
    let komarov = results
        .iter()
        .find(|found| found["name"] == "mkd:vladimir-komarov")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(komarov["label"], "Vladimir Komarov");
    assert_eq!(
        komarov["iri"],
        "https://w3id.org/missions-kg/id/vladimir-komarov"
    );
    assert_eq!(komarov["classes"][0], "person");
    assert!(results.len() <= 15, "{answer}");
    // In French, the classes by their French labels.
    let french = app
        .get("/search?q=lacombe&format=json&lang=fr", "*/*")
        .text();
    assert!(french.contains("\"personne\""), "{french}");
    // Nothing typed, nothing too long, nothing found: an empty list.
    for typed in ["", "%20", &"x".repeat(5000), "zzzzqqq"] {
        let text = app
            .get(&format!("/search?q={typed}&format=json"), "*/*")
            .text();
        assert_eq!(
            text,
            "{\"results\":[]}",
            "{}",
            &typed[..typed.len().min(20)]
        );
    }
}
