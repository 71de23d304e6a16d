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

    /// The header value, marked sensitive so `http`'s own `Debug` hides it too.
    pub(crate) fn header_value(&self) -> Result<reqwest::header::HeaderValue, crate::Error> {
        let mut value = reqwest::header::HeaderValue::from_str(self.0.expose_secret())
            .map_err(|_| crate::Error::validation("X-API-TOKEN", "must be visible ASCII"))?;
        value.set_sensitive(true);
        Ok(value)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.expose_secret().trim().is_empty()
    }

    /// A stable key for this token's rate-limit bucket that does not reveal the token.
    pub(crate) fn bucket_key(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.0.expose_secret().hash(&mut h);
        h.finish()
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
