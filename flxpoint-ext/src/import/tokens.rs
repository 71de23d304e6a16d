//! Which client (token) acts on which row.

use crate::Client;
use std::collections::BTreeMap;
use std::fmt;

/// Names a configured token without holding it: the account token, or a source's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum TokenLabel {
    /// The account token.
    Account,
    /// The token of this source.
    Source(i64),
}

impl fmt::Display for TokenLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account => f.write_str("account token"),
            Self::Source(id) => write!(f, "token of source {id}"),
        }
    }
}

impl TokenLabel {
    /// How the journal stores it (never the token itself).
    pub(crate) fn key(self) -> String {
        match self {
            Self::Account => "account".to_owned(),
            Self::Source(id) => format!("source:{id}"),
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Self> {
        match key {
            "account" => Some(Self::Account),
            other => other.strip_prefix("source:")?.parse().ok().map(Self::Source),
        }
    }
}

/// The clients an import may use: the account's and/or one per source.
///
/// Each [`Client`] has its own rate-limit bucket (2 requests/second per token by default), so
/// `k` tokens send up to `k × 2` requests per second; the runner keeps one lane per token. Make
/// the source clients with [`Client::with_token`] to share the account client's connections
/// and settings, and declare their [`crate::TokenKind`] so the client checks the page's
/// per-kind rules before sending.
///
/// ```no_run
/// use flxpoint_ext::{Client, TokenKind};
/// use flxpoint_ext::import::TokenRouter;
/// # fn demo() -> Result<(), flxpoint_ext::Error> {
/// let account = Client::builder("account-token").token_kind(TokenKind::Account).build()?;
/// let source_100 = account.with_token("source-100-token", Some(TokenKind::Source { source_id: 100 }))?;
/// let router = TokenRouter::new().account(account).source(100, source_100);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default)]
pub struct TokenRouter {
    account: Option<Client>,
    sources: BTreeMap<i64, Client>,
}

impl TokenRouter {
    /// No tokens yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The account token's client: acts on every source.
    pub fn account(mut self, client: Client) -> Self {
        self.account = Some(client);
        self
    }

    /// The client of `source_id`'s token: rows with this `sourceId` go with it.
    pub fn source(mut self, source_id: i64, client: Client) -> Self {
        self.sources.insert(source_id, client);
        self
    }

    /// The client a token label names, if configured.
    pub fn client(&self, label: TokenLabel) -> Option<&Client> {
        match label {
            TokenLabel::Account => self.account.as_ref(),
            TokenLabel::Source(id) => self.sources.get(&id),
        }
    }

    /// The token for a row with this `sourceId` (or none): that source's token if configured,
    /// else the account token; without `sourceId`, the account token, or the only source token
    /// when there is no account token. `None`: no configured token can act on the row.
    pub fn route(&self, source_id: Option<i64>) -> Option<(TokenLabel, &Client)> {
        if let Some(client) = source_id.and_then(|id| self.sources.get(&id)) {
            return Some((TokenLabel::Source(source_id?), client));
        }
        if let Some(client) = &self.account {
            return Some((TokenLabel::Account, client));
        }
        match (source_id, self.sources.len()) {
            (None, 1) => self.sources.iter().next().map(|(id, c)| (TokenLabel::Source(*id), c)),
            _ => None,
        }
    }

    /// The token for work that names no source (flagging): [`TokenRouter::route`] of `None`.
    pub fn default_token(&self) -> Option<(TokenLabel, &Client)> {
        self.route(None)
    }

    /// The configured tokens, by label.
    pub fn labels(&self) -> impl Iterator<Item = TokenLabel> + '_ {
        self.account
            .iter()
            .map(|_| TokenLabel::Account)
            .chain(self.sources.keys().map(|id| TokenLabel::Source(*id)))
    }
}
