//! `PATCH /fulfillment-requests/{fulfillmentRequestId}/processing-failed?error=<reason>`
//! (failFulfillmentRequest).

use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::sandbox::app::App;
use crate::sandbox::auth::Caller;
use crate::sandbox::error::ApiError;
use crate::sandbox::input;
use crate::sandbox::seed::{STATUS_PROCESSED, STATUS_PROCESSING, STATUS_PROCESSING_ERROR};

/// Moves a `Processing`/`Processed` request to `Processing Error` with the reason; 204.
pub(crate) async fn processing_failed(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = input::path_id(path)?;
    let pairs = input::query_pairs(query)?;
    // Decision: the first `error` parameter counts; an empty reason is as good as none.
    let reason = pairs.into_iter().find(|(name, _)| name == "error").map(|(_, value)| value);
    let reason = match reason {
        Some(reason) if !reason.is_empty() => reason,
        _ => {
            return Err(ApiError::bad_request(
                "query parameter error is required and must not be empty",
            ));
        }
    };
    let mut data = app.state();
    let fr = data
        .visible_request_mut(caller, id)
        .ok_or_else(|| ApiError::not_found(format!("fulfillment request {id} not found")))?;
    // The page: only `Processing` or `Processed` can fail; a repeat (already failed) is a 400.
    if fr.processing_status != STATUS_PROCESSING && fr.processing_status != STATUS_PROCESSED {
        return Err(ApiError::bad_request(format!(
            "fulfillment request {id} is in processing status {:?}; only Processing or Processed can fail",
            fr.processing_status
        )));
    }
    fr.processing_status = STATUS_PROCESSING_ERROR.to_owned();
    fr.processing_error = Some(reason);
    Ok(StatusCode::NO_CONTENT.into_response())
}
