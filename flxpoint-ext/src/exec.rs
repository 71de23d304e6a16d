//! The execution path every generated operation goes through (installed as the generated
//! client's `Hooks`): token header, per-token rate limiting, retries, attempt timeouts, bounded
//! body reading, no redirects, and keeping the (redacted) start of an error body (progenitor
//! drops it for documented error statuses).

use crate::limiter::Bucket;
use crate::retry::{RetryClass, RetryPolicy, parse_retry_after};
use crate::token::ApiToken;
use flxpoint_api::hooks::{ExecFuture, Executor};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What an ext method asks of one call. It travels with the request: the generated client the
/// call is sent through carries it to the executor ([`Call`]).
#[derive(Debug, Clone)]
pub(crate) struct CallSettings {
    /// The operationId as the spec spells it (`createShipment`), for spans and errors.
    pub operation: &'static str,
    pub class: RetryClass,
    /// A query parameter the generated builder cannot express (the `orders/link` escape hatch).
    pub extra_query: Option<(String, String)>,
    /// Whether the operation documents a response body (else any 2xx is success, unread).
    pub expects_body: bool,
    /// Per-call overrides of the client's settings.
    pub deadline: Option<Duration>,
    /// When the call's deadline passes ([`CallSettings::start`]); none for a call made through
    /// [`crate::Client::api`] directly.
    pub ends: Option<Instant>,
    pub retry: Option<RetryPolicy>,
    pub attempt_timeout: Option<Duration>,
    pub headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Whether the caller reads an attempt timeout from the report ([`CallReport::timed_out`]):
    /// the executor then keeps the timeout itself (see `crate::timer`). A call made through
    /// [`crate::Client::api`] reads no report, and gets reqwest's own timeout error.
    pub reports_timeouts: bool,
}

impl CallSettings {
    /// `operation` retried as `class`, with the call's checked per-call options.
    pub fn new(
        operation: &'static str,
        class: RetryClass,
        options: crate::options::Checked,
    ) -> Self {
        Self {
            operation,
            class,
            extra_query: None,
            expects_body: true,
            deadline: options.deadline,
            ends: None,
            retry: options.retry,
            attempt_timeout: options.attempt_timeout,
            headers: options.headers,
            reports_timeouts: true,
        }
    }

    /// Starts the call's deadline: its own, or else `default` (the client's).
    pub fn start(mut self, default: Duration) -> Self {
        // A deadline past the end of time never ends (the settings allow at most a day).
        self.ends = Instant::now().checked_add(self.deadline.unwrap_or(default));
        self
    }

    /// What a call made through [`crate::Client::api`] directly gets: the client's settings.
    fn plain(operation: &'static str) -> Self {
        let settings =
            Self::new(operation, RetryClass::NotProcessedOnly, crate::options::Checked::default());
        Self { reports_timeouts: false, ..settings }
    }
}

/// What the executor found over a call's attempts, read by the ext method with the answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallReport {
    pub attempts: u32,
    /// An earlier attempt failed in a way that leaves open whether the server processed it.
    pub ambiguous_earlier_attempt: bool,
    pub error_body: String,
    pub retry_after: Option<Duration>,
    /// Time spent waiting for the rate limiter, over all attempts.
    pub limiter_wait: Duration,
    /// With a shared rate limit: time spent in round trips to Redis, over all attempts.
    pub redis_rtt: Option<Duration>,
    /// With a shared rate limit: whether Redis decided the last turn (else the local fallback).
    pub shared_limit: Option<bool>,
    /// Status of the last attempt that got an answer.
    pub last_status: Option<u16>,
    /// A 3xx answer (status, `Location` without query): not followed, reported as such.
    pub redirect: Option<(u16, String)>,
    /// A success body over the size limit (status, limit): reading stopped there.
    pub too_large: Option<(u16, usize)>,
    /// The last attempt ran out of its attempt timeout.
    pub timed_out: bool,
}

/// One call: its settings, the generated client that carries them to the executor, and the
/// report the executor fills.
pub(crate) struct Call {
    api: flxpoint_api::Client,
    /// Also the generated client's hook: one allocation per call holds all three.
    state: Arc<OneCall>,
}

impl Call {
    /// A call of `executor`'s token with `settings`, sent through a generated client of its own.
    pub fn new(
        executor: &Arc<TokenExecutor>,
        base_url: &str,
        http: &reqwest::Client,
        settings: CallSettings,
    ) -> Self {
        let state = Arc::new(OneCall {
            executor: executor.clone(),
            settings,
            report: Mutex::new(CallReport::default()),
        });
        let hooks = flxpoint_api::hooks::Hooks::new(state.clone());
        let api = flxpoint_api::Client::new_with_client(base_url, http.clone(), hooks);
        Self { api, state }
    }

    /// This call's settings.
    pub fn settings(&self) -> &CallSettings {
        &self.state.settings
    }

    /// The generated client to build this call's request with.
    pub fn api(&self) -> &flxpoint_api::Client {
        &self.api
    }

    /// What the executor reported (taken: read once, when the call is over).
    pub fn take_report(&self) -> CallReport {
        std::mem::take(&mut self.state.report.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The hook of one [`Call`].
struct OneCall {
    executor: Arc<TokenExecutor>,
    settings: CallSettings,
    report: Mutex<CallReport>,
}

impl Executor for OneCall {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        _operation_id: &'static str,
    ) -> ExecFuture<'a> {
        Box::pin(self.executor.run(client, request, &self.settings, &self.report))
    }
}

/// The executor of one client (one token).
pub(crate) struct TokenExecutor {
    pub token: ApiToken,
    /// The token as a (sensitive) header value, made once: every attempt sends it.
    pub token_header: reqwest::header::HeaderValue,
    pub bucket: Arc<Bucket>,
    pub retry: RetryPolicy,
    pub attempt_timeout: Option<Duration>,
    /// Largest success body read (see `ClientBuilder::max_response_bytes`).
    pub max_body: usize,
}

/// What to do after an attempt.
enum Next {
    Done,
    Retry { ambiguous: bool },
}

/// A call made through [`crate::Client::api`] directly: the client's settings; its report is
/// not read.
impl Executor for TokenExecutor {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> ExecFuture<'a> {
        Box::pin(async move {
            let report = Mutex::new(CallReport::default());
            self.run(client, request, &CallSettings::plain(operation_id), &report).await
        })
    }
}

impl TokenExecutor {
    /// Sends one call's request: its attempts, each with the token, a turn of the rate limiter
    /// and the attempt timeout; the retry decision; the bounded body; what it found, into
    /// `report`.
    ///
    /// A plain function returning an `async move` block, not an `async fn`: an `async fn` keeps
    /// its arguments twice (as given, and moved into its body), and this future is boxed on
    /// every call (see the `Executor` impls), so its size is copied each time. For the same
    /// reason the request is held once, plus one copy for a retry.
    #[allow(clippy::manual_async_fn, reason = "an async fn would hold the request twice")]
    pub(crate) fn run<'a>(
        &'a self,
        client: &'a reqwest::Client,
        mut request: reqwest::Request,
        settings: &'a CallSettings,
        report: &'a Mutex<CallReport>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        async move {
            let with_report = |f: &mut dyn FnMut(&mut CallReport)| {
                f(&mut report.lock().unwrap_or_else(PoisonError::into_inner))
            };
            // The call's own headers first, so that nothing can replace the token.
            for (name, value) in &settings.headers {
                request.headers_mut().insert(name.clone(), value.clone());
            }
            request.headers_mut().insert("x-api-token", self.token_header.clone());
            if let Some((name, value)) = &settings.extra_query {
                request.url_mut().query_pairs_mut().append_pair(name, value);
            }
            let attempt_timeout = settings.attempt_timeout.or(self.attempt_timeout);
            if !settings.reports_timeouts {
                *request.timeout_mut() = attempt_timeout;
            }
            let policy = settings.retry.as_ref().unwrap_or(&self.retry);
            let (class, operation) = (settings.class, settings.operation);
            let expects_body = settings.expects_body;
            let limits = Limits {
                success: if expects_body { self.max_body } else { 0 },
                error: crate::error::snippet_window(&self.token),
            };
            let started = Instant::now();
            let mut attempt = 0;
            loop {
                attempt += 1;
                // JSON bodies are bytes, so requests clone; one that cannot is sent once. The last
                // attempt the policy allows keeps no copy.
                let spare = if attempt < policy.max_attempts { request.try_clone() } else { None };
                with_report(&mut |r| r.attempts = attempt);
                // The deadline is kept here, at each of the call's waits (the turn, the
                // exchange, the backoff), not around the whole call: an attempt then needs one
                // timer, not two.
                let wait = LimiterWait { started: Instant::now(), report };
                let Ok(turn) =
                    crate::timer::timeout_at(settings.ends, self.bucket.wait_turn()).await
                else {
                    return Ok(out_of_time(report));
                };
                let waited = wait.finish();
                if let Some(rtt) = turn.redis_rtt {
                    with_report(&mut |r| {
                        r.redis_rtt = Some(r.redis_rtt.unwrap_or_default() + rtt);
                        r.shared_limit = turn.shared;
                    });
                }
                let sent = Instant::now();
                // The request goes to reqwest now (its pending future is small); the exchange
                // holds only that.
                let response = client.execute(request);
                // The body is read inside the attempt (up to its limit), so a connection dropped
                // mid-body is a failed attempt the retry policy sees, not a surprise after the
                // call "succeeded".
                let exchange = async {
                    match response.await {
                        Ok(response) => Answer::read(response, limits).await.map_err(Failure::Http),
                        Err(e) => Err(Failure::Http(e)),
                    }
                };
                let limit = attempt_timeout.filter(|_| settings.reports_timeouts);
                let attempt_ends = limit.and_then(|limit| sent.checked_add(limit));
                // The earlier of the attempt's end and the call's (`None` is no end): one timer,
                // and one future either way (an arm per case would hold `exchange` twice).
                let ends = match (attempt_ends, settings.ends) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let result = match crate::timer::timeout_at(ends, exchange).await {
                    Ok(result) => result,
                    Err(_) if ends == settings.ends => return Ok(out_of_time(report)),
                    Err(_) => Err(Failure::TimedOut),
                };
                let next = decide(class, &result);
                let status = result.as_ref().ok().map(|a| a.status.as_u16());
                tracing::debug!(
                    operation,
                    attempt,
                    status,
                    limiter_wait_ms = waited.as_millis() as u64,
                    latency_ms = sent.elapsed().as_millis() as u64,
                    "flxpoint attempt"
                );
                with_report(&mut |r| r.last_status = status.or(r.last_status));
                let after = result.as_ref().ok().and_then(|a| header_retry_after(&a.headers));
                if status == Some(429) {
                    // A 429 slows every task of this token, not only this one.
                    self.bucket.pause(after.unwrap_or(policy.base_backoff).min(policy.max_backoff));
                }
                if let Next::Retry { ambiguous } = next {
                    let wait = policy.backoff(attempt, after);
                    let in_budget = started.elapsed().saturating_add(wait) <= policy.budget;
                    if in_budget && let Some(spare) = spare {
                        if ambiguous {
                            with_report(&mut |r| r.ambiguous_earlier_attempt = true);
                        }
                        // Neither is kept through the backoff.
                        request = spare;
                        drop(result);
                        let backoff = tokio::time::sleep(wait);
                        if crate::timer::timeout_at(settings.ends, backoff).await.is_err() {
                            return Ok(out_of_time(report));
                        }
                        continue;
                    }
                }
                let mut answer = match result {
                    Ok(answer) => answer,
                    Err(Failure::Http(e)) => return Err(e),
                    // Out of time, as at the deadline: the call's error comes from the report.
                    Err(Failure::TimedOut) => return Ok(out_of_time(report)),
                };
                if answer.status.is_redirection() {
                    let location = self.token.redact(&redirect_target(&answer));
                    let redirect = Some((answer.status.as_u16(), location));
                    with_report(&mut |r| r.redirect = redirect.clone());
                } else if !answer.status.is_success() {
                    // progenitor drops the body of documented error statuses; keep its start.
                    let mut body = crate::error::snippet(&answer.body, &self.token);
                    with_report(&mut |r| {
                        r.error_body = std::mem::take(&mut body);
                        r.retry_after = after;
                    });
                } else if answer.truncated {
                    let too_large = Some((answer.status.as_u16(), self.max_body));
                    with_report(&mut |r| r.too_large = too_large);
                }
                // After reading `Location` above: what is kept and handed on never holds the token.
                self.token.redact_headers(&mut answer.headers);
                return Ok(answer.into_response());
            }
        }
    }
}

/// What a call whose deadline or last attempt's timeout passed hands on: no `reqwest::Error`
/// can be made for it, so the report says what happened and the call's error is taken from it.
fn out_of_time(report: &Mutex<CallReport>) -> reqwest::Response {
    report.lock().unwrap_or_else(PoisonError::into_inner).timed_out = true;
    Answer::timed_out().into_response()
}

/// Where a 3xx points, for the error: resolved against the request URL, without credentials,
/// query or fragment (which may carry secrets of their own).
fn redirect_target(answer: &Answer) -> String {
    let Some(raw) = answer.headers.get(reqwest::header::LOCATION) else { return String::new() };
    let raw = String::from_utf8_lossy(raw.as_bytes());
    match answer.url.as_ref().map(|url| url.join(&raw)) {
        Some(Ok(mut url)) => {
            url.set_query(None);
            url.set_fragment(None);
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => raw.split(['?', '#']).next().unwrap_or_default().chars().take(200).collect(),
    }
}

/// How much of a body to read, by status class.
#[derive(Clone, Copy)]
struct Limits {
    /// A success body: the size cap (0 = the operation documents none; not read).
    success: usize,
    /// An error body: only what the kept snippet needs.
    error: usize,
}

/// Adds the time spent waiting for the rate limiter to the call's report when dropped: after
/// the wait, or when the call's future is dropped (e.g. by the caller's own timeout) while
/// still waiting.
struct LimiterWait<'a> {
    started: Instant,
    report: &'a Mutex<CallReport>,
}

impl LimiterWait<'_> {
    /// Ends the wait (recording it); returns its length.
    fn finish(self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for LimiterWait<'_> {
    fn drop(&mut self) {
        let waited = self.started.elapsed();
        self.report.lock().unwrap_or_else(PoisonError::into_inner).limiter_wait += waited;
    }
}

/// How an attempt failed without an answer.
enum Failure {
    Http(reqwest::Error),
    /// The attempt timeout passed (the request may have reached the server).
    TimedOut,
}

/// A response read as far as its limit.
struct Answer {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    /// The URL answered (none for a timed-out attempt).
    url: Option<reqwest::Url>,
    body: bytes::Bytes,
    /// The body went on past the limit; `body` holds what was read (nothing for a success).
    truncated: bool,
}

impl Answer {
    async fn read(mut response: reqwest::Response, limits: Limits) -> reqwest::Result<Self> {
        let status = response.status();
        let limit = match status.as_u16() {
            200..=299 => limits.success,
            300..=399 => 0,
            _ => limits.error,
        };
        let announced = response.content_length().and_then(|n| usize::try_from(n).ok());
        let mut truncated =
            status.is_success() && limit > 0 && announced.is_some_and(|n| n > limit);
        // A body that arrives in one chunk (the usual small JSON answer) is kept as that chunk;
        // only a body in several is copied into one buffer.
        let mut first: Option<bytes::Bytes> = None;
        let mut joined: Vec<u8> = Vec::new();
        let mut read = 0;
        // Streamed chunk by chunk, so memory never exceeds the limit plus one chunk; the rest
        // of an oversized body is never read (the connection is dropped with the response).
        while !truncated && limit > 0 {
            let Some(mut chunk) = response.chunk().await? else { break };
            let room = limit - read;
            if chunk.len() > room {
                chunk.truncate(room);
                truncated = true;
            }
            read += chunk.len();
            match first.take() {
                None if joined.is_empty() => first = Some(chunk),
                earlier => {
                    if joined.is_empty() {
                        joined.reserve(announced.unwrap_or(read).min(limit));
                    }
                    joined.extend_from_slice(earlier.as_deref().unwrap_or_default());
                    joined.extend_from_slice(&chunk);
                }
            }
        }
        let mut body = first.unwrap_or_else(|| joined.into());
        if truncated && status.is_success() {
            // Half a JSON document decodes to nothing useful; the error says what happened.
            body.clear();
        }
        // Moved, not cloned (this runs on every call), and after the body: this future then
        // holds them only inside the response while it reads.
        let headers = std::mem::take(response.headers_mut());
        let url = Some(response.url().clone());
        Ok(Self { status, headers, url, body, truncated })
    }

    /// What an attempt that ran out of its timeout hands on: no answer came, so nothing of it
    /// is real; the caller takes the call's error from the report instead
    /// ([`CallReport::timed_out`]), never from this.
    fn timed_out() -> Self {
        Self {
            status: reqwest::StatusCode::GATEWAY_TIMEOUT,
            headers: reqwest::header::HeaderMap::new(),
            url: None,
            body: bytes::Bytes::new(),
            truncated: false,
        }
    }

    fn into_response(self) -> reqwest::Response {
        use reqwest::ResponseBuilderExt;
        // Keeps the real URL on the rebuilt response (reqwest would otherwise parse a
        // placeholder URL for every response).
        let builder = http::Response::builder();
        let builder = match self.url {
            Some(url) => builder.url(url),
            None => builder,
        };
        let mut rebuilt =
            builder.body(()).unwrap_or_else(|_| http::Response::new(())).map(|()| self.body);
        *rebuilt.status_mut() = self.status;
        *rebuilt.headers_mut() = self.headers;
        reqwest::Response::from(rebuilt)
    }
}

fn header_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    parse_retry_after(headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?)
}

/// Whether the attempt may be retried under `class`, and whether the server may have
/// processed it (which matters to the caller, e.g. a 409 after an ambiguous create).
fn decide(class: RetryClass, result: &Result<Answer, Failure>) -> Next {
    match result {
        Ok(a) => match a.status.as_u16() {
            // Refused before processing: always safe to repeat.
            429 => Next::Retry { ambiguous: false },
            502..=504 if class == RetryClass::Idempotent => Next::Retry { ambiguous: true },
            _ => Next::Done,
        },
        // It may have been processed: only an idempotent call may repeat it.
        Err(Failure::TimedOut) if class == RetryClass::Idempotent => {
            Next::Retry { ambiguous: true }
        }
        Err(Failure::TimedOut) => Next::Done,
        // The connection was never made: nothing reached the server.
        Err(Failure::Http(e)) if e.is_connect() => Next::Retry { ambiguous: false },
        Err(Failure::Http(e))
            if class == RetryClass::Idempotent
                && (e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()) =>
        {
            Next::Retry { ambiguous: true }
        }
        // Anything else is final, such as a request that could not even be built (a repeat
        // fails the same way).
        Err(_) => Next::Done,
    }
}
