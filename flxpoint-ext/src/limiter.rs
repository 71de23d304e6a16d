//! The client-side rate limit: one bucket per (server, token, quota) in the whole process,
//! served first come, first served.
//!
//! Process-wide because Flxpoint counts requests per token, not per client object: two
//! clients built separately with the same token must not together exceed the limit.
//!
//! Where the slots come from is the bucket's [`Source`]: this process's own limiter (the
//! default), or with the `redis` feature a limit shared by every process holding the token
//! ([`shared`]). Either way a process's waiters queue in arrival order first.

#[cfg(feature = "redis")]
pub(crate) mod shared;

#[cfg(feature = "redis")]
use governor::Quota;
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

    /// `fraction` (0 < f ≤ 1) of this rate, one at a time: the conservative local limit.
    #[cfg(feature = "redis")]
    fn fallback_quota(self, fraction: f64) -> Quota {
        let period = self.period.div_f64(fraction.clamp(1e-6, 1.0));
        Quota::with_period(period).unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
    }
}

/// This process's own limiter: GCRA (a slot every `period`, `burst` at once), whose slots keep
/// their schedule through small wake-up delays.
///
/// Decision: not governor's direct limiter here. It takes the instant a waiter wakes as its
/// slot's time, so every late wake-up (the timer's millisecond granularity, a busy runtime)
/// pushes all later slots back: 8 busy tasks at R = 50/s reached only 0.96–0.97 R. Here the
/// last stretch of a wait is yielded through rather than slept ([`sleep_until_precisely`]), and
/// a wake-up up to [`ABSORBED`] of a period late still takes the slot's own time. A gap between
/// two requests can then shrink by at most that much, half the 2 % margin; anything later
/// moves the schedule as governor would, so a stalled process never bursts to catch up.
pub(crate) struct Spacing {
    period: Duration,
    /// How far ahead of its theoretical time a slot may be taken: `(burst - 1) × period`.
    tolerance: Duration,
    /// How late a wake-up may be and still take its slot's time.
    absorbed: Duration,
    /// The theoretical arrival time of the next slot (`None`: never used).
    next: Mutex<Option<Instant>>,
}

/// The share of a period a late wake-up may take from the next gap: half the jitter margin.
const ABSORBED: f64 = JITTER_MARGIN / 2.0;

/// How much before a slot the timer's sleep ends; the rest is waited by yielding (the timer
/// wakes up to a millisecond late). It costs a little CPU, only while the queue is busy.
const PRECISE: Duration = Duration::from_micros(1500);

impl Spacing {
    fn new(rate: Rate) -> Self {
        Self {
            period: rate.period,
            tolerance: rate.period.saturating_mul(rate.burst.get() - 1),
            absorbed: rate.period.mul_f64(ABSORBED),
            next: Mutex::new(None),
        }
    }

    /// Waits for a slot and takes it; returns the instant it was granted. Callers come one at a
    /// time (the bucket's queue); a waiter cancelled while sleeping takes nothing.
    async fn until_ready(&self) -> Instant {
        let start = Instant::now();
        let next = self.next.lock().unwrap_or_else(PoisonError::into_inner).unwrap_or(start);
        let allowed = next.checked_sub(self.tolerance).unwrap_or(start);
        if allowed > start {
            sleep_until_precisely(allowed).await;
        }
        let now = Instant::now();
        // The slot's own time when on time or a little late; else (idle, or stalled) now.
        let base = next.max(now.checked_sub(self.absorbed).unwrap_or(now));
        *self.next.lock().unwrap_or_else(PoisonError::into_inner) = Some(base + self.period);
        now
    }
}

/// Sleeps until `until`: the timer up to [`PRECISE`] before it, then yields to the runtime
/// until it has passed.
async fn sleep_until_precisely(until: Instant) {
    if let Some(early) = until.checked_sub(PRECISE).filter(|early| *early > Instant::now()) {
        tokio::time::sleep_until(early.into()).await;
    }
    while Instant::now() < until {
        tokio::task::yield_now().await;
    }
}

/// Where a bucket's slots come from.
pub(crate) enum Source {
    /// This process's own limiter (`None`: no limit).
    Local(Option<Spacing>),
    /// The limit shared by every process holding the token, kept in Redis.
    #[cfg(feature = "redis")]
    Shared(shared::SharedLimit),
}

/// What a turn cost besides waiting, for the call's span.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Turn {
    /// Time spent in round trips to Redis (`None`: not a shared limit).
    pub redis_rtt: Option<Duration>,
    /// Whether Redis decided (`Some(true)`) or, Redis being down, the local fallback did.
    pub shared: Option<bool>,
}

/// One token's bucket on one server.
pub(crate) struct Bucket {
    /// A fair (FIFO) queue: one waiter at a time talks to the limiter, so waiters are served in
    /// arrival order; a waiter cancelled in the queue leaves without taking a slot.
    queue: tokio::sync::Mutex<()>,
    source: Source,
    /// Set by a 429: every task of this token waits until then.
    paused_until: Mutex<Option<Instant>>,
}

impl Bucket {
    fn new(source: Source) -> Self {
        Self { queue: tokio::sync::Mutex::new(()), source, paused_until: Mutex::new(None) }
    }

    /// Waits (asynchronously, cancellably, in arrival order) until this token may send.
    pub async fn wait_turn(&self) -> Turn {
        // Without a limit there are no slots to hand out in order: only a 429's pause holds a
        // call back, and the queue is skipped (an uncontended async lock is the most a call
        // to a nearby server pays here).
        let _turn = match &self.source {
            Source::Local(None) => None,
            _ => Some(self.queue.lock().await),
        };
        let pause = *self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        // A pause already over is not waited for (a timer for a past instant still goes
        // through tokio's timer driver).
        if let Some(until) = pause.filter(|until| *until > Instant::now()) {
            tokio::time::sleep_until(until.into()).await;
        }
        match &self.source {
            Source::Local(limiter) => {
                if let Some(limiter) = limiter {
                    limiter.until_ready().await;
                }
                Turn::default()
            }
            #[cfg(feature = "redis")]
            Source::Shared(shared) => {
                let (mode, rtt) = shared.acquire().await;
                Turn { redis_rtt: Some(rtt), shared: Some(mode == shared::Mode::Shared) }
            }
        }
    }

    /// Pauses the token for `for_` (after a 429): in this process, and with a shared limit in
    /// every process holding the token.
    pub fn pause(&self, for_: Duration) {
        #[cfg(feature = "redis")]
        if let Source::Shared(shared) = &self.source {
            shared.pause(for_);
        }
        let Some(until) = Instant::now().checked_add(for_) else { return };
        let mut paused = self.paused_until.lock().unwrap_or_else(PoisonError::into_inner);
        *paused = Some(paused.map_or(until, |p| p.max(until)));
    }
}

/// What a bucket is shared by: the server's origin, a fingerprint of the token (never the
/// token), the rate (clients configured with different rates keep separate buckets), and the
/// Redis store of a shared limit (its address in memory; none for the local limiter).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    origin: String,
    token: u64,
    rate: Option<Rate>,
    store: usize,
}

/// The bucket for this token on this server at this rate, shared across the process.
pub(crate) fn bucket(origin: &str, token_fingerprint: u64, rate: Option<Rate>) -> Arc<Bucket> {
    let key = Key { origin: origin.to_owned(), token: token_fingerprint, rate, store: 0 };
    bucket_for(key, || Source::Local(rate.map(Spacing::new)))
}

/// The bucket for this token on this server at this rate whose slots come from the limit
/// shared in `store` (without a rate, there is nothing to share: the local bucket).
#[cfg(feature = "redis")]
pub(crate) fn shared_bucket(
    origin: &str,
    token: &crate::token::ApiToken,
    rate: Option<Rate>,
    store: &Arc<shared::Store>,
) -> Arc<Bucket> {
    let Some(r) = rate else { return bucket(origin, token.fingerprint(), rate) };
    let store_id = Arc::as_ptr(store) as usize;
    let key = Key { origin: origin.to_owned(), token: token.fingerprint(), rate, store: store_id };
    bucket_for(key, || {
        let fingerprint = token.stable_fingerprint(origin);
        Source::Shared(shared::SharedLimit::new(store.clone(), &fingerprint, r))
    })
}

fn bucket_for(key: Key, source: impl FnOnce() -> Source) -> Arc<Bucket> {
    static BUCKETS: LazyLock<Mutex<HashMap<Key, Arc<Bucket>>>> = LazyLock::new(Default::default);
    let mut buckets = BUCKETS.lock().unwrap_or_else(PoisonError::into_inner);
    buckets.entry(key).or_insert_with(|| Arc::new(Bucket::new(source()))).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On the instants the slots were granted (not on a clock read after, which a busy machine
    /// can delay): only lower bounds, since load makes gaps longer, never shorter.
    #[tokio::test]
    async fn slots_are_never_closer_than_a_period_less_the_absorbed_lateness() {
        let rate = Rate::new(100.0, 1).unwrap();
        let spacing = Spacing::new(rate);
        let mut granted = Vec::new();
        for _ in 0..30 {
            granted.push(spacing.until_ready().await);
        }
        let floor = rate.period - rate.period.mul_f64(ABSORBED);
        for pair in granted.windows(2) {
            assert!(pair[1] - pair[0] >= floor, "a gap of {:?} < {floor:?}", pair[1] - pair[0]);
        }
        // No drift below the schedule: 29 gaps take at least 29 periods less one absorption.
        assert!(granted[29] - granted[0] >= rate.period * 29 - rate.period.mul_f64(ABSORBED));
    }

    /// Without a limit nothing waits, but a 429's pause holds every call of the token until it
    /// ends (only a lower bound, as above).
    #[tokio::test]
    async fn without_a_limit_only_a_pause_holds_a_call_back() {
        let bucket = Bucket::new(Source::Local(None));
        let started = Instant::now();
        bucket.wait_turn().await;
        bucket.pause(Duration::from_millis(150));
        let (first, second) = tokio::join!(bucket.wait_turn(), bucket.wait_turn());
        assert!(started.elapsed() >= Duration::from_millis(150), "{:?}", started.elapsed());
        assert!(first.redis_rtt.is_none() && second.redis_rtt.is_none());
    }

    /// A wake-up later than what is absorbed takes 1 % of a period from the next gap (half the
    /// 2 % margin) and no more. Only a lower bound, as above.
    #[tokio::test]
    async fn a_late_wake_up_takes_one_percent_of_a_period_from_the_next_gap() {
        let rate = Rate::new(1.0, 1).unwrap();
        let spacing = Spacing::new(rate);
        spacing.until_ready().await;
        // Woken 5 % of a period after its slot, as on a busy machine.
        tokio::time::sleep(rate.period.mul_f64(1.05)).await;
        let late = spacing.until_ready().await;
        let next = spacing.until_ready().await;
        let floor = rate.period.mul_f64(0.99);
        assert!(next - late >= floor, "a gap of {:?} < {floor:?}", next - late);
    }

    /// The timer sleeps through a wait; only its last 1.5 ms are yielded through. The thread's
    /// CPU time, from Linux's `/proc` (in ticks of 10 ms), stays far below the wait's length.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_long_wait_sleeps_rather_than_spins() {
        fn cpu() -> Duration {
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
            // After the command's closing parenthesis: state, then fields 4.., utime and stime
            // being fields 14 and 15.
            let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
            let ticks: u64 =
                fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
            Duration::from_millis(ticks * 10)
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let before = cpu();
        runtime.block_on(sleep_until_precisely(Instant::now() + Duration::from_millis(600)));
        let used = cpu() - before;
        assert!(used < Duration::from_millis(200), "{used:?} of CPU for a 600 ms wait");
    }

    #[tokio::test]
    async fn a_stall_restarts_the_schedule_instead_of_bursting_to_catch_up() {
        let rate = Rate::new(100.0, 1).unwrap();
        let spacing = Spacing::new(rate);
        spacing.until_ready().await;
        // Stalled for ten periods (as a busy process may be): the slots missed are not owed.
        std::thread::sleep(rate.period * 10);
        let first = spacing.until_ready().await;
        spacing.until_ready().await;
        let third = spacing.until_ready().await;
        let floor = rate.period * 2 - rate.period.mul_f64(ABSORBED);
        assert!(third - first >= floor, "three slots in {:?} < {floor:?}", third - first);
    }

    #[tokio::test]
    async fn a_burst_is_allowed_at_once_then_spaced() {
        let rate = Rate::new(100.0, 3).unwrap();
        let spacing = Spacing::new(rate);
        let first = spacing.until_ready().await;
        spacing.until_ready().await;
        spacing.until_ready().await;
        let fourth = spacing.until_ready().await;
        let floor = rate.period - rate.period.mul_f64(ABSORBED);
        assert!(fourth - first >= floor, "{:?} < {floor:?}", fourth - first);
    }
}
