//! [`Client`] and its [`ClientBuilder`].

use crate::exec::{Buckets, CallState, TokenExecutor};
use crate::retry::RetryPolicy;
use crate::token::{ApiToken, TokenKind};
use crate::{Error, error::snippet};
use governor::Quota;
use progenitor_client::ResponseValue;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.flxpoint.com";

/// The Flxpoint client. Cheap to clone: clones share one connection pool and one rate-limit
/// bucket per token.
///
/// Every operation is a method returning a builder whose `send()` validates the input first
/// (an [`Error::Validation`] means nothing was sent) and then runs the call through the rate
/// limiter and the retry policy.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    api: flxpoint_api::Client,
    kind: Option<TokenKind>,
    deadline: Duration,
    shared: Arc<Shared>,
}

/// What clients made by one builder share, whatever their token.
struct Shared {
    http: reqwest::Client,
    base_url: String,
    buckets: Arc<Buckets>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    deadline: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.shared.base_url)
            .field("token", &"***")
            .field("token_kind", &self.inner.kind)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the production API with the default settings.
    pub fn new(token: impl Into<ApiToken>) -> Result<Self, Error> {
        ClientBuilder::new(token).build()
    }

    /// A client from the environment: `FLXPOINT_API_TOKEN` (required) and `FLXPOINT_BASE_URL`
    /// (optional).
    pub fn from_env() -> Result<Self, Error> {
        let token = std::env::var("FLXPOINT_API_TOKEN")
            .map_err(|_| Error::Config("FLXPOINT_API_TOKEN is not set".into()))?;
        let mut builder = ClientBuilder::new(token);
        if let Ok(url) = std::env::var("FLXPOINT_BASE_URL") {
            builder = builder.base_url(url);
        }
        builder.build()
    }

    /// A builder for every setting.
    pub fn builder(token: impl Into<ApiToken>) -> ClientBuilder {
        ClientBuilder::new(token)
    }

    /// A client for another token (e.g. a source token beside the account token) that shares
    /// this client's connection pool and settings, with its own rate-limit bucket.
    pub fn with_token(
        &self,
        token: impl Into<ApiToken>,
        kind: Option<TokenKind>,
    ) -> Result<Self, Error> {
        Self::assemble(self.inner.shared.clone(), token.into(), kind)
    }

    fn assemble(
        shared: Arc<Shared>,
        token: ApiToken,
        kind: Option<TokenKind>,
    ) -> Result<Self, Error> {
        if token.is_empty() {
            return Err(Error::validation("X-API-TOKEN", "must not be empty"));
        }
        token.header_value()?;
        let executor = TokenExecutor {
            token,
            buckets: shared.buckets.clone(),
            retry: shared.retry.clone(),
            attempt_timeout: Some(shared.attempt_timeout),
        };
        let hooks = flxpoint_api::hooks::Hooks::new(Arc::new(executor));
        let api =
            flxpoint_api::Client::new_with_client(&shared.base_url, shared.http.clone(), hooks);
        let deadline = shared.deadline;
        Ok(Self { inner: Arc::new(Inner { api, kind, deadline, shared }) })
    }

    /// The generated client, for anything flxpoint-ext does not cover. Its requests still go
    /// through this client's token, rate limiter and retries.
    pub fn api(&self) -> &flxpoint_api::Client {
        &self.inner.api
    }

    /// The declared token kind, if any.
    pub fn token_kind(&self) -> Option<TokenKind> {
        self.inner.kind
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.shared.base_url
    }

    /// Runs one generated call: overall deadline, call state for the executor, error mapping.
    pub(crate) async fn call<T, F>(
        &self,
        operation: &'static str,
        state: CallState,
        fut: F,
    ) -> (Result<T, Error>, CallState)
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        // One span per call: the executor's per-attempt events nest in it; the outcome is
        // recorded on it at the end (never the token).
        let span = tracing::info_span!(
            "flxpoint.call",
            operation,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            limiter_wait_ms = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let deadline = self.inner.deadline;
        let (out, state) = tracing::Instrument::instrument(
            state.scope(tokio::time::timeout(deadline, fut)),
            span.clone(),
        )
        .await;
        let result = match out {
            Err(_) => Err(Error::Timeout { operation }),
            Ok(Ok(value)) => Ok(value.into_inner()),
            Ok(Err(e)) => Err(map_error(operation, e, &state)),
        };
        span.record("attempts", state.attempts);
        span.record("status", state.last_status);
        span.record("limiter_wait_ms", state.limiter_wait.as_millis() as u64);
        span.record("latency_ms", started.elapsed().as_millis() as u64);
        let _enter = span.enter();
        tracing::info!(ok = result.is_ok(), "flxpoint call");
        (result, state)
    }
}

fn map_error(operation: &'static str, e: progenitor_client::Error<()>, state: &CallState) -> Error {
    use progenitor_client::Error as E;
    match e {
        E::InvalidRequest(rule) => Error::validation("request", rule),
        E::CommunicationError(source)
        | E::ResponseBodyError(source)
        | E::InvalidUpgrade(source) => {
            if source.is_timeout() {
                Error::Timeout { operation }
            } else {
                Error::Transport { operation, source }
            }
        }
        E::ErrorResponse(rv) => Error::from_status(
            operation,
            rv.status().as_u16(),
            state.error_body.clone(),
            state.retry_after,
        ),
        E::UnexpectedResponse(r) => Error::from_status(
            operation,
            r.status().as_u16(),
            state.error_body.clone(),
            state.retry_after,
        ),
        E::InvalidResponsePayload(bytes, err) => {
            Error::Decode { operation, message: err.to_string(), snippet: snippet(&bytes) }
        }
        E::Custom(message) => Error::Config(message),
    }
}

/// Settings for a [`Client`].
#[derive(Debug)]
pub struct ClientBuilder {
    token: ApiToken,
    kind: Option<TokenKind>,
    base_url: String,
    user_agent: String,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    deadline: Duration,
    rate: Option<(f64, u32)>,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// Defaults: production URL, `flxpoint-rs/<version>` user agent, 10 s connect timeout, 30 s
    /// per attempt, 120 s per call, 2 requests/second with a burst of 1 (the documented limit,
    /// never exceeded in any one-second window), [`RetryPolicy::default`].
    pub fn new(token: impl Into<ApiToken>) -> Self {
        Self {
            token: token.into(),
            kind: None,
            base_url: DEFAULT_BASE_URL.into(),
            user_agent: concat!("flxpoint-rs/", env!("CARGO_PKG_VERSION")).into(),
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(120),
            rate: Some((2.0, 1)),
            retry: RetryPolicy::default(),
        }
    }

    /// Where requests go (e.g. a sandbox on loopback).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Declares the token's kind, enabling the kind-specific checks before sending.
    pub fn token_kind(mut self, kind: TokenKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Timeout to establish a connection.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Timeout of one attempt (request sent to response read).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Overall deadline of a call, retries and rate-limit waits included.
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Client-side rate limit per token: `per_second` requests per second, `burst` at once.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate = Some((per_second, burst));
        self
    }

    /// No client-side rate limiting (e.g. for tests against a sandbox without a limit).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = None;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client; fails on a bad base URL, an empty token or bad limits.
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Config(format!("base URL {:?}: not http(s)", self.base_url)));
        }
        let quota = match self.rate {
            None => None,
            Some((per_second, burst)) => Some(quota(per_second, burst)?),
        };
        if self.retry.max_attempts == 0 {
            return Err(Error::validation("retry.max_attempts", "must be at least 1"));
        }
        let http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let shared = Arc::new(Shared {
            http,
            base_url: self.base_url,
            buckets: Arc::new(Buckets::new(quota)),
            retry: self.retry,
            attempt_timeout: self.attempt_timeout,
            deadline: self.deadline,
        });
        Client::assemble(shared, self.token, self.kind)
    }
}

fn quota(per_second: f64, burst: u32) -> Result<Quota, Error> {
    if !(per_second.is_finite() && per_second > 0.0) {
        return Err(Error::validation("rate_limit.per_second", "must be a positive number"));
    }
    let burst = NonZeroU32::new(burst)
        .ok_or_else(|| Error::validation("rate_limit.burst", "must be at least 1"))?;
    let period = Duration::from_secs_f64(1.0 / per_second);
    Quota::with_period(period)
        .map(|q| q.allow_burst(burst))
        .ok_or_else(|| Error::validation("rate_limit.per_second", "is too large"))
}
