//! How a taken [`Fault`](super::Fault) turns into a response: an injected status, a truncated
//! body, or a body that aborts the connection.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body::Frame;
use tokio::time::Sleep;

use super::error::ApiError;

/// The most of a real response body read back to cut it.
const BODY_LIMIT: usize = 4 * 1024 * 1024;
/// How long the cut body waits after its first bytes before failing (so the head is sent).
const CUT_PAUSE: Duration = Duration::from_millis(50);

/// The JSON error response of a `status` fault; a 429 carries `Retry-After` (default 1) unless
/// `no_retry_after`.
pub(crate) fn injected_status(
    status: u16,
    retry_after: Option<u64>,
    no_retry_after: bool,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let error = ApiError::new(status, format!("injected fault: {status}"));
    let retry_after = match status {
        _ if no_retry_after => None,
        StatusCode::TOO_MANY_REQUESTS => Some(retry_after.unwrap_or(1)),
        _ => retry_after,
    };
    match retry_after {
        Some(seconds) => error.with_retry_after(seconds).into_response(),
        None => error.into_response(),
    }
}

/// The real response, its JSON body cut in half (`malformed` fault).
pub(crate) async fn truncated(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let head = half_body(body).await;
    parts.status = status_with_body(parts.status);
    set_json_headers(&mut parts.headers);
    Response::from_parts(parts, Body::from(head))
}

/// The real response head, then half its body, then an aborted connection (`drop` fault).
pub(crate) async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let head = half_body(body).await;
    parts.status = status_with_body(parts.status);
    set_json_headers(&mut parts.headers);
    let body = CutBody { head: Some(head), pause: Box::pin(tokio::time::sleep(CUT_PAUSE)) };
    Response::from_parts(parts, Body::new(body))
}

/// Decision: a status that cannot carry a body (204) is sent as 200, so the fault is visible.
fn status_with_body(status: StatusCode) -> StatusCode {
    match status {
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED => StatusCode::OK,
        other => other,
    }
}

fn set_json_headers(headers: &mut axum::http::HeaderMap) {
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
}

/// The first half of a JSON object/array body: never valid JSON. Empty bodies get a fixed stub.
async fn half_body(body: Body) -> Bytes {
    let full = axum::body::to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
    match full.first() {
        Some(b'{' | b'[') if full.len() >= 2 => full.slice(..full.len() / 2),
        _ => Bytes::from_static(b"{\"truncated\":"),
    }
}

/// A body that yields its head, pauses, then fails: hyper aborts the connection mid-body.
struct CutBody {
    head: Option<Bytes>,
    pause: Pin<Box<Sleep>>,
}

impl http_body::Body for CutBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(head))));
        }
        match this.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "sandbox drop fault",
            )))),
        }
    }
}
