//! The SPARQL 1.1 Service Description, answered by the endpoint's URL
//! without a query (`protocol.rs` hands it the request): what the
//! endpoint is, what it speaks and returns, and the stored queries.

use super::http::{accept, respond, Answer, HttpError};
use super::Shared;
use crate::format::{self, OutputFormat, Payload};
use crate::guard::error::Kind;
use crate::sparql;
use crate::vocab;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};

const SD: &str = "http://www.w3.org/ns/sparql-service-description#";
const FORMATS: &str = "http://www.w3.org/ns/formats/";

/// The service description (SPARQL 1.1 Service Description) of the
/// endpoint at `path` (`/sparql`, `/sparql/` or `/query`: `sd:endpoint`
/// names the one asked, as a client compares it with the URL it used):
/// its language, result formats, dataset, and the stored queries as SHACL
/// SPARQL executables.
pub(super) fn service_description(state: &Shared, headers: &HeaderMap, path: &str) -> Response {
    // A person opening the endpoint in a browser wants the query editor.
    let mut offers = Payload::Graph.offers();
    offers.push(OutputFormat::Html);
    let accepted = accept(headers);
    if format::negotiate(accepted.as_deref(), &offers).is_ok_and(|f| f == OutputFormat::Html) {
        return axum::response::Redirect::to("/ui/query").into_response();
    }
    let format = match format::negotiate(accepted.as_deref(), &Payload::Graph.offers()) {
        Ok(format) => format,
        Err(failure) => {
            return HttpError::new(StatusCode::NOT_ACCEPTABLE, failure.message).into_response()
        }
    };
    let OutputFormat::Rdf(rdf) = format else {
        unreachable!("graph payloads resolve to RDF formats");
    };
    let n = |iri: String| NamedNode::new_unchecked(iri);
    let endpoint = n(state.site.url(path));
    let mut quads = Vec::new();
    let mut add = |subject: &NamedNode, predicate: String, object: Term| {
        quads.push(Quad::new(
            subject.clone(),
            n(predicate),
            object,
            GraphName::DefaultGraph,
        ));
    };
    add(
        &endpoint,
        vocab::RDF_TYPE.to_owned(),
        n(format!("{SD}Service")).into(),
    );
    add(&endpoint, format!("{SD}endpoint"), endpoint.clone().into());
    add(
        &endpoint,
        format!("{SD}supportedLanguage"),
        n(format!("{SD}SPARQL11Query")).into(),
    );
    add(
        &endpoint,
        format!("{SD}feature"),
        n(format!("{SD}UnionDefaultGraph")).into(),
    );
    if state.settings.allow_service {
        add(
            &endpoint,
            format!("{SD}feature"),
            n(format!("{SD}BasicFederatedQuery")).into(),
        );
    }
    for name in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "TriG",
        "N-Triples",
        "N-Quads",
        "JSON-LD",
        "RDF_XML",
    ] {
        add(
            &endpoint,
            format!("{SD}resultFormat"),
            n(format!("{FORMATS}{name}")).into(),
        );
    }
    let description = Literal::new_language_tagged_literal_unchecked(
        "A sourced knowledge graph of the French TV series Missions (2017): every fact in the \
         named graph of the article that states it; the default graph is their merge.",
        "en",
    );
    add(
        &endpoint,
        format!("{}comment", vocab::RDFS),
        description.into(),
    );
    let sh = vocab::SH;
    for query in state.catalog.queries.iter() {
        let url = n(state.site.url(&format!("/queries/{}", query.name)));
        add(
            &endpoint,
            format!("{}seeAlso", vocab::RDFS),
            url.clone().into(),
        );
        let form = sparql::prepare(&query.sparql, &query.name).map(|prepared| prepared.form());
        let (class, property) = match form {
            Ok(sparql::Form::Construct | sparql::Form::Describe) => {
                ("SPARQLConstructExecutable", "construct")
            }
            Ok(sparql::Form::Ask) => ("SPARQLAskExecutable", "ask"),
            _ => ("SPARQLSelectExecutable", "select"),
        };
        add(
            &url,
            vocab::RDF_TYPE.to_owned(),
            n(format!("{sh}{class}")).into(),
        );
        add(
            &url,
            format!("{}label", vocab::RDFS),
            Literal::new_simple_literal(&query.title).into(),
        );
        add(
            &url,
            format!("{}comment", vocab::RDFS),
            Literal::new_simple_literal(&query.description).into(),
        );
        add(
            &url,
            format!("{sh}{property}"),
            Literal::new_simple_literal(&query.sparql).into(),
        );
    }
    let mut body = Vec::new();
    match format::write_quads(quads, rdf, &mut body) {
        Ok(()) => respond(Answer {
            content_type: format::content_type(format),
            body,
            volatile: false,
            filename: None,
        }),
        Err(error) => HttpError::from_error(&error, Kind::Internal).into_response(),
    }
}
