//! The execution path every generated operation goes through (installed as the generated
//! client's `Hooks`): token header, per-token rate limiting, retries, attempt timeouts, and
//! keeping the start of an error body (progenitor drops it for documented error statuses).

use crate::retry::{RetryClass, RetryPolicy, parse_retry_after};
use crate::token::ApiToken;
use flxpoint_api::hooks::{ExecFuture, Executor};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

tokio::task_local! {
    /// What one ext call tells the executor, and what the executor reports back.
    static CALL: Arc<Mutex<CallState>>;
}

/// Per-call state shared between an ext method and the executor.
#[derive(Debug, Clone)]
pub(crate) struct CallState {
    pub class: RetryClass,
    /// A query parameter the generated builder cannot express (the `orders/link` escape hatch).
    pub extra_query: Option<(String, String)>,
    pub attempts: u32,
    /// An earlier attempt failed in a way that leaves open whether the server processed it.
    pub ambiguous_earlier_attempt: bool,
    pub error_body: String,
    pub retry_after: Option<Duration>,
    /// Time spent waiting for the rate limiter, over all attempts.
    pub limiter_wait: Duration,
    /// Status of the last attempt that got an answer.
    pub last_status: Option<u16>,
}

impl CallState {
    pub fn new(class: RetryClass) -> Self {
        Self {
            class,
            extra_query: None,
            attempts: 0,
            ambiguous_earlier_attempt: false,
            error_body: String::new(),
            retry_after: None,
            limiter_wait: Duration::ZERO,
            last_status: None,
        }
    }

    /// Runs `fut` with this state visible to the executor; returns its output and the state.
    pub async fn scope<F: Future>(self, fut: F) -> (F::Output, CallState) {
        let shared = Arc::new(Mutex::new(self));
        let out = CALL.scope(shared.clone(), fut).await;
        let state = shared.lock().unwrap_or_else(PoisonError::into_inner).clone();
        (out, state)
    }
}

fn with_call<R>(f: impl FnOnce(&mut CallState) -> R) -> Option<R> {
    CALL.try_with(|s| f(&mut s.lock().unwrap_or_else(PoisonError::into_inner))).ok()
}

/// Rate-limit buckets shared by every client built from one [`crate::ClientBuilder`]: one per
/// token, plus a "pause until" per token set by a 429 so that all its tasks slow down.
pub(crate) struct Buckets {
    limiter: Option<DefaultKeyedRateLimiter<u64>>,
    paused_until: Mutex<HashMap<u64, Instant>>,
}

impl Buckets {
    pub fn new(quota: Option<Quota>) -> Self {
        Self { limiter: quota.map(governor::RateLimiter::keyed), paused_until: Mutex::default() }
    }

    /// Waits (asynchronously, cancellably) until `key` may send.
    async fn wait_turn(&self, key: u64) {
        let start = Instant::now();
        let pause =
            self.paused_until.lock().unwrap_or_else(PoisonError::into_inner).get(&key).copied();
        if let Some(until) = pause.filter(|u| *u > start) {
            tokio::time::sleep_until(until.into()).await;
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_key_ready(&key).await;
        }
    }

    fn pause(&self, key: u64, for_: Duration) {
        let until = Instant::now() + for_;
        let mut map = self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = map.entry(key).or_insert(until);
        *entry = (*entry).max(until);
    }
}

/// The executor of one client (one token).
pub(crate) struct TokenExecutor {
    pub token: ApiToken,
    pub buckets: Arc<Buckets>,
    pub retry: RetryPolicy,
    pub attempt_timeout: Option<Duration>,
}

/// What to do after an attempt.
enum Next {
    Done,
    Retry { ambiguous: bool },
}

impl Executor for TokenExecutor {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> ExecFuture<'a> {
        Box::pin(self.run(client, request, operation_id))
    }
}

impl TokenExecutor {
    async fn run(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &'static str,
    ) -> reqwest::Result<reqwest::Response> {
        if let Ok(value) = self.token.header_value() {
            request.headers_mut().insert("x-api-token", value);
        }
        if let Some(Some((name, value))) = with_call(|c| c.extra_query.clone()) {
            request.url_mut().query_pairs_mut().append_pair(&name, &value);
        }
        if self.attempt_timeout.is_some() {
            *request.timeout_mut() = self.attempt_timeout;
        }
        let class = with_call(|c| c.class).unwrap_or(RetryClass::NotProcessedOnly);
        let key = self.token.bucket_key();
        let started = Instant::now();
        let mut attempt = 0;
        let mut pending = request;
        loop {
            attempt += 1;
            // JSON bodies are bytes, so requests clone; one that cannot is sent once.
            let (this, spare) = match pending.try_clone() {
                Some(copy) => (copy, Some(pending)),
                None => (pending, None),
            };
            // Counted before waiting, so a call cut off by its deadline still reports them.
            with_call(|c| c.attempts = attempt);
            let wait = LimiterWait(Instant::now());
            self.buckets.wait_turn(key).await;
            let waited = wait.finish();
            let sent = Instant::now();
            // The whole body is read inside the attempt, so a connection dropped mid-body is a
            // failed attempt the retry policy sees, not a surprise after the call "succeeded".
            let result = match client.execute(this).await {
                Ok(response) => Answer::read(response).await,
                Err(e) => Err(e),
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
            with_call(|c| c.last_status = status.or(c.last_status));
            let after = result.as_ref().ok().and_then(|a| header_retry_after(&a.headers));
            if status == Some(429) {
                // A 429 slows every task of this token, not only this one.
                let pause = after.unwrap_or(self.retry.base_backoff).min(self.retry.max_backoff);
                self.buckets.pause(key, pause);
            }
            if let Next::Retry { ambiguous } = next {
                let wait = self.retry.backoff(attempt, after);
                let in_budget = started.elapsed() + wait <= self.retry.budget;
                if let Some(spare) =
                    spare.filter(|_| attempt < self.retry.max_attempts && in_budget)
                {
                    if ambiguous {
                        with_call(|c| c.ambiguous_earlier_attempt = true);
                    }
                    tokio::time::sleep(wait).await;
                    pending = spare;
                    continue;
                }
            }
            let answer = result?;
            if !answer.status.is_success() {
                // progenitor drops the body of documented error statuses; keep its start.
                with_call(|c| {
                    c.error_body = crate::error::snippet(&answer.body);
                    c.retry_after = after;
                });
            }
            return Ok(answer.into_response());
        }
    }
}

/// Adds the time spent waiting for the rate limiter to the call's state when dropped: after the
/// wait, or when the call is cancelled (e.g. by its deadline) while still waiting.
struct LimiterWait(Instant);

impl LimiterWait {
    /// Ends the wait (recording it); returns its length.
    fn finish(self) -> Duration {
        self.0.elapsed()
    }
}

impl Drop for LimiterWait {
    fn drop(&mut self) {
        let waited = self.0.elapsed();
        with_call(|c| c.limiter_wait += waited);
    }
}

/// A response read to the end.
struct Answer {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    url: reqwest::Url,
    body: bytes::Bytes,
}

impl Answer {
    async fn read(mut response: reqwest::Response) -> reqwest::Result<Self> {
        let status = response.status();
        // Moved, not cloned: this runs on every call.
        let headers = std::mem::take(response.headers_mut());
        let url = response.url().clone();
        let body = response.bytes().await?;
        Ok(Self { status, headers, url, body })
    }

    fn into_response(self) -> reqwest::Response {
        use reqwest::ResponseBuilderExt;
        // Keeps the real URL on the rebuilt response (reqwest would otherwise parse a
        // placeholder URL for every response).
        let mut rebuilt = http::Response::builder()
            .url(self.url)
            .body(())
            .unwrap_or_else(|_| http::Response::new(()))
            .map(|()| self.body);
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
fn decide(class: RetryClass, result: &reqwest::Result<Answer>) -> Next {
    match result {
        Ok(a) => match a.status.as_u16() {
            // Refused before processing: always safe to repeat.
            429 => Next::Retry { ambiguous: false },
            502..=504 if class == RetryClass::Idempotent => Next::Retry { ambiguous: true },
            _ => Next::Done,
        },
        // The connection was never made: nothing reached the server.
        Err(e) if e.is_connect() => Next::Retry { ambiguous: false },
        Err(e)
            if class == RetryClass::Idempotent
                && (e.is_timeout() || e.is_request() || e.is_body() || e.is_decode()) =>
        {
            Next::Retry { ambiguous: true }
        }
        Err(_) => Next::Done,
    }
}
