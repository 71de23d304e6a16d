//! `X-API-TOKEN` → who is calling, and what that caller may see.

use std::collections::HashMap;

use axum::http::HeaderMap;

use super::error::ApiError;
use super::seed::{Token, TokenKind};

/// The header every API route needs.
pub(crate) const TOKEN_HEADER: &str = "x-api-token";

/// The kind of token a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// Account token: acts on everything.
    Account,
    /// Source token: acts only on fulfillment requests (and their shipments) of this source.
    Source(i64),
    /// Channel token: everything except creating shipments.
    Channel,
}

impl Caller {
    /// Whether this caller may see data of `source_id`; invisible data answers 404 as if absent.
    pub(crate) fn sees_source(self, source_id: i64) -> bool {
        match self {
            Caller::Source(own) => own == source_id,
            Caller::Account | Caller::Channel => true,
        }
    }
}

/// The seed's tokens by value, with their labels (fixed for the sandbox's life: a reset keeps
/// them).
pub(crate) struct Tokens(HashMap<String, (Caller, Option<String>)>);

impl Tokens {
    /// The table of a checked seed's tokens (a source token without a source is skipped).
    pub(crate) fn new(tokens: &[Token]) -> Tokens {
        let caller = |token: &Token| match (token.kind, token.source_id) {
            (TokenKind::Account, _) => Some(Caller::Account),
            (TokenKind::Channel, _) => Some(Caller::Channel),
            (TokenKind::Source, source) => source.map(Caller::Source),
        };
        Tokens(
            tokens
                .iter()
                .filter_map(|token| {
                    Some((token.value.clone(), (caller(token)?, token.label.clone())))
                })
                .collect(),
        )
    }

    /// The caller and the seed's label (if it gave one) of a token value.
    pub(crate) fn get(&self, value: &str) -> Option<(Caller, Option<&str>)> {
        self.0.get(value).map(|(caller, label)| (*caller, label.as_deref()))
    }
}

/// The raw token value, used as the rate-limit key ("" when the header is missing).
pub(crate) fn token_key(headers: &HeaderMap) -> String {
    headers
        .get(TOKEN_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Resolves the token to a caller; missing or unknown → 401.
pub(crate) fn authenticate(tokens: &Tokens, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(TOKEN_HEADER) else {
        return Err(ApiError::unauthorized("missing X-API-TOKEN header"));
    };
    let value = value.to_str().unwrap_or_default();
    // An empty header matches no token: a checked seed has no empty value.
    tokens
        .get(value)
        .map(|(caller, _)| caller)
        .ok_or_else(|| ApiError::unauthorized("unknown X-API-TOKEN"))
}
