//! The site's own files, compiled into the binary: the style sheet, the
//! editor (YASQE, vendored) and its glue, the results tables' sorting and
//! filtering, the icon; gzipped when the client
//! accepts it.

use super::http::HttpError;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

pub(super) const SITE_CSS: &str = include_str!("site.css");

/// The vendored editor (see `vendor/README.md`); its version is in its
/// URLs, so browsers may keep it for a year.
pub(super) const YASQE_VERSION: &str = "4.6.2";

pub(super) const YASQE_JS: &[u8] = include_bytes!("vendor/yasqe-4.6.2.min.js");

pub(super) const YASQE_CSS: &[u8] = include_bytes!("vendor/yasqe-4.6.2.min.css");

pub(super) const EDITOR_JS: &str = include_str!("editor.js");

/// Sorting and filtering of results tables (`results.js`).
pub(super) const RESULTS_JS: &str = include_str!("results.js");

/// The editor's script compressed once, when first asked for: 536 KB
/// raw, 136 KB gzipped. Compressing it per request would cost more than
/// any query.
pub(super) static YASQE_JS_GZIP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// A planet and its orbit: the series is about a mission to Mars.
pub(super) const ICON_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\"><circle cx=\"16\" cy=\"16\" r=\"9\" fill=\"#c1440e\"/><ellipse cx=\"16\" cy=\"16\" rx=\"15\" ry=\"5\" fill=\"none\" stroke=\"#2455a4\" stroke-width=\"2\"/></svg>";

/// `GET /assets/NAME`: the style sheet, the icon, and the query page's
/// editor.
pub async fn asset(super::Segment(name): super::Segment, headers: HeaderMap) -> Response {
    const YEAR: &str = "public, max-age=31536000, immutable";
    match name.as_str() {
        _ if name == format!("yasqe-{YASQE_VERSION}.min.js") => {
            let kind = (header::CONTENT_TYPE, "text/javascript; charset=utf-8");
            let vary = (header::VARY, "Accept-Encoding");
            if accepts_gzip(&headers) {
                let body = YASQE_JS_GZIP.get_or_init(|| gzip(YASQE_JS)).clone();
                let encoding = (header::CONTENT_ENCODING, "gzip");
                ([kind, (header::CACHE_CONTROL, YEAR), vary, encoding], body).into_response()
            } else {
                ([kind, (header::CACHE_CONTROL, YEAR), vary], YASQE_JS).into_response()
            }
        }
        _ if name == format!("yasqe-{YASQE_VERSION}.min.css") => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, YEAR),
            ],
            YASQE_CSS,
        )
            .into_response(),
        "editor.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            EDITOR_JS,
        )
            .into_response(),
        "results.js" => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            RESULTS_JS,
        )
            .into_response(),
        "site.css" => (
            [
                (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            SITE_CSS,
        )
            .into_response(),
        "icon.svg" => (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            ICON_SVG,
        )
            .into_response(),
        _ => HttpError::not_found("no such asset").into_response(),
    }
}

/// Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): its own
/// entry decides when there is one, else `*`; q=0 refuses; names and the
/// `q` parameter in any case.
pub(super) fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for range in headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
    {
        let mut parts = range.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok());
        let allowed = q.is_some_and(|q| q > 0.0);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(gzip.unwrap_or(true) && allowed);
        } else if coding == "*" {
            any = Some(any.unwrap_or(true) && allowed);
        }
    }
    gzip.or(any).unwrap_or(false)
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
