//! The rate limit shared by every process holding a token, kept in Redis (feature `redis`).
//!
//! Algorithm: a strict sliding-window log, run atomically in Redis by one Lua script: at most
//! `burst` grants per token in any window of `burst / rate` seconds (the rate widened by the
//! jitter margin, as in-process), the same rule as the strict sandbox's and the server's. The
//! log is a sorted set of grant times read from the Redis server's own clock (`TIME`), so the
//! workers' clocks do not matter. A caller that is refused is told when the oldest grant leaves
//! the window and asks again then; nothing is taken until a slot is granted.
//!
//! Keys: `flxpoint:rate:{<fingerprint>}:log` and `…:pause`, where the fingerprint is a SHA-256
//! of the origin and the token (never the token); both expire (`PEXPIRE` / `PX`).
//!
//! Failure policy: see [`FALLBACK_FRACTION`] and the README's "Several workers".

use governor::DefaultDirectRateLimiter;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// When Redis cannot be reached (or answers too slowly), each process falls back to this
/// fraction of the configured rate, locally, until Redis answers again: work goes on at a
/// conservative pace (four workers together stay at the limit), and the rare 429 this can still
/// cause pauses the token and is retried.
pub(crate) const FALLBACK_FRACTION: f64 = 0.25;
/// How long to establish a connection to Redis.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long one Redis command may take (the connection's own timeout).
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// The most one limiter round trip may take, connecting included: no call hangs on Redis.
const ROUND_TRIP_TIMEOUT: Duration = Duration::from_millis(1000);
/// While Redis is down, how often a caller tries it again (the others use the fallback).
const REPROBE_EVERY: Duration = Duration::from_secs(2);

/// One grant: `{1, 0}`; a refusal: `{0, microseconds to wait}`.
const ACQUIRE: &str = r"
-- KEYS[1]: the token's log (grant times in microseconds, Redis's clock); KEYS[2]: its pause.
-- ARGV[1]: burst; ARGV[2]: window in microseconds; ARGV[3]: a unique name for this grant.
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
  return {0, paused * 1000}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local burst = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
-- A grant exactly one window old has left the window.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
local n = redis.call('ZCARD', KEYS[1])
if n < burst then
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {1, 0}
end
-- The grant whose leaving frees a slot (more than `burst` only if clients disagree on it).
local oldest = redis.call('ZRANGE', KEYS[1], n - burst, n - burst, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
";

/// Extends the pause (never shortens it): ARGV[1] milliseconds.
const PAUSE: &str = r"
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then
  redis.call('SET', KEYS[1], '1', 'PX', ms)
end
return 1
";

static ACQUIRE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(ACQUIRE));
static PAUSE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(PAUSE));

/// A Redis URL as given: used to connect, never shown with its password.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct RedisUrl(String);

impl RedisUrl {
    pub fn new(url: String) -> Self {
        Self(url)
    }

    /// The URL with any password replaced by `***` (and unparseable text withheld).
    pub fn redacted(&self) -> String {
        match reqwest::Url::parse(&self.0) {
            Ok(mut url) => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("***"));
                }
                url.to_string()
            }
            Err(_) => "(an unparseable URL)".into(),
        }
    }

    /// `text` without the URL's password, in case a message quotes it.
    fn scrub(&self, text: &str) -> String {
        let password = reqwest::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.password().map(str::to_owned))
            .filter(|p| !p.is_empty());
        let mut out = text.replace(&self.0, &self.redacted());
        if let Some(password) = password {
            out = out.replace(&password, "***");
        }
        out
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({:?})", self.redacted())
    }
}

/// One Redis server as seen by this process: one reused connection for every token, and
/// whether Redis is currently answering.
pub(crate) struct Store {
    url: RedisUrl,
    client: redis::Client,
    connection: Mutex<Option<ConnectionManager>>,
    health: Mutex<Health>,
    /// Names grants uniquely across processes: a random per-process prefix and a counter.
    nonce: u64,
    counter: AtomicU64,
}

#[derive(Clone, Copy)]
enum Health {
    Up,
    /// Not answering: use the fallback until then, then try again.
    Down {
        retry_at: Instant,
    },
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Store {
    /// The process's store for `url` (one connection per Redis server per process). A URL that
    /// cannot be used is an [`crate::Error::Config`] naming it without its password.
    pub fn for_url(url: &RedisUrl) -> Result<Arc<Store>, crate::Error> {
        static STORES: LazyLock<Mutex<HashMap<RedisUrl, Arc<Store>>>> =
            LazyLock::new(Default::default);
        let mut stores = STORES.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(store) = stores.get(url) {
            return Ok(store.clone());
        }
        let client = redis::Client::open(url.0.as_str()).map_err(|e| {
            crate::Error::Config(format!(
                "shared rate limit: Redis URL {}: {}",
                url.redacted(),
                url.scrub(&e.to_string())
            ))
        })?;
        let store = Arc::new(Store {
            url: url.clone(),
            client,
            connection: Mutex::new(None),
            health: Mutex::new(Health::Up),
            nonce: fastrand::u64(..),
            counter: AtomicU64::new(0),
        });
        stores.insert(url.clone(), store.clone());
        Ok(store)
    }

    /// The reused connection (made on first use, inside the runtime; it reconnects by itself).
    fn connection(&self) -> Result<ConnectionManager, redis::RedisError> {
        let mut slot = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(0);
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        *slot = Some(manager.clone());
        Ok(manager)
    }

    /// After a failure that is not Redis's answer to the script (a lost connection, a timeout,
    /// refused credentials): the next attempt starts from a new connection.
    fn forget_connection(&self) {
        *self.connection.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Whether to ask Redis now (it is up, or its re-probe time has come).
    fn should_ask(&self) -> bool {
        match *self.health.lock().unwrap_or_else(PoisonError::into_inner) {
            Health::Up => true,
            Health::Down { retry_at } => Instant::now() >= retry_at,
        }
    }

    fn mark_up(&self) {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if let Health::Down { .. } = *health {
            *health = Health::Up;
            tracing::warn!(
                redis = %self.url.redacted(),
                "shared rate limit: Redis answers again; back on the limit shared by all workers"
            );
        }
    }

    fn mark_down(&self, why: &Failure) {
        let retry_at = Instant::now() + REPROBE_EVERY;
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        let was_up = matches!(*health, Health::Up);
        *health = Health::Down { retry_at };
        drop(health);
        if !matches!(why, Failure::Answer(_)) {
            self.forget_connection();
        }
        if was_up {
            // Once per outage, not per call.
            tracing::warn!(
                redis = %self.url.redacted(),
                error = %self.describe(why),
                fallback_fraction = FALLBACK_FRACTION,
                "shared rate limit: Redis is unreachable or too slow; each process now limits \
                 itself locally to a fraction of the rate until it is back (re-probed \
                 every 2 s)"
            );
        }
    }

    /// A failure in words, without the URL's password (the token is never sent to Redis).
    fn describe(&self, why: &Failure) -> String {
        match why {
            Failure::TimedOut => format!("no answer within {ROUND_TRIP_TIMEOUT:?}"),
            Failure::Redis(e) if is_auth(e) => {
                format!("Redis refused the credentials: {}", self.url.scrub(&e.to_string()))
            }
            Failure::Redis(e) => self.url.scrub(&e.to_string()),
            Failure::Answer(what) => format!("unexpected answer from the script: {what}"),
        }
    }

    /// Connects, authenticates and loads the scripts: the check behind
    /// `Client::verify_shared_rate_limit`.
    pub async fn verify(&self) -> Result<(), crate::Error> {
        let check = async {
            let mut conn = self.connection()?;
            redis::cmd("PING").query_async::<()>(&mut conn).await?;
            ACQUIRE_SCRIPT.prepare_invoke().load_async(&mut conn).await?;
            PAUSE_SCRIPT.prepare_invoke().load_async(&mut conn).await?;
            Ok::<_, redis::RedisError>(())
        };
        let failure = match tokio::time::timeout(ROUND_TRIP_TIMEOUT, check).await {
            Ok(Ok(())) => {
                self.mark_up();
                return Ok(());
            }
            Ok(Err(e)) => Failure::Redis(e),
            Err(_) => Failure::TimedOut,
        };
        self.forget_connection();
        let what = match &failure {
            Failure::Redis(e) if is_auth(e) => "refused the credentials",
            _ => "cannot be used",
        };
        Err(crate::Error::Config(format!(
            "shared rate limit: Redis at {} {what}: {}",
            self.url.redacted(),
            self.describe(&failure)
        )))
    }
}

fn is_auth(e: &redis::RedisError) -> bool {
    e.kind() == redis::ErrorKind::AuthenticationFailed
        || e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoPerm)
        || matches!(e.code(), Some("WRONGPASS" | "NOAUTH" | "NOPERM"))
}

/// Why Redis could not decide.
enum Failure {
    TimedOut,
    Redis(redis::RedisError),
    /// Redis answered, but not as the script does (e.g. another program's key of another type).
    Answer(String),
}

/// What the script said.
enum Verdict {
    Granted,
    Wait(Duration),
}

/// How a turn was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// By Redis: the limit shared by every process.
    Shared,
    /// Locally, at the fallback rate: Redis did not answer.
    Fallback,
}

/// One token's shared limit.
pub(crate) struct SharedLimit {
    store: Arc<Store>,
    log_key: String,
    pause_key: String,
    burst: u32,
    window_us: u64,
    /// The conservative local limit used while Redis is down.
    fallback: DefaultDirectRateLimiter,
    /// When the local fallback last gave a turn (Redis does not know of it).
    last_local: Mutex<Option<Instant>>,
    /// The spacing of one token's requests at the configured rate.
    period: Duration,
}

impl SharedLimit {
    pub fn new(store: Arc<Store>, fingerprint: &str, rate: super::Rate) -> Self {
        // `{…}`: both keys of a token hash to one slot, should the Redis be a cluster.
        let base = format!("flxpoint:rate:{{{fingerprint}}}");
        let window = rate.period.saturating_mul(rate.burst.get());
        let window_us = u64::try_from(window.as_micros()).unwrap_or(u64::MAX).max(1);
        Self {
            store,
            log_key: format!("{base}:log"),
            pause_key: format!("{base}:pause"),
            burst: rate.burst.get(),
            window_us,
            fallback: DefaultDirectRateLimiter::direct(rate.fallback_quota(FALLBACK_FRACTION)),
            last_local: Mutex::new(None),
            period: rate.period,
        }
    }

    /// Waits for a slot; returns how it was given and the time spent in Redis round trips.
    /// Cancellable: a caller dropped while Redis decides takes no slot (a grant that arrives
    /// for nobody is given back).
    pub async fn acquire(&self) -> (Mode, Duration) {
        let mut in_redis = Duration::ZERO;
        while self.store.should_ask() {
            // Back from the fallback: this process's last local send is not in Redis's log, so
            // the first shared one keeps at least one period from it.
            let last_local = *self.last_local.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(at) = last_local {
                tokio::time::sleep_until((at + self.period).into()).await;
            }
            let started = Instant::now();
            let verdict = self.ask().await;
            in_redis += started.elapsed();
            match verdict {
                Ok(Verdict::Granted) => {
                    self.store.mark_up();
                    return (Mode::Shared, in_redis);
                }
                Ok(Verdict::Wait(wait)) => {
                    self.store.mark_up();
                    // Asked again when the script says a slot frees (Redis's clock decided).
                    tokio::time::sleep(wait).await;
                }
                Err(why) => self.store.mark_down(&why),
            }
        }
        // Redis is down: the conservative local rate (see FALLBACK_FRACTION).
        self.fallback.until_ready().await;
        *self.last_local.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        (Mode::Fallback, in_redis)
    }

    /// One run of the script, bounded in time. It runs in a task of its own so that a caller
    /// dropped mid-flight does not lose a slot: a grant nobody waits for is removed again.
    async fn ask(&self) -> Result<Verdict, Failure> {
        let mut conn = self.store.connection().map_err(Failure::Redis)?;
        let member = format!(
            "{:016x}-{}",
            self.store.nonce,
            self.store.counter.fetch_add(1, Ordering::Relaxed)
        );
        let (log_key, pause_key) = (self.log_key.clone(), self.pause_key.clone());
        let (burst, window_us) = (self.burst, self.window_us);
        let (tx, rx) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let mut invocation = ACQUIRE_SCRIPT.key(&log_key);
            invocation.key(&pause_key).arg(burst).arg(window_us).arg(&member);
            let run = invocation.invoke_async::<Vec<i64>>(&mut conn);
            let outcome = match tokio::time::timeout(ROUND_TRIP_TIMEOUT, run).await {
                Ok(Ok(answer)) => verdict(&answer),
                Ok(Err(e)) => Err(Failure::Redis(e)),
                Err(_) => Err(Failure::TimedOut),
            };
            if let Err(Ok(Verdict::Granted)) = tx.send(outcome) {
                // The caller is gone: give the slot back.
                let mut release = redis::cmd("ZREM");
                release.arg(&log_key).arg(&member);
                let release = release.exec_async(&mut conn);
                let _ = tokio::time::timeout(ROUND_TRIP_TIMEOUT, release).await;
            }
        });
        rx.await.unwrap_or(Err(Failure::Answer("the limiter task ended".into())))
    }

    /// Pauses the token for every process (after a 429), in the background: never longer than
    /// one bounded round trip, never an error for the caller.
    pub fn pause(&self, for_: Duration) {
        let Ok(handle) = tokio::runtime::Handle::try_current() else { return };
        if !self.store.should_ask() {
            return;
        }
        let Ok(mut conn) = self.store.connection() else { return };
        let key = self.pause_key.clone();
        let ms = u64::try_from(for_.as_millis()).unwrap_or(u64::MAX).max(1);
        handle.spawn(async move {
            let mut invocation = PAUSE_SCRIPT.key(&key);
            invocation.arg(ms);
            let run = invocation.invoke_async::<i64>(&mut conn);
            let _ = tokio::time::timeout(ROUND_TRIP_TIMEOUT, run).await;
        });
    }
}

/// Reads the script's answer; anything else is a failure, never a panic.
fn verdict(answer: &[i64]) -> Result<Verdict, Failure> {
    match answer {
        [1, _] => Ok(Verdict::Granted),
        [0, wait] if *wait >= 0 => {
            // At least a millisecond: the timer's granularity; a wait past a day is nonsense.
            let micros = u64::try_from(*wait).unwrap_or(0).clamp(1_000, 86_400_000_000);
            Ok(Verdict::Wait(Duration::from_micros(micros)))
        }
        other => Err(Failure::Answer(format!("{other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_never_shows_its_password() {
        let url = RedisUrl::new("redis://worker:s3cr3t-pw@127.0.0.1:6379/0".into());
        assert_eq!(url.redacted(), "redis://worker:***@127.0.0.1:6379/0");
        assert_eq!(format!("{url:?}"), r#"RedisUrl("redis://worker:***@127.0.0.1:6379/0")"#);
        // A store debugs as its URL, redacted (making one connects to nothing).
        let store = format!("{:?}", Store::for_url(&url).unwrap());
        assert!(store.starts_with(r#"Store { url: RedisUrl("redis://worker:***@"#), "{store}");
        assert!(!store.contains("s3cr3t-pw"), "{store}");
        assert_eq!(url.scrub("auth s3cr3t-pw failed"), "auth *** failed");
        let bad = RedisUrl::new("not a url: s3cr3t".into());
        assert!(!bad.redacted().contains("s3cr3t"));
    }

    #[test]
    fn odd_answers_are_failures_not_panics() {
        assert!(matches!(verdict(&[1, 0]), Ok(Verdict::Granted)));
        assert!(matches!(verdict(&[0, 5]), Ok(Verdict::Wait(d)) if d == Duration::from_millis(1)));
        assert!(matches!(verdict(&[0, 750_000]), Ok(Verdict::Wait(d)) if d.as_millis() == 750));
        for odd in [&[][..], &[0], &[0, -1], &[2, 0], &[1, 2, 3]] {
            assert!(verdict(odd).is_err(), "{odd:?}");
        }
    }

    #[test]
    fn a_bad_url_is_a_config_error_without_the_password() {
        let e = Store::for_url(&RedisUrl::new("http://u:pw-123456@host/".into())).unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(matches!(e, crate::Error::Config(_)), "{text}");
        assert!(!text.contains("pw-123456"), "{text}");
    }
}
