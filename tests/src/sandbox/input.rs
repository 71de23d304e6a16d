//! Reading request parts without axum's own rejections (415/422): every bad input is a 400
//! with a message naming what was wrong.

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde_json::Value;

use super::error::ApiError;

/// The body as JSON; requires a JSON `Content-Type` (`application/json` or `*/*+json`).
pub(crate) fn json_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Value, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let Some(content_type) = content_type else {
        return Err(ApiError::bad_request("Content-Type must be application/json (missing)"));
    };
    if !is_json(content_type) {
        return Err(ApiError::bad_request(format!(
            "Content-Type must be application/json, got {content_type:?}"
        )));
    }
    // Decision: an unreadable or oversized body is a bad request too (never 413/5xx).
    let bytes = body.map_err(|err| ApiError::bad_request(format!("unreadable body: {err}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|err| ApiError::bad_request(format!("body is not valid JSON: {err}")))
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.split_once('/').is_some_and(|(_, subtype)| subtype.ends_with("+json"))
}

/// The `{fulfillmentRequestId}` path segment as an integer.
pub(crate) fn path_id(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(raw) = path.map_err(|err| ApiError::bad_request(format!("bad path: {err}")))?;
    raw.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "path parameter fulfillmentRequestId must be an integer, got {raw:?}"
        ))
    })
}

/// The query string as (name, value) pairs, in order, repeats kept.
pub(crate) fn query_pairs(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Vec<(String, String)>, ApiError> {
    query
        .map(|Query(pairs)| pairs)
        .map_err(|err| ApiError::bad_request(format!("bad query string: {err}")))
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json(""));
    }
}
