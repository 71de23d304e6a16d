//! `/_sandbox/*`: state dump, reset, fault injection and the request journal (no auth, no rate
//! limit, not counted, not journaled; only for a loopback `Host` and `Origin`: [`local_only`]).

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
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

/// The middleware of every admin and console route: a request whose `Host` is not a loopback
/// name (`127.0.0.1`, `localhost`, `[::1]`, any port), or a `POST`/`DELETE` whose `Origin` is
/// present and not `http://` one of those, is refused with 403 in the error shape.
// Decision: no auth, but only the developer's own pages: a `Host` check defeats DNS rebinding
// (another site's name resolving to 127.0.0.1), an `Origin` check any page's cross-site POST.
pub(crate) async fn local_only(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    if !host.is_some_and(is_loopback_authority) {
        let shown = host.unwrap_or("(none)");
        return forbidden(format!(
            "the admin routes answer only to Host 127.0.0.1, localhost or [::1], got {shown:?}"
        ));
    }
    if matches!(*request.method(), Method::POST | Method::DELETE)
        && let Some(origin) = headers.get(header::ORIGIN)
    {
        let text = origin.to_str().unwrap_or("(not text)");
        let local = text.strip_prefix("http://").is_some_and(is_loopback_authority);
        if !local {
            return forbidden(format!(
                "the admin routes accept changes only from pages of http://127.0.0.1, \
                 http://localhost or http://[::1], got Origin {text:?}"
            ));
        }
    }
    next.run(request).await
}

fn forbidden(message: String) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, message).into_response()
}

/// Whether `authority` (`host[:port]`, as in `Host` or after an origin's `http://`) names a
/// loopback host: `127.0.0.1`, `localhost` (any case) or `[::1]`, with any port or none.
fn is_loopback_authority(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inner, port)) => (&authority[..inner.len() + 2], port),
            None => return false,
        },
        None => match authority.split_once(':') {
            Some((host, _)) => (host, &authority[host.len()..]),
            None => (authority, ""),
        },
    };
    let port_ok = port.is_empty()
        || port.strip_prefix(':').is_some_and(|digits| {
            !digits.is_empty() && digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit())
        });
    port_ok && (host == "127.0.0.1" || host.eq_ignore_ascii_case("localhost") || host == "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_authorities() {
        for good in
            ["127.0.0.1:4010", "127.0.0.1", "localhost:1", "LocalHost:4010", "[::1]:80", "[::1]"]
        {
            assert!(is_loopback_authority(good), "{good}");
        }
        for bad in [
            "evil.example",
            "evil.example:4010",
            "127.0.0.1.evil.example",
            "localhost.evil.example:4010",
            "127.0.0.2:4010",
            "[::1",
            "[::2]:80",
            "127.0.0.1:",
            "127.0.0.1:80:80",
            "127.0.0.1:80/x",
            "0.0.0.0:4010",
            "",
        ] {
            assert!(!is_loopback_authority(bad), "{bad}");
        }
    }
}
