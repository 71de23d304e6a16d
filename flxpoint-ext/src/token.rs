//! The API token: a secret that never reaches `Debug`, `Display`, logs or errors.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A Flxpoint API token (sent as the `X-API-TOKEN` header).
///
/// `Debug` prints `ApiToken(***)`; the value is only read when a request is sent, and the header
/// it goes into is marked sensitive.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    /// Wraps a token string.
    pub fn new(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// Its length in bytes (for sizing buffers; never its content).
    pub(crate) fn len(&self) -> usize {
        self.0.expose_secret().len()
    }

    /// Checks the token's form: visible ASCII (`!`..=`~`), nothing else, not even surrounding
    /// spaces. The error names the rule, never the value.
    pub(crate) fn check(&self) -> Result<(), crate::Error> {
        let token = self.0.expose_secret();
        let rule = if token.is_empty() {
            "must not be empty"
        } else if token.trim() != token {
            "must not start or end with whitespace"
        } else if !token.bytes().all(|b| b.is_ascii_graphic()) {
            "must be visible ASCII only (no spaces, tabs, control or non-ASCII characters)"
        } else {
            return Ok(());
        };
        Err(crate::Error::validation("X-API-TOKEN", rule))
    }

    /// The header value, marked sensitive so `http`'s own `Debug` hides it too.
    pub(crate) fn header_value(&self) -> Result<reqwest::header::HeaderValue, crate::Error> {
        self.check()?;
        let mut value = reqwest::header::HeaderValue::from_str(self.0.expose_secret())
            .map_err(|_| crate::Error::validation("X-API-TOKEN", "must be visible ASCII"))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// A fingerprint of the token for keying its rate-limit bucket: a keyed hash (random key per
    /// process), so the key neither holds nor reveals the token.
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::BuildHasher;
        static KEY: std::sync::LazyLock<std::collections::hash_map::RandomState> =
            std::sync::LazyLock::new(Default::default);
        KEY.hash_one(self.0.expose_secret())
    }

    /// A stable fingerprint of the token on one server, for naming its shared rate-limit keys
    /// in Redis: the first 128 bits of SHA-256 over a fixed domain-separation prefix, the origin
    /// and the token, in hex. The same in every process and on every machine (unlike
    /// [`ApiToken::fingerprint`]), it neither holds nor reveals the token.
    #[cfg(feature = "redis")]
    pub(crate) fn stable_fingerprint(&self, origin: &str) -> String {
        self.keyed_hash(b"flxpoint-rs shared rate limit v1\0", origin)
    }

    /// The fingerprint a bulk-import journal records of each token it sent with (so that a
    /// journal resumed with another token is refused); the same construction as
    /// [`ApiToken::stable_fingerprint`] under its own domain, so the two never coincide.
    #[cfg(feature = "import")]
    pub(crate) fn journal_fingerprint(&self, origin: &str) -> String {
        self.keyed_hash(b"flxpoint-rs import journal v1\0", origin)
    }

    #[cfg(any(feature = "redis", feature = "import"))]
    fn keyed_hash(&self, domain: &[u8], origin: &str) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        hash.update(domain);
        // Length-prefixed, so that no (origin, token) pair can collide with another by moving
        // the boundary between them.
        hash.update((origin.len() as u64).to_be_bytes());
        hash.update(origin.as_bytes());
        hash.update(self.0.expose_secret().as_bytes());
        hash.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `text` with every occurrence of the token (as sent, and as a JSON string would escape
    /// it) replaced by `***`: a server may echo the token in a body the client keeps.
    pub(crate) fn redact(&self, text: &str) -> String {
        let token = self.0.expose_secret();
        if token.is_empty() {
            return text.to_owned();
        }
        let mut out = text.replace(token, "***");
        let quoted = serde_json::to_string(token).unwrap_or_default();
        // Exactly the surrounding quotes: a token ending in `"` escapes to `...\"`, whose last
        // quote belongs to the token.
        let escaped = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(token);
        // Never empty: the escaped form of a non-empty token is not.
        if escaped != token {
            out = out.replace(escaped, "***");
        }
        out
    }

    /// Redacts the token from every header value that echoes it (raw or JSON-escaped): the
    /// headers are kept in errors and responses, which are printed.
    pub(crate) fn redact_headers(&self, headers: &mut reqwest::header::HeaderMap) {
        let token = self.0.expose_secret();
        if token.is_empty() {
            return;
        }
        // A visible-ASCII token's JSON form differs only where it holds `"` or `\`.
        let escaped = token.contains(['"', '\\']);
        for value in headers.values_mut() {
            // Neither the token nor its JSON-escaped form fits in a shorter value (most are).
            if value.len() < token.len() {
                continue;
            }
            let text = String::from_utf8_lossy(value.as_bytes());
            let echoed = text.contains(token) || (escaped && self.redact(&text) != text);
            if !echoed {
                continue;
            }
            *value = reqwest::header::HeaderValue::from_str(&self.redact(&text))
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("***"));
        }
    }

    /// The longest prefix of the token (at least 4 characters) that `text` ends with, in bytes:
    /// a kept snippet cut in the middle of an echoed token must not keep its first half.
    pub(crate) fn trailing_prefix_len(&self, text: &str) -> usize {
        let token = self.0.expose_secret();
        (4..token.len().min(text.len() + 1))
            .rev()
            .find(|&n| token.is_char_boundary(n) && text.ends_with(&token[..n]))
            .unwrap_or(0)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

impl From<&str> for ApiToken {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for ApiToken {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

/// Which kind of token this is, when the caller declares it. The pages give rules per kind
/// (an ACCOUNT token needs `sourceId` with a purchase-order number; a SOURCE token must not
/// name another source; only source and account tokens may create shipments), so a declared
/// kind lets the client refuse those requests before sending them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// An account token: acts on every source of the account.
    Account,
    /// A source token, bound to one source.
    Source {
        /// The ID of the token's source.
        source_id: i64,
    },
    /// A channel token.
    Channel,
}

#[cfg(test)]
mod tests {
    use super::ApiToken;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[cfg(feature = "redis")]
    const ORIGIN: &str = "https://api.flxpoint.com";

    #[test]
    fn debug_prints_the_placeholder_only() {
        assert_eq!(format!("{:?}", ApiToken::new("secret-token")), "ApiToken(***)");
    }

    #[test]
    fn a_header_echoing_the_token_plain_or_json_escaped_is_redacted() {
        let token = ApiToken::new(r#"ab"c\d"#);
        let mut headers = HeaderMap::new();
        headers.insert("x-plain", HeaderValue::from_static(r#"got ab"c\d here"#));
        // The JSON-escaped form only: the raw token is not in it.
        headers.insert("x-escaped", HeaderValue::from_static(r#"{"token":"ab\"c\\d"}"#));
        headers.insert("x-other", HeaderValue::from_static("unrelated"));
        token.redact_headers(&mut headers);
        assert_eq!(headers["x-plain"], "got *** here");
        assert_eq!(headers["x-escaped"], r#"{"token":"***"}"#);
        assert_eq!(headers["x-other"], "unrelated");
    }

    #[test]
    fn a_text_that_is_a_whole_prefix_of_the_token_is_counted() {
        let token = ApiToken::new("abcdefgh");
        // The text is exactly the token's first 5 bytes: the longest prefix may be all of it.
        assert_eq!(token.trailing_prefix_len("abcde"), 5);
        assert_eq!(token.trailing_prefix_len("xx abcde"), 5);
        assert_eq!(token.trailing_prefix_len("abc"), 0, "under 4 bytes is not a prefix");
        assert_eq!(token.trailing_prefix_len("abcdefgh"), 0, "the whole token is redacted before");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn the_stable_fingerprint_is_the_same_in_every_process_and_release() {
        // A fixed vector: workers built from different releases must meet on the same key.
        let fp = ApiToken::new("account-token-123").stable_fingerprint(ORIGIN);
        assert_eq!(fp, ApiToken::new("account-token-123").stable_fingerprint(ORIGIN));
        assert_eq!(fp, "0af31ff032f97f326127dc06c239a3d8");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn the_stable_fingerprint_is_not_the_token_and_differs_per_token_and_server() {
        let token = "abcdef0123456789abcdef0123456789";
        let fp = ApiToken::new(token).stable_fingerprint(ORIGIN);
        assert_eq!(fp.len(), 32);
        assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!fp.contains(token) && !token.contains(&fp));
        assert!(!fp.contains(&token[..8]), "no piece of the token");
        assert_ne!(
            fp,
            ApiToken::new("abcdef0123456789abcdef012345678a").stable_fingerprint(ORIGIN)
        );
        assert_ne!(fp, ApiToken::new(token).stable_fingerprint("http://127.0.0.1:4010"));
        // The boundary between origin and token cannot be moved.
        assert_ne!(
            ApiToken::new("bc").stable_fingerprint("a"),
            ApiToken::new("c").stable_fingerprint("ab")
        );
    }
}
