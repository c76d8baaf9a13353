//! Hiding credentials in node URLs. RPC URLs carry API keys in the user-info, in the path
//! (`/v2/<key>`) or in the query (`?apikey=…`); every place gasguard shows a URL shows it through
//! [`redact_url`].

/// Query parameter names whose values are secrets.
const SECRET_PARAMS: &[&str] = &[
    "key",
    "apikey",
    "api_key",
    "api-key",
    "token",
    "access_token",
    "auth",
    "secret",
    "password",
    "pass",
    "jwt",
];

/// `url` with credentials replaced by `***`. Anything that does not parse as a URL is hidden
/// entirely, since it cannot be told apart safely.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    let (authority, path_and_query) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (path_and_query, None),
    };
    let path = path.split('#').next().unwrap_or_default();
    let path: Vec<String> = path
        .split('/')
        .map(|segment| if looks_like_key(segment) { "***".into() } else { segment.to_owned() })
        .collect();
    let mut out = format!("{scheme}://{host}{}", path.join("/"));
    if let Some(query) = query {
        let query = query.split('#').next().unwrap_or_default();
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, value))
                    if SECRET_PARAMS.contains(&name.to_ascii_lowercase().as_str())
                        || looks_like_key(value) =>
                {
                    format!("{name}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// How a URL template from a config (`https://node.example/v2/${API_KEY}`) is shown: every
/// `${NAME}` part is hidden whatever its value looks like, and the rest goes through
/// [`redact_url`]. It does not depend on the environment, so a report or a cache that records it
/// is the same whether the secret was set or not.
pub fn redact_template(template: &str) -> String {
    let mut masked = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        masked.push_str(&rest[..start]);
        masked.push_str("***");
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => rest = "",
        }
    }
    masked.push_str(rest);
    redact_url(&masked)
}

/// A path segment or value that looks like an API key: long, and mixing digits with letters
/// (or all hex).
fn looks_like_key(segment: &str) -> bool {
    let long = segment.len() >= 16;
    let plain = segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let digits = segment.chars().any(|c| c.is_ascii_digit());
    let letters = segment.chars().any(|c| c.is_ascii_alphabetic());
    long && plain && digits && letters
}

/// Expands `${NAME}` from the environment. A missing variable is an error naming it (never its
/// neighbours' values).
pub fn expand_env(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| "unclosed `${` in a URL".to_owned())?;
        let name = &after[..end];
        let value = env(name).ok_or_else(|| format!("environment variable `{name}` is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The parts of a node URL that [`redact_url`] hides, so that they can be taken out of any text
/// that quotes the URL (reqwest's errors do, in yet another spelling: without the user-info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlSecrets {
    /// Whole spellings of the URL, longest first.
    urls: Vec<String>,
    /// User, password, and path segments and query values that look like keys, longest first.
    parts: Vec<String>,
}

impl UrlSecrets {
    /// Parts shorter than this are not replaced on their own: they would garble the message,
    /// and the whole-URL replacement has already taken them out of the quoted URL.
    const MIN_PART_CHARS: usize = 3;

    pub fn of(raw: &str, parsed: &reqwest::Url) -> Self {
        let mut without_user = parsed.clone();
        let _ = without_user.set_username("");
        let _ = without_user.set_password(None);
        let mut urls = vec![raw.to_owned(), parsed.as_str().to_owned(), without_user.as_str().to_owned()];
        urls.sort_by_key(|url| std::cmp::Reverse(url.len()));
        urls.dedup();

        let mut parts = vec![parsed.username().to_owned()];
        parts.extend(parsed.password().map(str::to_owned));
        // `redact_url` decides what is secret in the path and the query; compare piece by piece.
        let shown = redact_url(parsed.as_str());
        let pieces = |url: &str| -> Vec<String> {
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            let rest = rest.split_once('/').map_or("", |(_, rest)| rest);
            rest.split(['/', '?', '&', '=', '#']).map(str::to_owned).collect()
        };
        for (raw_piece, shown_piece) in pieces(parsed.as_str()).into_iter().zip(pieces(&shown)) {
            if shown_piece == "***" && raw_piece != "***" {
                parts.push(raw_piece);
            }
        }
        parts.retain(|part| part.chars().count() >= Self::MIN_PART_CHARS);
        parts.sort_by_key(|part| std::cmp::Reverse(part.len()));
        parts.dedup();
        Self { urls, parts }
    }

    /// `text` with every spelling of the URL replaced by `shown`, then every secret part by `***`.
    pub fn scrub(&self, text: &str, shown: &str) -> String {
        let mut text = text.to_owned();
        for url in &self.urls {
            text = text.replace(url.as_str(), shown);
        }
        for part in &self.parts {
            text = text.replace(part.as_str(), "***");
        }
        text
    }
}

impl UrlSecrets {
    /// The secret parts of `url` (user-info, key-like path segments and query values), for
    /// `::add-mask::`. Nothing for a URL that does not parse (it is never shown either).
    pub fn parts_of(url: &str) -> Vec<String> {
        url.parse::<reqwest::Url>().map(|parsed| Self::of(url, &parsed).parts).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_keys_in_path_query_and_userinfo() {
        assert_eq!(
            redact_url("https://eth-mainnet.g.alchemy.com/v2/Xy7abcDEF1234567890ghij"),
            "https://eth-mainnet.g.alchemy.com/v2/***"
        );
        assert_eq!(
            redact_url("https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef"),
            "https://mainnet.infura.io/v3/***"
        );
        assert_eq!(redact_url("https://user:hunter2@node.example/rpc"), "https://***@node.example/rpc");
        assert_eq!(
            redact_url("https://node.example/rpc?apikey=abc&chain=1"),
            "https://node.example/rpc?apikey=***&chain=1"
        );
        assert_eq!(redact_url("https://dream-rpc.somnia.network"), "https://dream-rpc.somnia.network");
        assert_eq!(redact_url("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
        assert_eq!(redact_url("not a url with secret"), "***");
    }

    #[test]
    fn templates_hide_what_comes_from_the_environment() {
        assert_eq!(redact_template("https://x.example/v2/${KEY}"), "https://x.example/v2/***");
        assert_eq!(
            redact_template("https://x.example/rpc?apikey=${K}&x=1"),
            "https://x.example/rpc?apikey=***&x=1"
        );
        // A short value would not look like a key to `redact_url`; from the environment, it is hidden anyway.
        assert_eq!(redact_template("https://x.example/${SHORT}/rpc"), "https://x.example/***/rpc");
        assert_eq!(redact_template("${RPC_URL}"), "***");
        assert_eq!(redact_template("http://127.0.0.1:8545"), "http://127.0.0.1:8545");
        assert_eq!(
            redact_template("https://x.example/v2/Xy7abcDEF1234567890ghij"),
            "https://x.example/v2/***"
        );
    }

    #[test]
    fn expands_environment_variables() {
        let env = |name: &str| (name == "KEY").then(|| "s3cr3t".to_owned());
        assert_eq!(expand_env("https://x/v2/${KEY}", env).unwrap(), "https://x/v2/s3cr3t");
        assert_eq!(
            expand_env("https://x/${MISSING}", env).unwrap_err(),
            "environment variable `MISSING` is not set"
        );
    }

    fn secrets(url: &str) -> UrlSecrets {
        UrlSecrets::of(url, &url.parse().unwrap())
    }

    #[test]
    fn every_spelling_and_every_secret_part_is_scrubbed() {
        let url = "http://user:hunter2@127.0.0.1:8545/rpc/Xy7abcDEF1234567890ghij?apikey=s3cr3tvalue&chain=1";
        let secrets = secrets(url);
        let shown = redact_url(url);
        assert_eq!(shown, "http://***@127.0.0.1:8545/rpc/***?apikey=***&chain=1");
        // reqwest quotes the URL without its user-info; it is shown as the redacted URL.
        let message = "error sending request for url (http://127.0.0.1:8545/rpc/Xy7abcDEF1234567890ghij?apikey=s3cr3tvalue&chain=1): connection refused";
        assert_eq!(
            secrets.scrub(message, &shown),
            "error sending request for url (http://***@127.0.0.1:8545/rpc/***?apikey=***&chain=1): connection refused"
        );
        assert_eq!(secrets.scrub(&format!("failed: {url}"), &shown), format!("failed: {shown}"));
        // A part quoted on its own.
        assert_eq!(secrets.scrub("bad password hunter2", &shown), "bad password ***");
        // What `::add-mask::` is given: every secret part, longest first.
        assert_eq!(UrlSecrets::parts_of(url), ["Xy7abcDEF1234567890ghij", "s3cr3tvalue", "hunter2", "user"]);
    }

    #[test]
    fn a_url_without_secrets_is_left_alone() {
        let url = "https://dream-rpc.somnia.network";
        let secrets = secrets(url);
        assert!(secrets.parts.is_empty(), "{secrets:?}");
        assert!(UrlSecrets::parts_of(url).is_empty());
        let message = "error sending request for url (https://dream-rpc.somnia.network/): timed out";
        assert_eq!(
            secrets.scrub(message, url),
            "error sending request for url (https://dream-rpc.somnia.network): timed out"
        );
    }
}
