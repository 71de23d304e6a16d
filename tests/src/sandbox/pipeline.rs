//! What every API request goes through before and after its handler:
//! count → fault → rate limit → auth → handler → post-handler fault.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{OriginalUri, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::{App, Counters};
use super::auth;
use super::error::ApiError;
use super::fault_responses;
use super::faults::Fault;
use super::recorder::FaultSlot;

/// The middleware of all API routes (admin routes do not pass here).
pub(crate) async fn api_pipeline(
    State(app): State<Arc<App>>,
    mut request: Request,
    next: Next,
) -> Response {
    Counters::bump(&app.counters.requests);
    let _in_flight = app.counters.enter();
    let fault = app.faults().take_for(request.uri().path());
    if let Some(fault) = &fault {
        Counters::bump(&app.counters.faults_applied);
        if let Some(slot) = request.extensions().get::<FaultSlot>() {
            slot.set(fault); // for the request journal
        }
    }
    let after = match fault {
        // A status fault answers at once, like a failing gateway in front of the API: no rate
        // limit token is spent and nothing is checked or changed.
        Some(Fault::Status { status, retry_after, no_retry_after, after: false, .. }) => {
            let response = fault_responses::injected_status(status, retry_after, no_retry_after);
            return finish(&app, response);
        }
        Some(Fault::Latency { ms, .. }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            None
        }
        other => other,
    };
    // Decision: rate limit before auth, keyed by the raw X-API-TOKEN value ("" when missing), so
    // unknown and missing tokens are limited too — as a gateway in front of the API would.
    if let Err(seconds) = app.limiter().check(&auth::token_key(request.headers())) {
        Counters::bump(&app.counters.rate_limited);
        let error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit exceeded for this X-API-TOKEN",
        );
        return finish(&app, error.with_retry_after(seconds).into_response());
    }
    match auth::authenticate(app.tokens(), request.headers()) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
        }
        Err(error) => return finish(&app, error.into_response()),
    }
    let response = next.run(request).await;
    let response = match after {
        Some(Fault::Status { status, retry_after, no_retry_after, .. }) => {
            fault_responses::injected_status(status, retry_after, no_retry_after)
        }
        Some(Fault::Drop { .. }) => fault_responses::cut(response).await,
        Some(Fault::Malformed { .. }) => fault_responses::truncated(response).await,
        _ => response,
    };
    finish(&app, response)
}

/// Counts 429s on the way out.
fn finish(app: &App, response: Response) -> Response {
    if response.status() == StatusCode::TOO_MANY_REQUESTS {
        Counters::bump(&app.counters.too_many_requests);
    }
    response
}

/// Unknown paths: 404 in the common error shape (the full path, also inside `/_sandbox`).
pub(crate) async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

/// Known path, other method: 405 in the common error shape.
pub(crate) async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed on {}", uri.path()),
    )
}
