//! Linked data for people: the page of each IRI of the project's namespace
//! (an entity with its facts and sources, a graph, an article with its
//! sections), HTML or RDF by `Accept` or extension; a long page opens with
//! its table of contents. `/source/ARTICLE/text` is handed to the reader
//! (`reader.rs`), an entity's passages to `passages.rs`.

use super::http::{accept, stopped, Answer, Capped, HttpError};
use super::lang::{Lang, PageRequest};
use super::layout::{cell, encode, internal, layout, link, page, stored, Room};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::graph::entity;
use crate::graph::labels::{self, LabelCache};
use crate::graph::Graph;
use crate::guard::budget::Budget;
use crate::view::differences::{Difference, Question};
use crate::view::entity::{EntityView, Fact, PassageGroups, Value};
use crate::vocab;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, Quad, Term};
use oxigraph::sparql::QueryResults;

/// `GET /id/…`, `/source/…`, `/graph/…`, `/link/…`, `/query/…`: the
/// resource the path names, as a page or as RDF (by `Accept`, or an
/// extension: `/id/x.ttl`, `.jsonld`, `.nt`, `.rdf`, `.trig`, `.nq`,
/// `.html`).
pub async fn resource(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    PageRequest { lang, .. }: PageRequest,
) -> Response {
    let path = uri.path().to_owned();
    let accept = accept(&headers);
    let shared = state.clone();
    let work = move |graph: &Graph, budget: &Budget| -> Result<Answer, HttpError> {
        // An article's text, unless the graph names that very path.
        if let Some(article) = super::reader::article_path(&path) {
            if find_resource(graph, &shared.site, &path).is_err() {
                return super::reader::reader_page(&shared, graph, budget, lang, article, &path);
            }
        }
        let (iri, explicit) = find_resource(graph, &shared.site, &path)?;
        let format = match explicit {
            Some(format) => format,
            None => format::negotiate(accept.as_deref(), &Payload::Page.offers())
                .map_err(|failure| HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message))?,
        };
        match format {
            OutputFormat::Rdf(rdf) => {
                let quads = resource_quads(graph, iri.as_ref()).map_err(|e| internal(&e))?;
                let max = shared.settings.max_result;
                let mut body = Capped::new(max);
                format::write_quads(quads, rdf, &mut body).map_err(|e| stopped(e, budget))?;
                Ok(Answer {
                    volatile: false,
                    filename: None,
                    content_type: format::content_type(format),
                    body: body.finish(max)?,
                })
            }
            _ if is_only_a_graph(graph, iri.as_ref()).map_err(|e| internal(&e))? => {
                graph_page(graph, lang, iri.as_ref(), &path)
            }
            _ => entity_page(&shared, graph, budget, lang, iri.as_ref(), &path),
        }
    };
    super::answer(&state, work).await
}

/// The IRI a path names, and the format its extension asks for, if any.
pub(super) fn find_resource(
    graph: &Graph,
    site: &super::Site,
    path: &str,
) -> Result<(NamedNode, Option<OutputFormat>), HttpError> {
    let known = |iri: &str| -> Result<Option<NamedNode>, HttpError> {
        let Ok(node) = NamedNode::new(iri) else {
            return Ok(None);
        };
        let used = graph
            .quads(Some(node.as_ref().into()), None, None, None)
            .next()
            .transpose()
            .map_err(|e| internal(&e))?
            .is_some()
            || graph
                .quads(None, None, Some(node.as_ref().into()), None)
                .next()
                .transpose()
                .map_err(|e| internal(&e))?
                .is_some()
            || graph
                .contains_named_graph(node.as_ref().into())
                .map_err(|e| internal(&e))?;
        Ok(used.then_some(node))
    };
    if let Some(node) = known(&site.iri(path))? {
        return Ok((node, None));
    }
    if let Some((stem, extension)) = path.rsplit_once('.') {
        if let Some(format) = format::by_extension(extension, Payload::Page) {
            if let Some(node) = known(&site.iri(stem))? {
                return Ok((node, Some(format)));
            }
        }
    }
    Err(HttpError::not_found(format!(
        "nothing in the graph is named <{}>",
        crate::guard::error::one_line(&site.iri(path), 200)
    )))
}

/// What a resource's RDF holds: every quad, in every graph, about it and
/// about the qualified facts it points to (a role, a broadcast), so the
/// TriG or N-Quads shows which article states what.
/// A named graph that is nothing else (`mkg:ontology`, `mkg:links`) gives
/// its own statements, as the Graph Store would.
pub(super) fn resource_quads(graph: &Graph, iri: NamedNodeRef<'_>) -> anyhow::Result<Vec<Quad>> {
    let mut quads: Vec<Quad> = graph
        .quads(Some(iri.into()), None, None, None)
        .collect::<anyhow::Result<_>>()?;
    if quads.is_empty() && graph.contains_named_graph(iri.into())? {
        return graph
            .quads(None, None, None, Some(iri.into()))
            .map(|quad| {
                quad.map(|q| Quad::new(q.subject, q.predicate, q.object, GraphName::DefaultGraph))
            })
            .collect();
    }
    let mut nested = Vec::new();
    for quad in &quads {
        // Only qualified facts are unfolded, as `describe` does; the data
        // names them with IRIs.
        if let Term::NamedNode(object) = &quad.object {
            if quad.graph_name == GraphName::DefaultGraph
                && entity::is_qualified_fact(graph, object.as_ref().into())?
            {
                nested.push(object.clone());
            }
        }
    }
    for node in nested {
        quads.extend(
            graph
                .quads(Some(node.as_ref().into()), None, None, None)
                .collect::<anyhow::Result<Vec<_>>>()?,
        );
    }
    Ok(quads)
}

/// Whether `iri` names a graph and is the subject of nothing.
pub(super) fn is_only_a_graph(graph: &Graph, iri: NamedNodeRef<'_>) -> anyhow::Result<bool> {
    Ok(graph.contains_named_graph(iri.into())?
        && graph
            .quads(Some(iri.into()), None, None, None)
            .next()
            .transpose()?
            .is_none())
}

/// The page of a named graph that is nothing else: its size and where to
/// get it.
pub(super) fn graph_page(
    graph: &Graph,
    lang: Lang,
    iri: NamedNodeRef<'_>,
    path: &str,
) -> Result<Answer, HttpError> {
    let mut count = 0;
    for quad in graph.quads(None, None, None, Some(iri.into())) {
        quad.map_err(|e| internal(&e))?;
        count += 1;
    }
    let name = labels::graph_name(iri.as_str());
    let store = format!("/store?graph={}", encode(iri.as_str()));
    Ok(page(layout(
        lang,
        &name,
        path,
        html! {
            h1 { (name) }
            p.iri { code { (iri.as_str()) } }
            p { (lang.t("A named graph of ", "Un graphe nommé de ")) (count) (lang.t(" statements.", " énoncés.")) }
            p.downloads {
                "⬇ "
                @for (format, label) in [("turtle", "Turtle"), ("ntriples", "N-Triples"), ("jsonld", "JSON-LD"), ("rdfxml", "RDF/XML")] {
                    a href={(store) "&format=" (format)} { (label) } " "
                }
            }
        },
    )))
}

/// A fact's value, linked, with its sources as links to their articles.
pub(super) fn fact_value(value: &Value, site: &super::Site, lang: Lang) -> Markup {
    match &value.term {
        Term::NamedNode(node) => link(site, node.as_str(), "", html! { (value.text) }),
        Term::Literal(literal) => {
            super::layout::literal_in(literal.as_ref(), value.unit.as_deref(), lang)
        }
        _ => html! { (value.text) },
    }
}

/// A property's name as a row shows it: the ontology's label, a known
/// vocabulary's name in words, and an inverse fact read backwards
/// ("person of"); the IRI stays the link and its tooltip.
pub(super) fn property_in_words(fact: &Fact, inverse: bool, lang: Lang) -> String {
    let name = crate::view::human::known_term(fact.property.as_str(), Some(lang.code()))
        .map_or_else(|| fact.property_name.clone(), str::to_owned);
    if inverse {
        crate::view::human::inverse(&name, Some(lang.code()))
    } else {
        name
    }
}

pub(super) fn sources(fact: &Fact, site: &super::Site) -> Markup {
    html! {
        @for source in &fact.sources {
            @match &source.graph {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => { (link(site, n.as_str(), "source", html! { (source.name) })) " " }
                _ => { span.source { (source.name) } " " }
            }
        }
    }
}

/// Past this many facts (its own and those pointing at it), an entity
/// page opens with a table of contents.
const LONG_PAGE_FACTS: usize = 12;

/// How many values of one property a page shows before folding the rest.
const SHOWN_VALUES: usize = 5;

/// Facts grouped by property: one row per property, its values side by
/// side, each with the articles that state it; the facts that fit in
/// `room`, in order; past [`SHOWN_VALUES`] values, the rest folded. Each
/// fact points at its passages, numbered in `numbered`.
pub(super) fn fact_rows(
    facts: &[Fact],
    numbered: &PassageGroups<'_>,
    site: &super::Site,
    inverse: bool,
    lang: Lang,
    room: &mut Room,
) -> Markup {
    // Each fact rendered once, and kept while the page has room.
    let mut groups: Vec<(&Fact, Vec<(&Fact, Markup)>)> = Vec::new();
    for fact in facts {
        let item = html! {
            li {
                (fact_value(&fact.value, site, lang)) " " (sources(fact, site))
                (super::passages::refs(fact, numbered, lang))
                @if !fact.nested.is_empty() {
                    // A qualified fact's own facts (a role's person and
                    // character…), folded: its label already says the gist.
                    details.nested {
                        summary { (fact.nested.len()) " " (lang.t("facts about it", "faits à son sujet")) }
                        ul.nested {
                            @for nested in &fact.nested {
                                li { span.property { (property_in_words(nested, false, lang)) } " " (fact_value(&nested.value, site, lang)) " " (sources(nested, site)) (super::passages::refs(nested, numbered, lang)) }
                            }
                        }
                    }
                }
            }
        };
        if !room.take(&item) {
            break;
        }
        match groups.last_mut() {
            Some((first, group)) if first.property == fact.property => group.push((fact, item)),
            _ => groups.push((fact, vec![(fact, item)])),
        }
    }
    let names = |fact: &Fact| {
        fact.sources
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    html! {
        @for (first, group) in &groups {
            @let differ = !inverse && group.len() > 1 && group.iter().any(|(f, _)| names(f) != names(group[0].0));
            tr class=[differ.then_some("differ")] {
                th scope="row" { (link(site, first.property.as_str(), "", html! { (property_in_words(first, inverse, lang)) })) }
                td {
                    ul.values { @for (_, item) in group.iter().take(SHOWN_VALUES) { (item) } }
                    @if group.len() > SHOWN_VALUES {
                        details.more {
                            summary { (lang.t("and ", "et ")) (group.len() - SHOWN_VALUES) (lang.t(" more", " de plus")) }
                            ul.values { @for (_, item) in group.iter().skip(SHOWN_VALUES) { (item) } }
                        }
                    }
                }
            }
        }
    }
}

/// The page of an entity (or an article, a graph): labels, classes, facts
/// grouped with their sources, where the articles differ, what links to
/// it, external links, downloads.
pub(super) fn entity_page(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
    iri: NamedNodeRef<'_>,
    path: &str,
) -> Result<Answer, HttpError> {
    let site = &state.site;
    let mut view =
        EntityView::compute(graph, iri, Some(lang.code()), budget).map_err(|e| internal(&e))?;
    state
        .add_evidence(&mut view, graph)
        .map_err(|e| internal(&e))?;
    let title = view
        .label
        .clone()
        .unwrap_or_else(|| labels::compact(iri.as_str()));
    let subject = Term::from(iri.into_owned());
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    let questions = Question::group(
        differences(state, graph, budget)?
            .iter()
            .filter(|difference| difference.subject == subject),
    );
    let questions: Vec<&Question> = questions.iter().collect();
    let differ = (!questions.is_empty())
        .then(|| super::differences::table(&questions, false, lang, &mut labels, site));
    let is_article = view.classes.iter().any(
        |class| matches!(&class.term, Term::NamedNode(n) if n.as_str() == format!("{}Article", vocab::MK)),
    );
    let base = path.to_owned();
    let groups = PassageGroups::of(&view);
    let mut room = Room::new(state.settings.max_result);
    let facts = fact_rows(&view.facts, &groups, site, false, lang, &mut room);
    let article = if is_article {
        Some(article_sections(
            state, graph, budget, lang, iri, &mut room,
        )?)
    } else {
        None
    };
    let incoming = fact_rows(&view.incoming, &groups, site, true, lang, &mut room);
    let passages = (!groups.groups.is_empty())
        .then(|| super::passages::section(&groups, state.articles.is_some(), site, lang))
        .filter(|section| room.take(section));
    let whole = html! { (lang.t("All of its statements are in the downloads below.", "Tous ses énoncés sont dans les téléchargements ci-dessous.")) };
    // The sections the page has, in order, for its headings and its
    // table of contents.
    let mut sections: Vec<(&str, String)> = Vec::new();
    let mut section = |id: &'static str, shown: bool, en: &'static str, fr: &'static str| {
        if shown {
            sections.push((id, lang.t(en, fr).to_owned()));
        }
    };
    section("text", is_article, "The text", "Le texte");
    section("facts", !view.facts.is_empty(), "Facts", "Faits");
    section(
        "differences",
        differ.is_some(),
        "Where the articles differ",
        "Où les articles divergent",
    );
    section(
        "statements",
        is_article,
        "What this article states",
        "Ce que dit cet article",
    );
    section(
        "article-differences",
        is_article,
        "Where it differs from the other articles",
        "Où il diverge des autres articles",
    );
    section(
        "links-here",
        !view.incoming.is_empty(),
        "What links here",
        "Ce qui pointe ici",
    );
    section(
        "passages",
        passages.is_some(),
        "Where the articles say it",
        "Où les articles le disent",
    );
    section(
        "elsewhere",
        !view.external.is_empty(),
        "Elsewhere (graph links, not from the articles)",
        "Ailleurs (liens du graphe, pas des articles)",
    );
    let title_of = |id: &str| {
        sections
            .iter()
            .find(|(section, _)| *section == id)
            .map_or_else(String::new, |(_, title)| title.clone())
    };
    // A table of contents for a long page: an article's, or one with many
    // facts in at least three sections (a short one is read at a glance).
    let long = is_article || view.facts.len() + view.incoming.len() > LONG_PAGE_FACTS;
    let contents = (long && sections.len() >= 3).then(|| super::layout::contents(lang, &sections));
    let text_link = super::reader::text_href(site, iri.as_str());
    Ok(page(layout(
        lang,
        &title,
        path,
        html! {
            article.entity {
                h1 { (title) }
                p.iri { code { (iri.as_str()) } }
                @if !view.classes.is_empty() {
                    p.classes { @for class in &view.classes { (fact_value(class, site, lang)) " " } }
                }
                @if let Some(contents) = &contents { (contents) }
                @if is_article {
                    h2 #text { (title_of("text")) }
                    @match (&text_link, &state.articles) {
                        (Some(href), Some(_)) => {
                            p { a href=(href) { (lang.t("Read the article with each passage that states a fact marked, and its facts", "Lire l'article, chaque passage qui énonce un fait surligné, avec ses faits")) } }
                        }
                        _ => { p.note { (super::reader::how_to_see(lang)) } }
                    }
                }
                @if !view.facts.is_empty() {
                    h2 #facts { (title_of("facts")) }
                    table.facts { (facts) }
                }
                @if let Some(differ) = &differ {
                    h2 #differences { (title_of("differences")) }
                    (differ)
                }
                @if let Some(article) = &article { (article) }
                @if !view.incoming.is_empty() {
                    h2 #links-here { (title_of("links-here")) }
                    table.facts { (incoming) }
                }
                @if let Some(passages) = &passages {
                    h2 #passages { (title_of("passages")) " " small { "(" (groups.groups.len()) ")" } }
                    (passages)
                }
                @if !view.external.is_empty() {
                    h2 #elsewhere { (title_of("elsewhere")) }
                    ul.external {
                        @for link in &view.external {
                            li { a href=(link.url) rel="external" { (link.site) } @if let Some(day) = &link.seen_on { " " small { (lang.t("seen on ", "vu le ")) (day) } } }
                        }
                    }
                }
                (room.notice(lang, whole))
                p.downloads {
                    "⬇ "
                    @for (extension, name) in [("ttl", "Turtle"), ("trig", "TriG"), ("jsonld", "JSON-LD"), ("nt", "N-Triples"), ("rdf", "RDF/XML")] {
                        a href={(base) "." (extension)} { (name) } " "
                    }
                }
            }
        },
    )))
}

/// Every difference between the articles, computed once (by the first page
/// that needs it, within its budget) and kept: the graph is read-only, so
/// they cannot change. Entity and article pages filter it.
pub(super) fn differences<'s>(
    state: &'s super::AppState,
    graph: &Graph,
    budget: &Budget,
) -> Result<&'s [Difference], HttpError> {
    if let Some(kept) = state.differences.get() {
        return Ok(kept);
    }
    let base = state.site.url("/sparql");
    let rows = Difference::all(&state.catalog, graph, budget, &|text, origin| {
        state.prepare(text, origin, &base)
    })
    .map_err(|error| stopped(error, budget))?;
    // Another thread may have computed them meanwhile: either is right.
    let _ = state.differences.set(rows);
    Ok(state.differences.get().map_or(&[], Vec::as_slice))
}

/// An article's own sections: what it states, grouped by entity (with how
/// many articles state each fact), and where it differs from the others.
pub(super) fn article_sections(
    state: &super::AppState,
    graph: &Graph,
    budget: &Budget,
    lang: Lang,
    article: NamedNodeRef<'_>,
    room: &mut Room,
) -> Result<Markup, HttpError> {
    let site = &state.site;
    let mut labels = LabelCache::new(graph, Some(lang.code()));
    // Per entity: the entity, its link, and its rows (property, value, how
    // many articles state it), while the page has room.
    let mut groups: Vec<(Term, Markup, Vec<Markup>)> = Vec::new();
    let mut facts = 0;
    if let QueryResults::Solutions(solutions) = stored(
        state,
        graph,
        budget,
        "source-facts",
        &[("article", article.into_owned().into())],
    )? {
        for solution in solutions {
            let solution = solution.map_err(|e| internal(&e.into()))?;
            let (Some(entity), Some(property), Some(value)) = (
                solution.get("entity"),
                solution.get("property"),
                solution.get("value"),
            ) else {
                continue;
            };
            let stated_by = match solution.get("statedBy") {
                Some(Term::Literal(n)) if n.value() != "1" => n.value().to_owned(),
                _ => String::new(),
            };
            facts += 1;
            if room.is_full() {
                // Still counted, for the heading's total.
                continue;
            }
            let row = html! {
                tr {
                    th scope="row" { (cell(property, &mut labels, site)) }
                    td { (cell(value, &mut labels, site)) @if !stated_by.is_empty() { " " small.source { "(" (stated_by) " " (lang.t("articles", "articles")) ")" } } }
                }
            };
            if !room.take(&row) {
                continue;
            }
            match groups.last_mut() {
                Some((current, _, rows)) if current == entity => rows.push(row),
                _ => groups.push((entity.clone(), cell(entity, &mut labels, site), vec![row])),
            }
        }
    }
    let this = Term::from(article.into_owned());
    let questions = Question::group(differences(state, graph, budget)?);
    let ours: Vec<&Question> = questions
        .iter()
        .filter(|q| q.said.iter().any(|said| said.article == this))
        .collect();
    let differs =
        (!ours.is_empty()).then(|| super::differences::table(&ours, true, lang, &mut labels, site));
    Ok(html! {
        h2 #statements { (lang.t("What this article states", "Ce que dit cet article")) " " small { "(" (facts) ")" } }
        @for (_, entity, rows) in &groups {
            h3 { (entity) }
            table.facts { @for row in rows { (row) } }
        }
        h2 #article-differences { (lang.t("Where it differs from the other articles", "Où il diverge des autres articles")) }
        @match &differs {
            None => { p { (lang.t("Nowhere.", "Nulle part.")) } }
            Some(differs) => { (differs) }
        }
    })
}
