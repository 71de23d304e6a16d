//! The middleware that writes every API request into the journal, around the whole pipeline.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use chrono::Utc;
use http_body::Frame;

use super::app::App;
use super::auth::{Caller, TOKEN_HEADER, Tokens};
use super::faults::Fault;
use super::journal::{CallerKind, Entry, RecordedCaller, StoredBody};

/// The most of a body read: axum's default limit for the handlers' `Bytes`, so a body the
/// handler could read is passed on whole and a longer one fails there as before.
const READ_LIMIT: usize = 2 * 1024 * 1024;

/// The most of an answer read back to record it: far above any answer the sandbox makes (its
/// JSON is small), so nothing real is cut; the journal keeps the first 64 KiB of it.
const ANSWER_READ_LIMIT: usize = 4 * 1024 * 1024;

/// Where the pipeline leaves the fault it took (a request extension).
#[derive(Clone, Default)]
pub(crate) struct FaultSlot(Arc<OnceLock<Fault>>);

impl FaultSlot {
    /// Notes the fault applied to this request.
    pub(crate) fn set(&self, fault: &Fault) {
        let _ = self.0.set(fault.clone());
    }
}

/// Records the request, passes it (body re-inserted) to the pipeline, records the answer.
pub(crate) async fn record(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let time = Utc::now();
    let (mut parts, body) = request.into_parts();
    let (kept, body) = match axum::body::to_bytes(body, READ_LIMIT).await {
        Ok(bytes) => (StoredBody::of(&bytes), Body::from(bytes)),
        // Over the limit (or unreadable): the handler gets the same error it would have read.
        Err(err) => (StoredBody::unread(), Body::new(Failed(Some(err)))),
    };
    let slot = FaultSlot::default();
    parts.extensions.insert(slot.clone());
    let mut pending = Pending {
        app: Arc::clone(&app),
        started,
        slot,
        entry: Some(Entry::new(
            time,
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            kept,
            caller_of(app.tokens(), &parts.headers),
        )),
    };
    let response = next.run(Request::from_parts(parts, body)).await;
    pending.note_head(&response);
    let (response, answered) = match pending.slot.0.get() {
        // Their body is cut (drop) or truncated (malformed) on purpose: reading it back here
        // would change what the client gets, so it is not recorded (`responseBody: null`).
        Some(Fault::Drop { .. } | Fault::Malformed { .. }) => (response, StoredBody::default()),
        _ => read_back(response).await,
    };
    pending.finish(Some(response.status().as_u16()), answered);
    response
}

/// The response with its body read into memory, and what the journal keeps of that body.
/// Only a body of known size up to [`ANSWER_READ_LIMIT`] is read: every answer the sandbox
/// makes is; any other passes as it is, unrecorded.
async fn read_back(response: Response) -> (Response, StoredBody) {
    let (parts, body) = response.into_parts();
    let known = http_body::Body::size_hint(&body).upper();
    if known.is_none_or(|size| size > ANSWER_READ_LIMIT as u64) {
        return (Response::from_parts(parts, body), StoredBody::unread());
    }
    match axum::body::to_bytes(body, ANSWER_READ_LIMIT).await {
        Ok(bytes) => {
            let kept = StoredBody::of(&bytes);
            (Response::from_parts(parts, Body::from(bytes)), kept)
        }
        // The client then meets the same error as it would have.
        Err(err) => {
            (Response::from_parts(parts, Body::new(Failed(Some(err)))), StoredBody::unread())
        }
    }
}

/// Who the request's token stands for (the same lookup as the pipeline's auth), labelled as
/// the seed labels the token, else by its kind.
fn caller_of(tokens: &Tokens, headers: &HeaderMap) -> RecordedCaller {
    let Some(value) = headers.get(TOKEN_HEADER) else {
        return RecordedCaller {
            kind: CallerKind::Missing,
            source_id: None,
            label: "no token".into(),
        };
    };
    let found = value.to_str().ok().and_then(|value| tokens.get(value));
    let (kind, source_id, label) = match found {
        Some((Caller::Account, label)) => {
            (CallerKind::Account, None, label.unwrap_or("account").to_owned())
        }
        Some((Caller::Channel, label)) => {
            (CallerKind::Channel, None, label.unwrap_or("channel").to_owned())
        }
        Some((Caller::Source(id), label)) => (
            CallerKind::Source,
            Some(id),
            label.map_or_else(|| format!("source {id}"), str::to_owned),
        ),
        None => (CallerKind::Unknown, None, "unknown token".to_owned()),
    };
    RecordedCaller { kind, source_id, label }
}

/// The short name of a fault in the journal: `status 503`, `latency 1200ms`, `drop`, ….
fn fault_label(fault: &Fault) -> String {
    match fault {
        Fault::Status { status, after: true, .. } => format!("status {status} after"),
        Fault::Status { status, .. } => format!("status {status}"),
        Fault::Latency { ms, .. } => format!("latency {ms}ms"),
        Fault::Drop { .. } => "drop".to_owned(),
        Fault::Malformed { .. } => "malformed".to_owned(),
    }
}

/// An entry waiting for its answer; recorded with no status if the request is abandoned.
struct Pending {
    app: Arc<App>,
    started: Instant,
    slot: FaultSlot,
    entry: Option<Entry>,
}

impl Pending {
    /// Notes what the response head says (duration to the head, `Retry-After`).
    fn note_head(&mut self, response: &Response) {
        let Some(entry) = self.entry.as_mut() else { return };
        entry.duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        entry.retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok());
    }

    fn finish(&mut self, status: Option<u16>, answered: StoredBody) {
        let Some(mut entry) = self.entry.take() else { return };
        entry.status = status;
        entry.response_body = answered;
        entry.fault = self.slot.0.get().map(fault_label);
        if status.is_none() {
            entry.duration_ms =
                u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        }
        self.app.journal().push(entry);
    }
}

impl Drop for Pending {
    // Decision: a request whose client went away is still journaled, with `status: null`.
    fn drop(&mut self) {
        self.finish(None, StoredBody::default());
    }
}

/// A body that fails at once with the error met while reading the original one.
struct Failed(Option<axum::Error>);

impl http_body::Body for Failed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Poll::Ready(self.get_mut().0.take().map(Err))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::super::seed::{SOURCE_ID, SOURCE_TOKEN, Token};
    use super::*;

    #[test]
    fn callers_are_labelled_without_their_token() {
        let tokens = Tokens::new(&[Token::source(SOURCE_ID, SOURCE_TOKEN).labelled("warehouse")]);
        let mut headers = HeaderMap::new();
        assert_eq!(caller_of(&tokens, &headers).kind, CallerKind::Missing);
        headers.insert(TOKEN_HEADER, HeaderValue::from_static("nope"));
        assert_eq!(caller_of(&tokens, &headers).kind, CallerKind::Unknown);
        headers.insert(TOKEN_HEADER, HeaderValue::from_static(SOURCE_TOKEN));
        let caller = caller_of(&tokens, &headers);
        assert_eq!((caller.kind, caller.source_id), (CallerKind::Source, Some(SOURCE_ID)));
        assert_eq!(caller.label, "warehouse", "the seed's label");
        // A token the seed does not label is named by its kind.
        let unlabelled = Tokens::new(&[Token::source(SOURCE_ID, SOURCE_TOKEN)]);
        assert_eq!(caller_of(&unlabelled, &headers).label, format!("source {SOURCE_ID}"));
    }

    #[test]
    fn fault_labels() {
        assert_eq!(fault_label(&Fault::status(503)), "status 503");
        assert_eq!(fault_label(&Fault::status(500).after_commit()), "status 500 after");
        assert_eq!(fault_label(&Fault::latency(1200)), "latency 1200ms");
        assert_eq!(fault_label(&Fault::drop_connection()), "drop");
        assert_eq!(fault_label(&Fault::malformed()), "malformed");
    }
}
