//! The page's language: English or French, from `?lang=`, else the
//! browser's `Accept-Language`, else the server's default; and
//! [`PageRequest`], the extractor every page starts from.

use super::http::{pairs, HttpError};
use super::Shared;
use axum::http::{header, HeaderMap};

/// The languages of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    pub(super) fn other(self) -> Self {
        match self {
            Self::En => Self::Fr,
            Self::Fr => Self::En,
        }
    }

    /// The server's `--lang` (English when not given).
    pub fn default_of(state: &super::AppState) -> Self {
        match state.settings.lang.as_deref() {
            Some("fr") => Self::Fr,
            _ => Self::En,
        }
    }

    /// `?lang=` first, then the first of English or French the browser
    /// accepts (by q-value), else `fallback` (the server's `--lang`).
    pub fn of(params: &[(String, String)], headers: &HeaderMap, fallback: Self) -> Self {
        // The switch names fr or en (any case, any region); another value
        // is no choice, and the next rule decides.
        let named = |tag: &str| {
            let tag = tag.trim().to_ascii_lowercase();
            if tag == "fr" || tag.starts_with("fr-") {
                Some(Self::Fr)
            } else if tag == "en" || tag.starts_with("en-") {
                Some(Self::En)
            } else {
                None
            }
        };
        if let Some(lang) = params
            .iter()
            .filter(|(name, _)| name == "lang")
            .find_map(|(_, value)| named(value))
        {
            return lang;
        }
        let accepted = super::http::joined(headers, header::ACCEPT_LANGUAGE).unwrap_or_default();
        let mut best: Option<(f32, Self)> = None;
        for range in accepted.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            // A q-value that is not a number from 0 to 1 drops the range,
            // as in `Accept` (format::negotiate).
            let q = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
                None => 1.0,
                Some(q) => match q.trim().parse::<f32>() {
                    Ok(q) if (0.0..=1.0).contains(&q) => q,
                    _ => continue,
                },
            };
            let Some(lang) = named(&tag) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map_or(fallback, |(_, lang)| lang)
    }

    /// The text in this language.
    pub(super) fn t(self, en: &'static str, fr: &'static str) -> &'static str {
        match self {
            Self::En => en,
            Self::Fr => fr,
        }
    }
}

/// What every page reads from its request: the query string's pairs
/// (strict UTF-8, else 400) and the page's language.
pub struct PageRequest {
    pub params: Vec<(String, String)>,
    pub lang: Lang,
}

impl PageRequest {
    /// The value of the parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
    }
}

impl axum::extract::FromRequestParts<Shared> for PageRequest {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Shared,
    ) -> Result<Self, HttpError> {
        let params = pairs(parts.uri.query().map(str::as_bytes))?;
        let lang = Lang::of(&params, &parts.headers, Lang::default_of(state));
        Ok(Self { params, lang })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, HeaderMap};

    #[test]
    fn the_language_comes_from_the_switch_then_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            "de-DE, fr;q=0.8, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of(&[], &headers, Lang::En), Lang::Fr);
        let switch = [("lang".to_owned(), "en".to_owned())];
        assert_eq!(Lang::of(&switch, &headers, Lang::En), Lang::En);
        assert_eq!(Lang::of(&[], &HeaderMap::new(), Lang::En), Lang::En);
        assert_eq!(Lang::of(&[], &HeaderMap::new(), Lang::Fr), Lang::Fr);
        // An unknown switch value is no choice: the browser's language
        // decides, then the server's.
        let unknown = vec![("lang".to_owned(), "xx".to_owned())];
        assert_eq!(Lang::of(&unknown, &headers, Lang::En), Lang::Fr);
        assert_eq!(Lang::of(&unknown, &HeaderMap::new(), Lang::Fr), Lang::Fr);
        let upper = vec![("lang".to_owned(), "FR-ca".to_owned())];
        assert_eq!(Lang::of(&upper, &HeaderMap::new(), Lang::En), Lang::Fr);
        // A q-value that is not a number drops its range.
        let mut odd = HeaderMap::new();
        odd.insert(
            header::ACCEPT_LANGUAGE,
            "fr;q=abc, en;q=0.5".parse().unwrap(),
        );
        assert_eq!(Lang::of(&[], &odd, Lang::En), Lang::En);
    }
}
