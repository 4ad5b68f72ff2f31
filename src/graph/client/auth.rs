//! Logins for endpoints: credentials from the URL or `~/.netrc`
//! (`MISSIONS_KG_NETRC`), Basic and Digest challenges, and URLs shown
//! without their password. Called by [`super::SparqlClient`] and by the
//! commands that check a URL before use.

use crate::guard::error::{one_line, Failure};
use anyhow::Result;
use std::io::Read;

/// What became of a login by the time a server answered `401`.
pub(super) enum LoginState {
    Missing,
    Refused,
    /// Given, but the server's challenge was neither Basic nor Digest (or
    /// it made none), so it was never sent.
    Unasked,
}

/// What an answer other than 2xx says, quoting its first line; a `401`
/// also says what to do about the login.
pub(super) fn refused(status: u16, detail: &str, login: LoginState) -> String {
    let hint = match (status, login) {
        (401, LoginState::Refused) => " (the login was refused)",
        (401, LoginState::Unasked) => {
            " (it asks for a login in a way other than HTTP Basic or Digest, which is all this client speaks)"
        }
        (401, LoginState::Missing) => {
            " (it wants a login: give its host one in a netrc file; push also reads MISSIONS_KG_USER and MISSIONS_KG_PASSWORD)"
        }
        _ => "",
    };
    let separator = if detail.is_empty() { "" } else { ": " };
    format!("answered HTTP {status}{hint}{separator}{detail}")
}

/// A user name and password for a protected server, from the environment
/// or a netrc-style file (never the command line).
#[derive(Clone)]
pub struct Login {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Login {
    /// Never the password, wherever a login is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login {{ user: {:?}, .. }}", self.user)
    }
}

/// How a server asked to be logged in to (a `WWW-Authenticate` header of a
/// `401` answer). Digest keeps the server's nonce and counts its uses.
pub(super) enum Challenge {
    /// It answered without asking for a login.
    None,
    Basic,
    Digest(digest_auth::WwwAuthenticateHeader),
}

impl Challenge {
    /// The strongest challenge among `headers`' `WWW-Authenticate`
    /// values: Digest before Basic; `None` for neither.
    pub(super) fn read(headers: &ureq::http::HeaderMap) -> Option<Self> {
        let values: Vec<&str> = headers
            .get_all(ureq::http::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect();
        let scheme = |value: &str, name: &str| {
            value
                .trim_start()
                .get(..name.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(name))
        };
        let digest = values
            .iter()
            .filter(|value| scheme(value, "digest"))
            .find_map(|value| digest_auth::parse(value).ok());
        match digest {
            Some(prompt) => Some(Self::Digest(prompt)),
            None if values.iter().any(|value| scheme(value, "basic")) => Some(Self::Basic),
            None => None,
        }
    }
}

/// `scheme://host:port` of `url`: the server a challenge holds for.
pub(super) fn origin_of(url: &str) -> String {
    let shown = without_credentials(url);
    let Some((scheme, rest)) = shown.split_once("://") else {
        return shown;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

/// The path and query of `url`, as the request line carries it (what a
/// Digest answer signs).
pub(super) fn request_target(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.find(['/', '?']) {
        Some(at) if rest.as_bytes()[at] == b'/' => rest[at..].to_owned(),
        Some(at) => format!("/{}", &rest[at..]),
        None => "/".to_owned(),
    }
}

/// The `Authorization` value of HTTP Basic for `user` and `password`,
/// sent as they are (RFC 7617: base64 of `user:password`).
pub fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Refuses what `flag`'s URL must not be: not http(s), or with a
/// `#fragment` (a fragment is never sent, so what follows it, such as the
/// Graph Store's `?graph=`, would be lost and the whole store replaced).
pub fn check_url(flag: &str, url: &str) -> Result<(), Failure> {
    let shown = without_credentials(url);
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Failure::usage(format!(
            "invalid {flag} '{}': give an http:// or https:// URL",
            one_line(&shown, 200)
        )));
    }
    if url.contains('#') {
        return Err(Failure::usage(format!(
            "invalid {flag} '{}': a URL with a #fragment (the fragment is never sent)",
            one_line(&shown, 200)
        )));
    }
    Ok(())
}

/// The login and password a netrc-style file gives for `url`'s host
/// (`machine HOST login USER password PASS`, or a `default` entry), from
/// `$MISSIONS_KG_NETRC`, else `~/.netrc`. None when there is no file or no
/// entry: a missing file is not an error. Anything else there must be a
/// regular file, refused in one line otherwise: opening a FIFO waits until
/// something writes to it, for ever, and a device never ends.
pub fn netrc_credentials(url: &str) -> Result<Option<(String, String)>> {
    let Some(path) = std::env::var_os("MISSIONS_KG_NETRC")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(".netrc"))
        })
    else {
        return Ok(None);
    };
    // `exists` reads the metadata only (it never opens), and follows links.
    if !path.exists() {
        return Ok(None);
    }
    let file = crate::guard::input::open_file(&path)?;
    // A credentials file is small; a huge one is not read past its start.
    let mut bytes = Vec::new();
    file.take(1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| crate::guard::input::cannot_read(&path, &e))?;
    let host = host_of(url);
    Ok(netrc_lookup(&String::from_utf8_lossy(&bytes), &host))
}

/// The host of `url` (no port, no brackets around an IPv6 address).
pub(super) fn host_of(url: &str) -> String {
    let shown = without_credentials(url);
    let rest = shown.split_once("://").map_or("", |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or("").to_owned(),
        None => authority.split(':').next().unwrap_or("").to_owned(),
    }
}

/// The entry for `host` in netrc `text` (tokens separated by white space;
/// `machine` entries first, then `default`).
pub(super) fn netrc_lookup(text: &str, host: &str) -> Option<(String, String)> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut found: Option<(String, String)> = None;
    let mut fallback: Option<(String, String)> = None;
    let mut index = 0;
    while index < tokens.len() {
        let (matches, is_default) = match tokens[index] {
            "machine" => {
                index += 1;
                (
                    tokens
                        .get(index)
                        .is_some_and(|name| name.eq_ignore_ascii_case(host)),
                    false,
                )
            }
            "default" => (true, true),
            _ => {
                index += 1;
                continue;
            }
        };
        index += 1;
        let (mut login, mut password) = (None, None);
        while index + 1 < tokens.len() && !matches!(tokens[index], "machine" | "default") {
            match tokens[index] {
                "login" => login = Some(tokens[index + 1].to_owned()),
                "password" => password = Some(tokens[index + 1].to_owned()),
                _ => {}
            }
            index += 2;
        }
        if let (true, Some(login), Some(password)) = (matches, login, password) {
            if is_default {
                fallback.get_or_insert((login, password));
            } else {
                found.get_or_insert((login, password));
            }
        }
    }
    found.or(fallback)
}

/// Whether `url` carries `user:password@` (refused where credentials
/// must not be on the command line).
pub fn has_credentials(url: &str) -> bool {
    without_credentials(url) != url
}

/// `url` without the `user:password@` of its authority.
pub(super) fn without_credentials(url: &str) -> String {
    // The scheme, then however many slashes (or backslashes, which some
    // clients read as slashes: `http:/u:pw@host` is still a login), then
    // the authority, whose login ends at its last `@`.
    let Some(colon) = url.find(':') else {
        return url.to_owned();
    };
    let is_scheme = colon > 0
        && url[..colon]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return url.to_owned();
    }
    let (scheme, rest) = url.split_at(colon + 1);
    let after_slashes = rest.trim_start_matches(['/', '\\']);
    let slashes = &rest[..rest.len() - after_slashes.len()];
    let authority_end = after_slashes
        .find(['/', '\\', '?', '#'])
        .unwrap_or(after_slashes.len());
    match after_slashes[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}{slashes}{}", &after_slashes[at + 1..]),
        None => url.to_owned(),
    }
}
