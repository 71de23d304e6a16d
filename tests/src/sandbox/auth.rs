//! `X-API-TOKEN` → who is calling, and what that caller may see.

use axum::http::HeaderMap;

use super::error::ApiError;
use super::seed::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_ID, OTHER_SOURCE_TOKEN, SOURCE_ID, SOURCE_TOKEN,
};

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

/// The raw token value, used as the rate-limit key ("" when the header is missing).
pub(crate) fn token_key(headers: &HeaderMap) -> String {
    headers
        .get(TOKEN_HEADER)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Resolves the token to a caller; missing or unknown → 401.
pub(crate) fn authenticate(headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(TOKEN_HEADER) else {
        return Err(ApiError::unauthorized("missing X-API-TOKEN header"));
    };
    match value.to_str().unwrap_or_default() {
        ACCOUNT_TOKEN => Ok(Caller::Account),
        SOURCE_TOKEN => Ok(Caller::Source(SOURCE_ID)),
        OTHER_SOURCE_TOKEN => Ok(Caller::Source(OTHER_SOURCE_ID)),
        CHANNEL_TOKEN => Ok(Caller::Channel),
        _ => Err(ApiError::unauthorized("unknown X-API-TOKEN")),
    }
}
