//! [`Client`] and its [`ClientBuilder`].

use crate::error::{Sent, snippet};
use crate::exec::{Call, CallReport, CallSettings, TokenExecutor};
use crate::limiter::{self, Rate};
use crate::retry::RetryPolicy;
use crate::token::{ApiToken, TokenKind};
use crate::{Error, Response};
use progenitor_client::ResponseValue;
use std::pin::Pin;
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
    /// For calls made through [`Client::api`] directly.
    api: flxpoint_api::Client,
    /// What every call of this token goes through.
    executor: Arc<TokenExecutor>,
    /// Kept to redact it from bodies an error keeps.
    token: ApiToken,
    kind: Option<TokenKind>,
    deadline: Duration,
    shared: Arc<Shared>,
}

/// What clients made by one builder share, whatever their token.
struct Shared {
    http: reqwest::Client,
    base_url: String,
    /// `scheme://host:port` of the base URL: rate-limit buckets are per server.
    origin: String,
    rate: Option<Rate>,
    retry: RetryPolicy,
    attempt_timeout: Duration,
    deadline: Duration,
    max_body: usize,
    /// The Redis store of a shared rate limit (`None`: this process's own limiter).
    #[cfg(feature = "redis")]
    store: Option<Arc<limiter::shared::Store>>,
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

    /// A client from the environment: `FLXPOINT_API_TOKEN` (required), `FLXPOINT_BASE_URL`
    /// (optional) and `FLXPOINT_REDIS_URL` (optional: the rate limit shared by every worker
    /// holding the token, see `ClientBuilder::shared_rate_limit`; it needs the `redis`
    /// feature, and setting it without is an [`Error::Config`] rather than a silently
    /// unshared limit).
    pub fn from_env() -> Result<Self, Error> {
        let token = std::env::var("FLXPOINT_API_TOKEN")
            .map_err(|_| Error::Config("FLXPOINT_API_TOKEN is not set".into()))?;
        let mut builder = ClientBuilder::new(token);
        if let Ok(url) = std::env::var("FLXPOINT_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(url) = std::env::var("FLXPOINT_REDIS_URL").ok().filter(|u| !u.is_empty()) {
            #[cfg(feature = "redis")]
            {
                builder = builder.shared_rate_limit(url);
            }
            #[cfg(not(feature = "redis"))]
            {
                let _ = url;
                return Err(Error::Config(
                    "FLXPOINT_REDIS_URL is set, but flxpoint-ext was built without its `redis` \
                     feature"
                        .into(),
                ));
            }
        }
        builder.build()
    }

    /// With a shared rate limit: connects to Redis, authenticates and loads the limiter's
    /// scripts, within a second. An [`Error::Config`] says what failed (a wrong password, an
    /// unreachable address), without the URL's password. Calls never need this (when Redis
    /// fails they fall back to a local limit, see the README's "Several workers"); it is the
    /// check to run at startup for a worker that should refuse to start without Redis.
    /// Without a shared limit: `Ok(())`.
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub async fn verify_shared_rate_limit(&self) -> Result<(), Error> {
        match &self.inner.shared.store {
            Some(store) => store.verify().await,
            None => Ok(()),
        }
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
        let token_header = token.header_value()?;
        #[cfg(feature = "redis")]
        let bucket = match &shared.store {
            Some(store) => limiter::shared_bucket(&shared.origin, &token, shared.rate, store),
            None => limiter::bucket(&shared.origin, token.fingerprint(), shared.rate),
        };
        #[cfg(not(feature = "redis"))]
        let bucket = limiter::bucket(&shared.origin, token.fingerprint(), shared.rate);
        let executor = Arc::new(TokenExecutor {
            token: token.clone(),
            token_header,
            bucket,
            retry: shared.retry.clone(),
            attempt_timeout: Some(shared.attempt_timeout),
            max_body: shared.max_body,
        });
        let hooks = flxpoint_api::hooks::Hooks::new(executor.clone());
        let api =
            flxpoint_api::Client::new_with_client(&shared.base_url, shared.http.clone(), hooks);
        let deadline = shared.deadline;
        Ok(Self { inner: Arc::new(Inner { api, executor, token, kind, deadline, shared }) })
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

    /// `scheme://host:port` of the base URL: where the token goes.
    pub fn origin(&self) -> &str {
        &self.inner.shared.origin
    }

    /// The fingerprint an import journal records of this client's token on its origin.
    #[cfg(feature = "import")]
    pub(crate) fn journal_fingerprint(&self) -> String {
        self.inner.token.journal_fingerprint(&self.inner.shared.origin)
    }

    /// A call with `settings`: build its request with [`Call::api`], then run it with
    /// [`Client::call`] or [`Client::call_without_body`].
    pub(crate) fn prepare(&self, settings: CallSettings) -> Call {
        let shared = &self.inner.shared;
        let settings = settings.start(self.inner.deadline);
        Call::new(&self.inner.executor, &shared.base_url, &shared.http, settings)
    }

    /// Runs `call`'s request `fut`: one span, error mapping from what the executor reported
    /// (which also keeps the call's deadline). Returns the result and that report.
    ///
    /// `fut` comes boxed: a generated `send` future is about 2 KiB, and each layer of async
    /// code around it (this method, its span, the public `send`) would otherwise hold and copy
    /// it again (the whole call's future was 8.5 KiB, copied on every call).
    pub(crate) async fn call<T, F>(
        &self,
        call: &Call,
        fut: Pin<Box<F>>,
    ) -> (Result<Response<T>, Error>, CallReport)
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<()>>>,
    {
        let operation = call.settings().operation;
        let span = call_span(operation);
        let started = std::time::Instant::now();
        let out = tracing::Instrument::instrument(fut, span.clone()).await;
        let report = call.take_report();
        let sent = Sent { operation, attempts: report.attempts, elapsed: started.elapsed() };
        let result = match (out, executor_verdict(sent, &report)) {
            // What the executor saw wins over how progenitor then read the (withheld) body.
            (_, Some(error)) => Err(error),
            (Ok(value), _) => Ok(Response {
                status: value.status().as_u16(),
                headers: value.headers().clone(),
                attempts: sent.attempts,
                elapsed: sent.elapsed,
                value: value.into_inner(),
            }),
            (Err(e), _) => Err(map_error(sent, e, &report, &self.inner.token)),
        };
        record(&span, &report, started, result.is_ok());
        (result, report)
    }

    /// [`Client::call`] for an operation that documents no response body (the call was
    /// prepared with `expects_body: false`): any 2xx is success (the page's exact status, 200
    /// or 204, is not required), and the body is never read.
    pub(crate) async fn call_without_body<F>(
        &self,
        call: &Call,
        fut: Pin<Box<F>>,
    ) -> Result<Response<()>, Error>
    where
        F: Future<Output = Result<ResponseValue<()>, progenitor_client::Error<()>>>,
    {
        let any_success = async {
            match fut.await {
                Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_success() => {
                    Ok(ResponseValue::new((), r.status(), r.headers().clone()))
                }
                other => other,
            }
        };
        self.call(call, Box::pin(any_success)).await.0
    }

    /// A request built outside the generated client ([`crate::RawRequest`]), sent through the
    /// same executor as every operation: its settings, its span, the same error mapping. The
    /// success body comes back as bytes (already read, within the size cap).
    pub(crate) async fn send_raw(
        &self,
        settings: CallSettings,
        request: reqwest::Request,
    ) -> Result<Response<bytes::Bytes>, Error> {
        let operation = settings.operation;
        let span = call_span(operation);
        let started = std::time::Instant::now();
        let settings = settings.start(self.inner.deadline);
        let report = std::sync::Mutex::new(CallReport::default());
        let http = &self.inner.shared.http;
        let run = self.inner.executor.run(http, request, &settings, &report);
        let out = tracing::Instrument::instrument(run, span.clone()).await;
        let report = report.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let sent = Sent { operation, attempts: report.attempts, elapsed: started.elapsed() };
        let result = match (out, executor_verdict(sent, &report)) {
            (_, Some(error)) => Err(error),
            (Err(e), _) if e.is_timeout() => Err(sent.timeout()),
            (Err(e), _) => Err(sent.transport(e)),
            (Ok(answer), _) => {
                let (status, headers) = (answer.status().as_u16(), answer.headers().clone());
                if (200..300).contains(&status) {
                    // Read by the executor already: this only hands the bytes over.
                    match answer.bytes().await {
                        Ok(value) => Ok(Response {
                            status,
                            headers,
                            attempts: sent.attempts,
                            elapsed: sent.elapsed,
                            value,
                        }),
                        Err(e) => Err(sent.transport(e)),
                    }
                } else {
                    let body = report.error_body.clone();
                    Err(Error::from_status(sent, status, body, headers, report.retry_after))
                }
            }
        };
        record(&span, &report, started, result.is_ok());
        result
    }

    /// The token's redaction of `text` (for a raw call's decode error).
    pub(crate) fn redact(&self, text: &str) -> String {
        self.inner.token.redact(text)
    }

    /// A kept snippet of `bytes`, redacted (for a raw call's decode error).
    pub(crate) fn snippet(&self, bytes: &[u8]) -> String {
        snippet(bytes, &self.inner.token)
    }
}

/// What the executor itself concluded, whatever the answer then looked like: a redirect not
/// followed, a success body over the cap.
fn executor_verdict(sent: Sent, report: &CallReport) -> Option<Error> {
    match report {
        CallReport { redirect: Some((status, location)), .. } => {
            Some(sent.redirect(*status, location.clone()))
        }
        CallReport { too_large: Some((status, limit)), .. } => {
            Some(sent.too_large(*status, *limit))
        }
        CallReport { timed_out: true, .. } => Some(sent.timeout()),
        _ => None,
    }
}

/// One span per call: the executor's per-attempt events nest in it; the outcome is recorded
/// on it at the end by [`record`] (never the token).
fn call_span(operation: &'static str) -> tracing::Span {
    tracing::info_span!(
        "flxpoint.call",
        operation,
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        limiter_wait_ms = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        // With a shared rate limit: the Redis round trips, and whether Redis decided.
        redis_rtt_us = tracing::field::Empty,
        shared_limit = tracing::field::Empty,
    )
}

/// Records a call's outcome on its span, and one DEBUG event.
fn record(span: &tracing::Span, report: &CallReport, started: std::time::Instant, ok: bool) {
    span.record("attempts", report.attempts);
    span.record("status", report.last_status);
    span.record("limiter_wait_ms", report.limiter_wait.as_millis() as u64);
    if let Some(rtt) = report.redis_rtt {
        span.record("redis_rtt_us", rtt.as_micros() as u64);
    }
    if let Some(shared) = report.shared_limit {
        span.record("shared_limit", if shared { "redis" } else { "local-fallback" });
    }
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    let _enter = span.enter();
    // DEBUG: one line per call is noise at INFO; the span itself is INFO.
    tracing::debug!(ok, "flxpoint call");
}

/// A timeout or deadline: more than zero, at most [`MAX_WAIT`]; the error names the setting.
pub(crate) fn check_wait(name: &str, d: Duration) -> Result<(), Error> {
    if d.is_zero() {
        return Err(Error::validation(name, "must be more than zero"));
    }
    if d > MAX_WAIT {
        return Err(Error::validation(name, "must be at most a day (86400 s)"));
    }
    Ok(())
}

fn map_error(
    sent: Sent,
    e: progenitor_client::Error<()>,
    report: &CallReport,
    token: &ApiToken,
) -> Error {
    use progenitor_client::Error as E;
    match e {
        E::InvalidRequest(rule) => Error::validation("request", rule),
        E::CommunicationError(source)
        | E::ResponseBodyError(source)
        | E::InvalidUpgrade(source) => {
            if source.is_builder() {
                // Nothing was sent; the URL names no secret (the token is a header).
                Error::validation("request", format!("cannot be built: {source}"))
            } else if source.is_timeout() {
                sent.timeout()
            } else {
                sent.transport(source)
            }
        }
        E::ErrorResponse(rv) => Error::from_status(
            sent,
            rv.status().as_u16(),
            report.error_body.clone(),
            rv.headers().clone(),
            report.retry_after,
        ),
        E::UnexpectedResponse(r) => Error::from_status(
            sent,
            r.status().as_u16(),
            report.error_body.clone(),
            r.headers().clone(),
            report.retry_after,
        ),
        E::InvalidResponsePayload(bytes, err) => sent.decode(
            report.last_status.unwrap_or_default(),
            // serde quotes the offending value, which may be an echoed token.
            token.redact(&err.to_string()),
            snippet(&bytes, token),
        ),
        E::Custom(message) => Error::Config(message),
    }
}

/// The default of [`ClientBuilder::max_response_bytes`]: far above any documented body (a
/// created shipment is a few KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The longest timeout or deadline accepted: a call that may hang for more than a day is a
/// mistake, not a setting.
const MAX_WAIT: Duration = Duration::from_secs(86_400);

/// Settings for a [`Client`]. Every setting is checked by [`ClientBuilder::build`], which
/// returns a typed error naming the setting, never panics.
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
    max_response_bytes: usize,
    http: Option<reqwest::ClientBuilder>,
    #[cfg(feature = "redis")]
    shared_limit: Option<limiter::shared::RedisUrl>,
}

impl ClientBuilder {
    /// Defaults: production URL, `flxpoint-rs/<version>` user agent, 10 s connect timeout, 30 s
    /// per attempt, 120 s per call, 2 requests/second with a burst of 1 (the documented limit:
    /// requests leave at least 510 ms apart, so no one-second window sees more than 2),
    /// [`RetryPolicy::default`], responses up to [`DEFAULT_MAX_RESPONSE_BYTES`].
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
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
            #[cfg(feature = "redis")]
            shared_limit: None,
        }
    }

    /// Starts from your own `reqwest::ClientBuilder` (proxies, custom root certificates, TLS
    /// settings, default headers, …). A builder, not a built client: the client still sets the
    /// user agent, the connect timeout and — whatever the builder said — no redirects, so that
    /// the token never follows one to another host.
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Where requests go (e.g. a sandbox on loopback): `http` or `https`, without credentials,
    /// query or fragment. Redirects are never followed, so the token goes to this origin only.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Declares the token's kind, enabling the kind-specific checks before sending.
    pub fn token_kind(mut self, kind: TokenKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The `User-Agent` header (visible ASCII and spaces).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Timeout to establish a connection (more than zero, at most a day).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Timeout of one attempt, request sent to response read (more than zero, at most a day).
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.attempt_timeout = d;
        self
    }

    /// Overall deadline of a call, retries and rate-limit waits included (more than zero, at
    /// most a day).
    pub fn deadline(mut self, d: Duration) -> Self {
        self.deadline = d;
        self
    }

    /// Client-side rate limit per token: `per_second` requests per second (between one a day
    /// and 1 000 000), `burst` at once (1 to 10 000). Clients in one process with the same
    /// token, server and rate share one bucket, served first come, first served.
    pub fn rate_limit(mut self, per_second: f64, burst: u32) -> Self {
        self.rate = Some((per_second, burst));
        self
    }

    /// Shares the rate limit of each token with every process (on any machine) that uses the
    /// same Redis: e.g. `redis://:password@10.0.0.5:6379/0` (`redis://` or `unix://`). The
    /// rate is still [`ClientBuilder::rate_limit`]'s: at most `burst` requests per token in any
    /// window of `burst / per_second` seconds, decided atomically in Redis by Redis's clock;
    /// a 429 any worker sees pauses the token for all of them. Within a process, waiters are
    /// still served in arrival order.
    ///
    /// If Redis cannot be reached or takes more than a second, each process limits itself to a
    /// quarter of the rate until Redis answers again (re-probed every 2 s), logged once as a
    /// warning and once when Redis is back. A URL that cannot be parsed is an
    /// [`Error::Config`] from [`ClientBuilder::build`]; check the connection and credentials at
    /// startup with [`Client::verify_shared_rate_limit`]. The URL's password never appears in
    /// errors, logs or `Debug`; the token never reaches Redis (keys hold a SHA-256
    /// fingerprint). No effect with [`ClientBuilder::no_rate_limit`].
    #[cfg(feature = "redis")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_rate_limit(mut self, redis_url: impl Into<String>) -> Self {
        self.shared_limit = Some(limiter::shared::RedisUrl::new(redis_url.into()));
        self
    }

    /// No client-side rate limiting (e.g. for tests against a sandbox without a limit).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate = None;
        self
    }

    /// The retry policy (`max_attempts` 1 to 100, `max_backoff` at most a day).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body read (at least 1 KiB; default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A success body beyond it ends the call in
    /// [`Error::ResponseTooLarge`], enforced while streaming: memory never holds more. Error
    /// bodies are read only as far as the 1 KiB snippet an error keeps (plus twice the token's
    /// length, to recognise and redact an echoed token cut at the edge).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Builds the client. Each bad setting is a typed error naming it: [`Error::Config`] for the
    /// base URL and the user agent, [`Error::Validation`] for the token and numeric settings.
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(format!("base URL {:?}: {e}", self.base_url)))?;
        if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
            return Err(Error::Config(format!("base URL {:?}: not http(s)", self.base_url)));
        }
        // Built without TLS, reqwest would fail every https call at run time instead. Your own
        // reqwest builder may bring TLS through reqwest's features, which are not ours to see.
        let own_tls = cfg!(any(feature = "rustls", feature = "native-tls")) || self.http.is_some();
        if url.scheme() == "https" && !own_tls {
            return Err(Error::Config(format!(
                "base URL {:?}: https needs flxpoint-ext's `rustls` or `native-tls` feature",
                self.base_url
            )));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config("base URL: must not carry credentials".into()));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {:?}: must not carry a query or fragment",
                self.base_url
            )));
        }
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("attempt_timeout", self.attempt_timeout),
            ("deadline", self.deadline),
        ] {
            check_wait(name, d)?;
        }
        self.retry.check()?;
        if self.max_response_bytes < 1024 {
            return Err(Error::validation("max_response_bytes", "must be at least 1024"));
        }
        let rate = self.rate.map(|(per_second, burst)| Rate::new(per_second, burst)).transpose()?;
        #[cfg(feature = "redis")]
        let store = self.shared_limit.as_ref().map(limiter::shared::Store::for_url).transpose()?;
        self.token.check()?;
        let http = self
            .http
            .unwrap_or_default()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            // The pages document no redirect, and following one could hand the token and the
            // body to another host: a 3xx ends the call in `Error::Redirect`.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let shared = Arc::new(Shared {
            http,
            origin: url.origin().ascii_serialization(),
            base_url: self.base_url,
            rate,
            retry: self.retry,
            attempt_timeout: self.attempt_timeout,
            deadline: self.deadline,
            max_body: self.max_response_bytes,
            #[cfg(feature = "redis")]
            store,
        });
        Client::assemble(shared, self.token, self.kind)
    }
}

/// Run by `cargo xtask ci` with `--no-default-features`: without TLS, https is refused when the
/// client is built (unless it is given a reqwest builder of its own), and plain http still works.
#[cfg(all(test, not(any(feature = "rustls", feature = "native-tls"))))]
mod without_tls {
    use super::*;

    #[test]
    fn https_is_refused_at_build_naming_the_features() {
        let err = Client::builder("tok").build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("`rustls` or `native-tls`")),
            "{err}"
        );
        Client::builder("tok").base_url("http://127.0.0.1:9").build().unwrap();
        Client::builder("tok").http_client(reqwest::Client::builder()).build().unwrap();
    }
}
