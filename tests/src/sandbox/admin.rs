//! `/_sandbox/*`: state dump, reset, fault injection and the request journal (no auth, no rate
//! limit, not counted, not journaled).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::Value;

use super::app::App;
use super::error::ApiError;
use super::faults::Fault;
use super::input;
use super::journal_filter::Filter;

/// `GET /_sandbox/state`: every record, the counters and the pending faults.
pub(crate) async fn state(State(app): State<Arc<App>>) -> Json<Value> {
    Json(app.dump())
}

/// `POST /_sandbox/reset`: back to the seed; 204.
pub(crate) async fn reset(State(app): State<Arc<App>>) -> StatusCode {
    app.reset();
    StatusCode::NO_CONTENT
}

/// `POST /_sandbox/faults`: one fault object or an array of them, queued in order; 204.
pub(crate) async fn add_faults(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = input::json_body(&headers, body)?;
    let faults: Vec<Fault> = match body {
        Value::Array(_) => serde_json::from_value(body),
        single => serde_json::from_value(single).map(|fault| vec![fault]),
    }
    .map_err(|err| ApiError::bad_request(format!("not a fault: {err}")))?;
    for fault in &faults {
        fault.validate().map_err(ApiError::bad_request)?;
    }
    for fault in faults {
        app.inject(fault).map_err(ApiError::bad_request)?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /_sandbox/faults`: drops every pending fault; 204.
pub(crate) async fn clear_faults(State(app): State<Arc<App>>) -> StatusCode {
    app.faults().clear();
    StatusCode::NO_CONTENT
}

/// `GET /_sandbox/requests?path=&status=&since=&limit=`: the journal, oldest first.
// Decision: oldest first (like a log and like `since`); the console reverses it.
pub(crate) async fn requests(
    State(app): State<Arc<App>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let filter = Filter::parse(&input::query_pairs(query)?)?;
    Ok(Json(app.journal().dump(&filter)))
}

/// `DELETE /_sandbox/requests`: empties the journal; 204.
pub(crate) async fn clear_requests(State(app): State<Arc<App>>) -> StatusCode {
    app.journal().clear();
    StatusCode::NO_CONTENT
}
