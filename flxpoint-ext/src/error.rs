//! The one error type of flxpoint-ext.

use crate::token::ApiToken;
use std::time::Duration;

/// How much of a response body an error keeps.
pub(crate) const BODY_LIMIT: usize = 1024;

/// Everything that can go wrong with a call. It separates "never sent" ([`Error::Validation`],
/// [`Error::Config`]), "timed out", "dispatch failed" ([`Error::Transport`]), "service said no"
/// (the status variants) and "answer unreadable" ([`Error::Decode`]). No variant ever holds the
/// API token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input breaks a rule the pages state; nothing was sent.
    #[error("invalid request: `{field}` {rule}")]
    Validation {
        /// Path of the offending field, e.g. `shipment.shipmentItems[2].quantity`.
        field: String,
        /// The rule it breaks.
        rule: String,
    },
    /// The client is misconfigured (e.g. a bad base URL); nothing was sent.
    #[error("configuration: {0}")]
    Config(String),
    /// 400: the server rejected the request.
    #[error("{0}")]
    BadRequest(Box<ServiceError>),
    /// 401: missing, unknown or unsuitable token.
    #[error("{0}")]
    Unauthorized(Box<ServiceError>),
    /// 404: the fulfillment request, source, shipment or item does not exist for this token.
    #[error("{0}")]
    NotFound(Box<ServiceError>),
    /// 409: e.g. the tracking number is already used on this fulfillment request.
    #[error("{0}")]
    Conflict(Box<ServiceError>),
    /// 412: a precondition of the operation does not hold.
    #[error("{0}")]
    PreconditionFailed(Box<ServiceError>),
    /// 429: over the rate limit (after the retries the policy allows).
    #[error("{error} (retry after {retry_after:?})")]
    RateLimited {
        /// The response.
        error: Box<ServiceError>,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// 5xx from the server (after the retries the policy allows).
    #[error("{0}")]
    Server(Box<ServiceError>),
    /// Any other status the pages do not document.
    #[error("{0}")]
    UnexpectedStatus(Box<ServiceError>),
    /// No answer in time (an attempt's timeout or the call's overall deadline).
    #[error("{operation}: timed out (after {attempts} attempt(s), {elapsed:?})")]
    Timeout {
        /// The operationId.
        operation: &'static str,
        /// Attempts made (the first included).
        attempts: u32,
        /// How long the call took, rate-limit waits and retries included.
        elapsed: Duration,
    },
    /// The request could not be delivered or the response could not be read (connection
    /// refused or reset, TLS, DNS).
    #[error("{operation}: transport error (after {attempts} attempt(s), {elapsed:?}): {source}")]
    Transport {
        /// The operationId.
        operation: &'static str,
        /// Attempts made (the first included).
        attempts: u32,
        /// How long the call took, rate-limit waits and retries included.
        elapsed: Duration,
        /// The underlying error (it names the URL, never the token header).
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a redirect (3xx). The pages document none, so none is
    /// followed: following one could carry the token and the body to another host.
    #[error(
        "{operation}: the server redirected ({status}) to {location:?}; redirects are not followed (after {attempts} attempt(s), {elapsed:?})"
    )]
    Redirect {
        /// The operationId.
        operation: &'static str,
        /// Attempts made (the first included).
        attempts: u32,
        /// How long the call took, rate-limit waits and retries included.
        elapsed: Duration,
        /// The 3xx status.
        status: u16,
        /// The `Location` header, resolved against the request URL, without its query,
        /// fragment or credentials (empty when there was none).
        location: String,
    },
    /// The response body was larger than [`crate::ClientBuilder::max_response_bytes`]; reading
    /// stopped at the limit. With a success status the server *did* act on the request (e.g.
    /// a 201 means the shipment was created).
    #[error(
        "{operation}: the {status} response body exceeds the limit of {limit} bytes (after {attempts} attempt(s), {elapsed:?})"
    )]
    ResponseTooLarge {
        /// The operationId.
        operation: &'static str,
        /// Attempts made (the first included).
        attempts: u32,
        /// How long the call took, rate-limit waits and retries included.
        elapsed: Duration,
        /// The HTTP status of the oversized answer.
        status: u16,
        /// The limit in force.
        limit: usize,
    },
    /// A success status with a body that is not what the spec documents. The server accepted
    /// the request (a 201 from `createShipment` means the shipment exists).
    #[error(
        "{operation}: the server accepted the request ({status}) but its answer could not be decoded (after {attempts} attempt(s), {elapsed:?}): {message}; body starts: {snippet:?}"
    )]
    Decode {
        /// The operationId.
        operation: &'static str,
        /// Attempts made (the first included).
        attempts: u32,
        /// How long the call took, rate-limit waits and retries included.
        elapsed: Duration,
        /// The success status the server answered with.
        status: u16,
        /// What the decoder said.
        message: String,
        /// The first bytes of the body (at most 1 KiB).
        snippet: String,
    },
}

/// A response the server answered with an error status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// The operationId of the call.
    pub operation: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The start of the response body (at most 1 KiB), lossily decoded, the token redacted.
    pub body: String,
    /// The response's headers.
    pub headers: http::HeaderMap,
    /// Attempts made (the first included).
    pub attempts: u32,
    /// How long the call took, rate-limit waits and retries included.
    pub elapsed: Duration,
}

impl ServiceError {
    /// An answer with `status` and `body` to `operation` (e.g. for a caller's own tests).
    pub fn new(operation: &'static str, status: u16, body: impl Into<String>) -> Self {
        Self {
            operation,
            status,
            body: body.into(),
            headers: http::HeaderMap::new(),
            attempts: 1,
            elapsed: Duration::ZERO,
        }
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: the server answered {} (after {} attempt(s), {:?})",
            self.operation, self.status, self.attempts, self.elapsed
        )?;
        if !self.body.is_empty() {
            write!(f, ": {}", self.body)?;
        }
        Ok(())
    }
}

/// What an error says about whether the server acted on the request: what a caller needs to
/// decide between "retry", "move on" and "go and look".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Processing {
    /// Surely not acted on: never sent, never connected, or refused (4xx) before acting.
    NotProcessed,
    /// Acted on: a success status whose answer could not be read (e.g. a 201 with a malformed
    /// or oversized body: the shipment exists).
    Processed,
    /// Cannot be known from here: a 5xx, a timeout, a connection lost after sending, a redirect.
    Unknown,
}

impl Error {
    /// Attempts the call made before this error (0: nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.call_stats().0
    }

    /// How long the call took before this error (zero: refused before sending).
    pub fn elapsed(&self) -> Duration {
        self.call_stats().1
    }

    fn call_stats(&self) -> (u32, Duration) {
        match self {
            Self::Validation { .. } | Self::Config(_) => (0, Duration::ZERO),
            Self::Timeout { attempts, elapsed, .. }
            | Self::Transport { attempts, elapsed, .. }
            | Self::Redirect { attempts, elapsed, .. }
            | Self::ResponseTooLarge { attempts, elapsed, .. }
            | Self::Decode { attempts, elapsed, .. } => (*attempts, *elapsed),
            other => other.service().map_or((0, Duration::ZERO), |e| (e.attempts, e.elapsed)),
        }
    }

    /// Whether the server acted on the request, as far as this error can tell.
    pub fn processing(&self) -> Processing {
        match self {
            Self::Validation { .. } | Self::Config(_) => Processing::NotProcessed,
            Self::Transport { source, .. } if source.is_connect() || source.is_builder() => {
                Processing::NotProcessed
            }
            Self::BadRequest(_)
            | Self::Unauthorized(_)
            | Self::NotFound(_)
            | Self::Conflict(_)
            | Self::PreconditionFailed(_)
            | Self::RateLimited { .. } => Processing::NotProcessed,
            Self::Decode { status, .. } | Self::ResponseTooLarge { status, .. }
                if (200..300).contains(status) =>
            {
                Processing::Processed
            }
            Self::UnexpectedStatus(e) if (200..300).contains(&e.status) => Processing::Processed,
            _ => Processing::Unknown,
        }
    }

    pub(crate) fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Self::Validation { field: field.into(), rule: rule.into() }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.service().map(|e| e.status)
    }

    /// The server's answer, when there was one.
    pub fn service(&self) -> Option<&ServiceError> {
        match self {
            Self::BadRequest(e)
            | Self::Unauthorized(e)
            | Self::NotFound(e)
            | Self::Conflict(e)
            | Self::PreconditionFailed(e)
            | Self::Server(e)
            | Self::UnexpectedStatus(e)
            | Self::RateLimited { error: e, .. } => Some(e),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: rate limiting, 502/503/504,
    /// timeouts and transport failures. (Whether a retry is *safe* depends on the operation;
    /// the client's retry policy decides that, see [`crate::RetryPolicy`].)
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Server(e) => matches!(e.status, 502..=504),
            _ => false,
        }
    }

    /// Maps a status and (bounded) body to the matching variant.
    /// The error of a call that answered `status`, with what every sent call's error shares.
    pub(crate) fn from_status(
        sent: Sent,
        status: u16,
        body: String,
        headers: http::HeaderMap,
        retry_after: Option<Duration>,
    ) -> Self {
        let e = Box::new(ServiceError {
            operation: sent.operation,
            status,
            body,
            headers,
            attempts: sent.attempts,
            elapsed: sent.elapsed,
        });
        match status {
            400 => Self::BadRequest(e),
            401 => Self::Unauthorized(e),
            404 => Self::NotFound(e),
            409 => Self::Conflict(e),
            412 => Self::PreconditionFailed(e),
            429 => Self::RateLimited { error: e, retry_after },
            500..=599 => Self::Server(e),
            _ => Self::UnexpectedStatus(e),
        }
    }
}

/// What the error of every call that was sent shares, set once when the call ends: the
/// operation, the attempts made and the time taken. (The public variants keep their fields, so
/// that matching on them stays as it was; they are all built from this.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sent {
    pub operation: &'static str,
    pub attempts: u32,
    pub elapsed: Duration,
}

impl Sent {
    /// No answer in time.
    pub(crate) fn timeout(self) -> Error {
        let Self { operation, attempts, elapsed } = self;
        Error::Timeout { operation, attempts, elapsed }
    }

    /// Not delivered, or the answer not read.
    pub(crate) fn transport(self, source: reqwest::Error) -> Error {
        let Self { operation, attempts, elapsed } = self;
        Error::Transport { operation, attempts, elapsed, source }
    }

    /// A 3xx, not followed.
    pub(crate) fn redirect(self, status: u16, location: String) -> Error {
        let Self { operation, attempts, elapsed } = self;
        Error::Redirect { operation, attempts, elapsed, status, location }
    }

    /// A success body over the limit.
    pub(crate) fn too_large(self, status: u16, limit: usize) -> Error {
        let Self { operation, attempts, elapsed } = self;
        Error::ResponseTooLarge { operation, attempts, elapsed, status, limit }
    }

    /// A success body that is not what the spec documents.
    pub(crate) fn decode(self, status: u16, message: String, snippet: String) -> Error {
        let Self { operation, attempts, elapsed } = self;
        Error::Decode { operation, attempts, elapsed, status, message, snippet }
    }
}

/// How many bytes of a body to read to keep a [`BODY_LIMIT`] snippet with the token redacted
/// (an echoed token may straddle the cut, escaped at most to twice its length).
pub(crate) fn snippet_window(token: &ApiToken) -> usize {
    BODY_LIMIT + 2 * token.len()
}

/// At most [`BODY_LIMIT`] bytes of `bytes`, as text, cut on a character boundary, with the
/// token redacted (also a partial token left at the cut).
pub(crate) fn snippet(bytes: &[u8], token: &ApiToken) -> String {
    let window = &bytes[..bytes.len().min(snippet_window(token))];
    let text = token.redact(&String::from_utf8_lossy(window));
    let mut cut = text.len().min(BODY_LIMIT);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let kept = text[..cut].trim_end_matches('\u{FFFD}');
    let kept = &kept[..kept.len() - token.trailing_prefix_len(kept)];
    kept.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(status: u16) -> Box<ServiceError> {
        Box::new(ServiceError::new("createShipment", status, ""))
    }

    fn sent() -> Sent {
        Sent { operation: "createShipment", attempts: 2, elapsed: Duration::from_millis(5) }
    }

    /// A real `reqwest::Error` of each kind the mapping tells apart.
    async fn transport_errors() -> [reqwest::Error; 3] {
        let http = reqwest::Client::new();
        // Port 1 on loopback: nothing listens, the connection is refused.
        let refused = http.get("http://127.0.0.1:1/").send().await.unwrap_err();
        let unbuildable = http.get("not a url").send().await.unwrap_err();
        // Accepted by the kernel, never answered: the request went out.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let timeout = Duration::from_millis(50);
        let unanswered = http.get(url).timeout(timeout).send().await.unwrap_err();
        assert!(refused.is_connect() && unbuildable.is_builder() && unanswered.is_timeout());
        [refused, unbuildable, unanswered]
    }

    #[test]
    fn a_snippet_is_cut_on_a_character_boundary_within_the_limit() {
        let token = ApiToken::new("tok-12345678");
        // Three-byte characters: 1 024 falls inside one, the cut moves back to 1 023.
        let text = "€".repeat(400);
        let kept = snippet(text.as_bytes(), &token);
        assert_eq!(kept, "€".repeat(341));
    }

    #[test]
    fn a_token_across_the_cut_is_redacted_raw_or_escaped() {
        let raw = ApiToken::new("tok-12345678");
        let body = format!("{}tok-12345678 and more", "x".repeat(1020));
        assert_eq!(snippet(body.as_bytes(), &raw), format!("{}*** ", "x".repeat(1020)));
        // Escaped in a JSON body, each `"` doubles: the window reads far enough past the cut to
        // see the whole escaped token (a shorter one would keep its first character).
        let quoted = ApiToken::new(r#"a"b"c"d"e"f"g"h"i"#);
        let escaped = r#"a\"b\"c\"d\"e\"f\"g\"h\"i"#;
        let body = format!("{}{escaped} and more", "x".repeat(1023));
        assert_eq!(snippet(body.as_bytes(), &quoted), format!("{}*", "x".repeat(1023)));
        // A token's first characters left at the cut are dropped, not kept.
        let body = format!("{}tok-12345678", "x".repeat(1020));
        let window = &body.as_bytes()[..BODY_LIMIT];
        assert_eq!(snippet(window, &raw), "x".repeat(1020));
    }

    #[test]
    fn a_service_error_shows_its_body_only_when_there_is_one() {
        let mut e = ServiceError::new("createShipment", 409, "duplicate tracking number");
        let head = "createShipment: the server answered 409 (after 1 attempt(s), 0ns)";
        assert_eq!(e.to_string(), format!("{head}: duplicate tracking number"));
        e.body.clear();
        assert_eq!(e.to_string(), head);
    }

    #[tokio::test]
    async fn processing_says_what_each_error_tells_of_the_server() {
        use Processing::*;
        let [refused, unbuildable, unanswered] = transport_errors().await;
        let transport = |source| Error::Transport {
            operation: "createShipment",
            attempts: 1,
            elapsed: Duration::ZERO,
            source,
        };
        let decode = |status| Error::Decode {
            operation: "createShipment",
            attempts: 1,
            elapsed: Duration::ZERO,
            status,
            message: String::new(),
            snippet: String::new(),
        };
        let cases = [
            (Error::validation("sku", "is required"), NotProcessed),
            (Error::Config("base URL".into()), NotProcessed),
            (transport(refused), NotProcessed),
            (transport(unbuildable), NotProcessed),
            (transport(unanswered), Unknown),
            (Error::BadRequest(service(400)), NotProcessed),
            (Error::Unauthorized(service(401)), NotProcessed),
            (Error::NotFound(service(404)), NotProcessed),
            (Error::Conflict(service(409)), NotProcessed),
            (Error::PreconditionFailed(service(412)), NotProcessed),
            (Error::RateLimited { error: service(429), retry_after: None }, NotProcessed),
            (Error::Server(service(503)), Unknown),
            (sent().timeout(), Unknown),
            (sent().redirect(302, String::new()), Unknown),
            (decode(201), Processed),
            (decode(404), Unknown),
            (sent().too_large(201, 10), Processed),
            (sent().too_large(500, 10), Unknown),
            (Error::UnexpectedStatus(service(202)), Processed),
            (Error::UnexpectedStatus(service(300)), Unknown),
            (Error::UnexpectedStatus(service(418)), Unknown),
        ];
        for (error, processing) in cases {
            assert_eq!(error.processing(), processing, "{error:?}");
        }
    }

    #[tokio::test]
    async fn only_rate_limits_gateway_failures_timeouts_and_transport_failures_are_retryable() {
        let [refused, ..] = transport_errors().await;
        let transport = Error::Transport {
            operation: "x",
            attempts: 1,
            elapsed: Duration::ZERO,
            source: refused,
        };
        let yes = [
            Error::RateLimited { error: service(429), retry_after: None },
            sent().timeout(),
            transport,
            Error::Server(service(502)),
            Error::Server(service(503)),
            Error::Server(service(504)),
        ];
        let no = [
            Error::Server(service(500)),
            Error::Server(service(501)),
            Error::BadRequest(service(400)),
            Error::Conflict(service(409)),
            Error::UnexpectedStatus(service(503)),
            Error::validation("sku", "is required"),
        ];
        assert!(yes.iter().all(Error::is_retryable), "{yes:?}");
        assert!(!no.iter().any(Error::is_retryable), "{no:?}");
    }
}
