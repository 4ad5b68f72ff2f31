//! What the passages and texts of the evidence graph must *say*, beyond
//! naming the fact's subject or object (`tests/evidence.rs`): each record's
//! passages hold the words that state its property (README, "The passage
//! behind each fact"); a value presented as the article's words is those
//! words; a text's language tag is the language of its words where that
//! can be decided; and the `--lang` filter never hides an article's only
//! wording. The texts are read from `../shared/seeds/`, beside the
//! repository.

mod common;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// For each property of the articles' graphs, the French words (folded:
/// lower case, no accents, straight apostrophes) of which a passage stating
/// it must hold one, at the start of a word: the verb or noun the article
/// uses for that relation ("créée par", "le cast réunit", "s'être
/// inspiré"), not the names it relates. A record with several passages (a
/// sentence split by other words) is read as their concatenation.
const CUES: &[(&str, &[&str])] = &[
    ("acronym", &["acs"]),
    ("amount", &["million", "euros"]),
    ("anecdote", &["phonetique", "accent"]),
    ("aspect", &["ouvrages", "voulaient realiser"]),
    ("assessment", &["restreint", "positives"]),
    ("attributedTo", &["la serie de"]),
    (
        "awardReceived",
        &["a decroche", "prix obtenus", "remportant"],
    ),
    ("background", &["vient du", "specialiste"]),
    (
        "broadcast",
        &["diffus", "proposera", "a partir du", "depuis le"],
    ),
    ("budget", &["budget"]),
    ("buyer", &["a acquis"]),
    ("castMember", &["le cast", "interprete"]),
    ("category", &["meilleure"]),
    (
        "channel",
        &[
            "diffus",
            "proposera",
            "sur ocs",
            "sur la chaine",
            "en clair sur",
        ],
    ),
    (
        "character",
        &[
            "le cast",
            "interprete",
            "met en scene",
            "dans cette fiction",
            "synopsis",
            "raconte",
        ],
    ),
    ("coProducer", &["coproduire"]),
    ("commissioningLabel", &["produite par"]),
    ("comparedTo", &["plus evoluee", "plus moderne"]),
    ("conferredBy", &["association", "du jury", "de l'acs"]),
    (
        "contribution",
        &["a apporte", "a maitrise", "l'idee", "change tout"],
    ),
    ("coproduction", &["coproduire"]),
    ("country", &["americaine", "francaise"]),
    ("countryOfOrigin", &["francaise", "en france"]),
    ("creator", &["cree", "developpe"]),
    ("crew", &["a reuni", "a bord", "equipage", "un groupe d"]),
    ("crewMember", &["parmi eux"]),
    ("crewedFirst", &["premiere mission habitee"]),
    ("currency", &["euros"]),
    (
        "dateWording",
        &[
            "printemps",
            "depuis",
            "a partir",
            "juin",
            "dernier",
            "debut",
            "quand",
            "prevu",
        ],
    ),
    ("deathYear", &["perdu la vie", "mort"]),
    (
        "description",
        &[
            "produite par",
            "cinq episodes",
            "psy",
            "milliardaire",
            "meilleurs",
            "independante",
            "planete rouge",
            "multinationale",
            "haut niveau",
            "huis clos",
            "saluee",
            "exportee",
            "un groupe d",
            "les premiers",
            "a prouve",
            "record",
            "positives",
            "forte impression",
        ],
    ),
    (
        "destination",
        &[
            "vers mars",
            "pour la planete rouge",
            "conquerir mars",
            "atterrir",
            "marcher sur mars",
            "poser le pied",
        ],
    ),
    ("diedAboard", &["a bord de"]),
    ("director", &["realise"]),
    ("distinction", &["premier"]),
    ("endTime", &["23h20"]),
    ("episodeDuration", &["minutes"]),
    ("episodesCovered", &["pour 10 episodes"]),
    ("episodesDirected", &["realise la totalite"]),
    ("episodesShown", &["episodes seront diffuses"]),
    ("episodesWritten", &["ecrit"]),
    ("event", &["festival", "lors du", "prix obtenus"]),
    ("expectedBenefit", &["permettra"]),
    (
        "fate",
        &[
            "signe de vie",
            "atterrissage catastrophique",
            "debris",
            "vivante",
            "perdre le contact",
            "retour",
        ],
    ),
    ("filming", &["tourn"]),
    ("filmingLocation", &["tourn"]),
    ("follows", &["nouvelle mission"]),
    ("foundAt", &["rescape"]),
    ("freeToAir", &["en clair"]),
    ("friendOf", &["son ami"]),
    ("fundedBy", &["financ"]),
    (
        "genre",
        &[
            "serie de",
            "series de",
            "serie televisee de",
            "melange de",
            "huis clos",
            "vraie science-fiction",
        ],
    ),
    (
        "hasRole",
        &[
            "cree",
            "developpe",
            "le cast",
            "interprete",
            "realise",
            "ecrit",
            "producteur",
        ],
    ),
    ("hasSeason", &["saison"]),
    ("homeMediaRelease", &["dvd"]),
    ("ideaBy", &["l'idee"]),
    ("independent", &["independante"]),
    ("influence", &["inspire", "voulaient realiser"]),
    ("influencer", &["inspire", "voulaient realiser"]),
    ("initialGenre", &["parodique", "encore une comedie"]),
    ("initialToneModel", &["dans le ton"]),
    ("inspired", &["inspire", "voulaient realiser"]),
    ("inspiredBy", &["inspire", "voulaient realiser"]),
    ("isRealPerson", &["perdu la vie", "met en scene"]),
    ("journeyDuration", &["mois de voyage"]),
    ("knownFor", &["l'on doit", "la chaine de"]),
    ("launchDate", &["lancement"]),
    ("locatedIn", &["de cannes", "au maroc"]),
    ("mission", &["mission", "concurrents", "aventure spatiale"]),
    ("missionName", &["baptisee", "d'ulysse"]),
    ("motive", &["confiance"]),
    (
        "narrativeLocation",
        &[
            "conquerir mars",
            "conquete de la planete mars",
            "mission sur mars",
        ],
    ),
    (
        "nationality",
        &[
            "russe",
            "europeen",
            "francais",
            "italiens",
            "allemands",
            "americain",
            "libanais",
        ],
    ),
    ("nominatedFor", &["nomination"]),
    ("notPartOf", &["jamais fait partie"]),
    (
        "numberOfEpisodes",
        &["10 episodes", "dix episodes", "sur les dix"],
    ),
    ("occupation", &["psy", "milliardaire", "cosmonaute"]),
    ("orderedBy", &["a commande"]),
    ("organizedBy", &["monte", "portee par", "sous l'egide"]),
    (
        "originalChannel",
        &["a tourne sa serie", "la chaine de", "l'on doit"],
    ),
    (
        "outcome",
        &[
            "a decroche",
            "prix obtenus",
            "remportant",
            "nomination",
            "selection",
        ],
    ),
    ("overtook", &["depasses", "passe devant"]),
    ("owner", &["sa plateforme"]),
    ("partner", &["coproduire", "au cote de"]),
    (
        "person",
        &[
            "cree",
            "developpe",
            "le cast",
            "interprete",
            "realise",
            "ecrit",
            "producteur",
        ],
    ),
    ("place", &["tourn", "a accueilli le tournage"]),
    ("platform", &["plateforme"]),
    ("playsCharacter", &["dans le role", "interprete", "le cast"]),
    ("prize", &["prix", "award"]),
    ("prizeName", &["prix", "award", "meilleure", "selection"]),
    ("producer", &["producteur"]),
    ("productionCompany", &["produite par"]),
    (
        "productionNote",
        &["malgre un budget", "le but etait", "a enrichi l'intrigue"],
    ),
    ("productionOrder", &["a commande"]),
    ("productionStatus", &["en ecriture", "doit debuter"]),
    (
        "promotionalMaterial",
        &[
            "bande annonce",
            "premieres minutes",
            "photos",
            "making",
            "affiche",
            "musique originale",
        ],
    ),
    ("propulsion", &["propulsion"]),
    (
        "purpose",
        &[
            "pour la retrouver",
            "premiers a marcher",
            "mission de sauvetage",
            "reve d'etre le premier",
            "poser le pied",
        ],
    ),
    ("reason", &["pour ses paysages", "ne correspondait plus"]),
    (
        "reception",
        &[
            "saluee",
            "recompensee",
            "exportee",
            "forte impression",
            "record d'audience",
            "critiques positives",
        ],
    ),
    (
        "recognition",
        &["a decroche", "prix obtenus", "remportant", "nomination"],
    ),
    ("region", &["en france"]),
    ("reportedBy", &["selon"]),
    ("rightsDeal", &["a acquis les droits"]),
    ("rightsKind", &["droits de diffusion"]),
    ("rightsWindow", &["premiere fenetre"]),
    ("rivalOf", &["concurrents", "pas les premiers"]),
    ("scenes", &["scenes", "l'essentiel du tournage"]),
    ("screenwriter", &["ecrit"]),
    ("season", &["synopsis saison"]),
    ("seasonNumber", &["saison"]),
    ("seasonsOrdered", &["commande deux saisons"]),
    ("secret", &["secret"]),
    ("spacecraft", &["vaisseau"]),
    (
        "startDate",
        &["diffus", "a partir du", "depuis le", "debuter"],
    ),
    ("startTime", &["entre 21h"]),
    ("storytellingRule", &["cliffhanger", "chaque mystere"]),
    ("synopsis", &["dans cette fiction", "synopsis", "raconte"]),
    ("territory", &["accessible aux"]),
    (
        "theme",
        &[
            "thematiques",
            "melange de",
            "sujets comme",
            "conquerir",
            "conquete",
        ],
    ),
    ("tier", &["premium"]),
    ("timeAfterPrevious", &["cinq ans ont passe"]),
    ("timeSetting", &["se situe"]),
    ("timeSlot", &["prime time"]),
    ("title", &["missions", "sa serie, mars", "s'appelait"]),
    ("workingTitle", &["s'appelait"]),
    ("year", &["2017", "2018"]),
];

/// The properties whose values are presented as the article's own words
/// (ontology: "as written", "in the article's words"). A value in the
/// article's language, or in English where the article words it in
/// English only, must be found in its passages; an English value beside a
/// French one of the same subject and property is our translation.
const VERBATIM: &[&str] = &[
    "acronym",
    "dateWording",
    "missionName",
    "prizeName",
    "title",
];

const MK: &str = "https://w3id.org/missions-kg/ontology#";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a SELECT through the binary; each row as variable → value.
fn select(query: &str) -> Vec<BTreeMap<String, String>> {
    let run = common::run_in(repo(), &["query", "--format", "json", query], None, 120.0);
    assert_eq!(run.code, Some(0), "{query}: {}", run.stderr);
    let json: Value = serde_json::from_slice(&run.stdout).expect("JSON results");
    json["results"]["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|row| {
            row.as_object()
                .expect("a row")
                .iter()
                .map(|(k, v)| (k.clone(), v["value"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .collect()
}

/// Lower case, straight apostrophes, spaces collapsed: the only folding a
/// verbatim wording is allowed.
fn fold_case(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// [`fold_case`], accents dropped too: how cues are compared.
fn fold(text: &str) -> String {
    fold_case(
        &text
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .collect::<String>(),
    )
}

/// `cue` occurs in `text` at the start of a word.
fn has_cue(text: &str, cue: &str) -> bool {
    text.match_indices(cue).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    })
}

/// One evidence record: its fact (property's local name, subject, value,
/// the value's language) and its passages' text, joined.
struct Record {
    id: String,
    property: String,
    subject: String,
    object: String,
    lang: String,
    article: String,
    text: String,
}

/// A query's row: variable → value.
type Row = BTreeMap<String, String>;

fn records() -> Vec<Record> {
    let rows = select(
        "SELECT ?e ?s ?p ?o (LANG(?o) AS ?lang) ?a ?file ?start ?end {
           GRAPH mkg:evidence {
             ?e mk:inArticle ?a ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; mk:passage ?x .
             ?x mk:start ?start ; mk:end ?end }
           ?a mk:fileName ?file }",
    );
    let seeds = repo().join("../shared/seeds");
    let mut texts: BTreeMap<String, Vec<char>> = BTreeMap::new();
    let mut passages: BTreeMap<String, (Row, Vec<(usize, usize)>)> = BTreeMap::new();
    for row in rows {
        let file = &row["file"];
        if !texts.contains_key(file) {
            let text = std::fs::read_to_string(seeds.join(file)).unwrap_or_else(|e| {
                panic!("cannot read {file} (shared/seeds must sit beside the repository): {e}")
            });
            texts.insert(file.clone(), text.chars().collect());
        }
        let range = (
            row["start"].parse().expect("a number"),
            row["end"].parse().expect("a number"),
        );
        let entry = passages
            .entry(row["e"].clone())
            .or_insert_with(|| (row.clone(), Vec::new()));
        entry.1.push(range);
    }
    passages
        .into_iter()
        .map(|(id, (row, mut ranges))| {
            ranges.sort_unstable();
            let text = &texts[&row["file"]];
            let joined = ranges
                .iter()
                .map(|&(start, end)| text[start..end].iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" … ");
            Record {
                id,
                property: row["p"].trim_start_matches(MK).to_owned(),
                subject: row["s"].clone(),
                object: row["o"].clone(),
                lang: row.get("lang").cloned().unwrap_or_default(),
                article: row["a"].clone(),
                text: joined,
            }
        })
        .collect()
}

fn cues(property: &str) -> Option<&'static [&'static str]> {
    CUES.iter().find(|(p, _)| *p == property).map(|(_, c)| *c)
}

fn states(record: &Record, property: &str) -> bool {
    let text = fold(&record.text);
    cues(property).is_some_and(|cues| cues.iter().any(|cue| has_cue(&text, cue)))
}

/// Every record's passages hold its property's wording: a passage naming
/// the thing ("mais aussi de Lost") without the words that state the fact
/// ("Julien Lacombe confie s'être inspiré") is rejected.
#[test]
fn every_passage_holds_the_words_that_state_its_fact() {
    let records = records();
    assert!(records.len() > 550, "{} evidence records", records.len());
    let missing: BTreeSet<&str> = records
        .iter()
        .filter(|r| cues(&r.property).is_none())
        .map(|r| r.property.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "properties without cue words: {missing:?}"
    );
    let failures: Vec<String> = records
        .iter()
        .filter(|r| !states(r, &r.property))
        .map(|r| format!("{} {} {}: {:?}", r.id, r.property, r.object, r.text))
        .collect();
    assert!(
        failures.is_empty(),
        "{} passages lack the words that state their fact:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The cue rule is not so loose that any sentence passes: each record's
/// property is tried against the passages of the next record of the same
/// article stating another property, elsewhere in the text, and most must
/// fail.
#[test]
fn the_wording_rule_rejects_another_property_s_passage() {
    let records = records();
    let (mut tried, mut rejected) = (0, 0);
    for (i, record) in records.iter().enumerate() {
        let other = records[i + 1..]
            .iter()
            .chain(&records[..i])
            .find(|o| o.article == record.article && o.property != record.property);
        let Some(other) = other else { continue };
        if other.text.contains(&record.text) || record.text.contains(&other.text) {
            continue;
        }
        tried += 1;
        if !states(other, &record.property) {
            rejected += 1;
        }
    }
    eprintln!("{rejected} of {tried} records rejected on another property's passage");
    assert!(tried > 400, "{tried} records tried");
    assert!(
        rejected * 3 > tried * 2,
        "only {rejected} of {tried} records are rejected on another property's passage"
    );
}

/// A wording presented as the article's (`VERBATIM`) is in the record's
/// passages, up to case, spaces and apostrophes; a French value beside it in
/// English is our translation and is not checked.
#[test]
fn wordings_presented_as_the_article_s_are_its_words() {
    let records = records();
    let french: BTreeSet<(&str, &str, &str)> = records
        .iter()
        .filter(|r| r.lang == "fr")
        .map(|r| (r.article.as_str(), r.subject.as_str(), r.property.as_str()))
        .collect();
    let mut checked = 0;
    let mut failures = Vec::new();
    for record in records
        .iter()
        .filter(|r| VERBATIM.contains(&r.property.as_str()))
    {
        let translation = record.lang == "en"
            && french.contains(&(
                record.article.as_str(),
                record.subject.as_str(),
                record.property.as_str(),
            ));
        if translation {
            continue;
        }
        checked += 1;
        if !fold_case(&record.text).contains(&fold_case(&record.object)) {
            failures.push(format!(
                "{} {} {:?}@{}: not in {:?}",
                record.id, record.property, record.object, record.lang, record.text
            ));
        }
    }
    assert!(checked >= 30, "{checked} wordings checked");
    assert!(
        failures.is_empty(),
        "{} wordings are not the article's words:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Language tags, where the data decides them: the same text tagged both
/// `@fr` and `@en` on one subject and property is a text left untranslated,
/// allowed only for a name (a label: "France", "Lost" are the same name in
/// both languages); and a label of our own making that is the same in both
/// languages must not carry words an article gives in English only (article
/// 001's "TV Critics Award" inside a French label).
#[test]
fn a_text_s_tag_is_the_language_of_its_words() {
    let names = [
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2004/02/skos/core#altLabel",
    ];
    let untranslated: Vec<String> = select(
        "SELECT DISTINCT ?s ?p ?v { GRAPH ?g { ?s ?p ?fr , ?en }
           FILTER(LANG(?fr) = \"fr\" && LANG(?en) = \"en\" && STR(?fr) = STR(?en)) BIND(STR(?fr) AS ?v) }",
    )
    .into_iter()
    .filter(|row| !names.contains(&row["p"].as_str()))
    .map(|row| format!("{} {} {:?}", row["s"], row["p"], row["v"]))
    .collect();

    // Wordings an article gives in English only, per article graph.
    let verbatim = VERBATIM
        .iter()
        .map(|p| format!("mk:{p}"))
        .collect::<Vec<_>>()
        .join(", ");
    let english_only: BTreeSet<String> = select(&format!(
        "SELECT DISTINCT ?w {{ GRAPH ?g {{ ?s ?p ?w FILTER(?p IN ({verbatim}) && LANG(?w) = \"en\")
           FILTER NOT EXISTS {{ ?s ?p ?f FILTER(LANG(?f) = \"fr\") }} }} }}"
    ))
    .into_iter()
    .map(|row| row["w"].clone())
    .collect();
    assert!(
        english_only.contains("TV Critics Award"),
        "{english_only:?}"
    );
    // Every French label, whatever its English one says.
    let labels = select(
        "SELECT DISTINCT ?s ?v { GRAPH ?g { ?s rdfs:label ?fr FILTER(LANG(?fr) = \"fr\") }
           BIND(STR(?fr) AS ?v) }",
    );
    let mixed: Vec<String> = labels
        .iter()
        .filter(|row| {
            english_only
                .iter()
                .any(|w| row["v"] != *w && row["v"].contains(w.as_str()))
        })
        .map(|row| format!("{} {:?}", row["s"], row["v"]))
        .collect();
    assert!(
        untranslated.is_empty() && mixed.is_empty(),
        "texts tagged @fr and @en alike (translate the French, or keep one in the language of its \
         words):\n{}\nlabels tagged @fr that are English words of an article's:\n{}",
        untranslated.join("\n"),
        mixed.join("\n")
    );
}

/// `--lang fr` keeps a text an article gives only in English when another
/// article gives the property in French (article 001's prize name beside
/// article 000's), and still drops our English translation of a French
/// text of the same article.
#[test]
fn lang_keeps_an_article_s_only_wording() {
    let describe = |lang: &str| {
        let run = common::run_in(
            repo(),
            &["--lang", lang, "describe", "recognition-mip-2017"],
            None,
            60.0,
        );
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run.stdout_text()
    };
    let fr = describe("fr");
    assert!(fr.contains("TV Critics Award @en  [article-001]"), "{fr}");
    assert!(
        fr.contains("prix du jury des critiques TV @fr  [article-000]"),
        "{fr}"
    );
    assert!(fr.contains("au printemps dernier @fr"), "{fr}");
    assert!(!fr.contains("last spring"), "{fr}");
    let en = describe("en");
    assert!(en.contains("last spring @en"), "{en}");
    assert!(!en.contains("au printemps dernier"), "{en}");
    // Article 000 words the prize in French only: shown under --lang en too.
    assert!(en.contains("prix du jury des critiques TV @fr"), "{en}");
}

/// Wikipedia links are written the way Wikipedia writes them: percent-encoded,
/// ASCII only, so that one page has one IRI.
#[test]
fn wikipedia_links_are_percent_encoded() {
    let pages = select(
        "SELECT DISTINCT ?page { GRAPH mkg:links { ?page schema:about ?e }
           FILTER(CONTAINS(STR(?page), \"wikipedia.org/wiki/\")) }",
    );
    assert!(pages.len() > 60, "{} pages", pages.len());
    let raw: Vec<&str> = pages
        .iter()
        .map(|row| row["page"].as_str())
        .filter(|page| !page.is_ascii())
        .collect();
    assert!(raw.is_empty(), "not percent-encoded: {raw:?}");
}
