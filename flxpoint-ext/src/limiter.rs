//! The client-side rate limit: one bucket per (server, token, quota) in the whole process,
//! served first come, first served.
//!
//! Process-wide because Flxpoint counts requests per token, not per client object: two
//! clients built separately with the same token must not together exceed the limit.

use governor::{DefaultDirectRateLimiter, Quota};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Requests are spaced this much wider than the nominal period: the server counts arrivals,
/// and network jitter can bring two requests sent one period apart closer together.
const JITTER_MARGIN: f64 = 0.02;

/// A validated client-side rate: `per_second` requests per second, `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Rate {
    period: Duration,
    burst: NonZeroU32,
}

impl Rate {
    /// Validates the setting; the error names the part that is out of range.
    pub fn new(per_second: f64, burst: u32) -> Result<Self, crate::Error> {
        use crate::Error;
        if !(per_second.is_finite() && per_second > 0.0) {
            return Err(Error::validation("rate_limit.per_second", "must be a positive number"));
        }
        // A request a day at least, a million a second at most: beyond that it is a mistake.
        if !(1.0 / 86_400.0..=1_000_000.0).contains(&per_second) {
            return Err(Error::validation(
                "rate_limit.per_second",
                "must be between 1/86400 (one a day) and 1000000",
            ));
        }
        let burst = NonZeroU32::new(burst)
            .filter(|b| b.get() <= 10_000)
            .ok_or_else(|| Error::validation("rate_limit.burst", "must be between 1 and 10000"))?;
        let period = Duration::try_from_secs_f64((1.0 + JITTER_MARGIN) / per_second)
            .map_err(|_| Error::validation("rate_limit.per_second", "is out of range"))?;
        Ok(Self { period, burst })
    }

    fn quota(self) -> Quota {
        // `period` ≥ 1 µs by the range check above, so `with_period` cannot refuse it.
        Quota::with_period(self.period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(self.burst)
    }
}

/// One token's bucket on one server.
pub(crate) struct Bucket {
    /// A fair (FIFO) queue: one waiter at a time talks to the limiter, so waiters are served in
    /// arrival order; a waiter cancelled in the queue leaves without taking a slot.
    queue: tokio::sync::Mutex<()>,
    limiter: Option<DefaultDirectRateLimiter>,
    /// Set by a 429: every task of this token waits until then.
    paused_until: Mutex<Option<Instant>>,
}

impl Bucket {
    fn new(rate: Option<Rate>) -> Self {
        Self {
            queue: tokio::sync::Mutex::new(()),
            limiter: rate.map(|r| DefaultDirectRateLimiter::direct(r.quota())),
            paused_until: Mutex::new(None),
        }
    }

    /// Waits (asynchronously, cancellably, in arrival order) until this token may send.
    pub async fn wait_turn(&self) {
        let _turn = self.queue.lock().await;
        let pause = *self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        // A pause already over ends at once (sleep_until a past instant returns immediately).
        if let Some(until) = pause {
            tokio::time::sleep_until(until.into()).await;
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }

    /// Pauses the token for `for_` (after a 429).
    pub fn pause(&self, for_: Duration) {
        let Some(until) = Instant::now().checked_add(for_) else { return };
        let mut paused = self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        *paused = Some(paused.map_or(until, |p| p.max(until)));
    }
}

/// What a bucket is shared by: the server's origin, a fingerprint of the token (never the
/// token), and the rate (clients configured with different rates keep separate buckets).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    origin: String,
    token: u64,
    rate: Option<Rate>,
}

/// The bucket for this token on this server at this rate, shared across the process.
pub(crate) fn bucket(origin: &str, token_fingerprint: u64, rate: Option<Rate>) -> Arc<Bucket> {
    static BUCKETS: LazyLock<Mutex<HashMap<Key, Arc<Bucket>>>> = LazyLock::new(Default::default);
    let key = Key { origin: origin.to_owned(), token: token_fingerprint, rate };
    let mut buckets = BUCKETS.lock().unwrap_or_else(PoisonError::into_inner);
    buckets.entry(key).or_insert_with(|| Arc::new(Bucket::new(rate))).clone()
}
