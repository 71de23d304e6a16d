//! Per-token rate limiting: a strict sliding-window log.
//!
//! Rule: per token, at most N requests are accepted in any window of length W. A request is
//! accepted when fewer than N accepted requests of its token arrived in the W before it (one that
//! arrived exactly W earlier has left the window), and it is then logged; a refused request is not
//! logged, so hammering does not push the next free slot further away. Each token keeps only its
//! last N arrival times. Time is `tokio::time::Instant`, so tests can use the paused clock.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Idle tokens are swept only once the map has grown to this many (then to twice the live ones).
const SWEEP_MIN: usize = 1024;

/// The configuration as (N, W). Decision: at most `burst` requests in any window of
/// `burst / rate` seconds; no `burst` = the rate when it is a whole number, else 1 (rate 2 → 2 in
/// any 1 s; rate 50 → 50 in any 1 s; rate 2, burst 1 → 1 in any 0.5 s; rate 0.5 → 1 in any 2 s).
pub(crate) fn window(rate: f64, burst: Option<u32>) -> io::Result<(u32, Duration)> {
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
    if !(rate.is_finite() && rate > 0.0) {
        return Err(invalid("rate_per_second must be a positive finite number"));
    }
    let limit = match burst {
        Some(0) => return Err(invalid("burst must be at least 1")),
        Some(burst) => burst,
        None if rate >= 1.0 && rate.fract() == 0.0 && rate <= f64::from(u32::MAX) => rate as u32,
        None => 1,
    };
    // Whole nanoseconds rounded down, so that a sender ticking exactly every 1/R s (in whole
    // nanoseconds) always finds the request N before it gone from the window.
    let nanos = (f64::from(limit) * 1e9 / rate).floor();
    if nanos < 1.0 {
        return Err(invalid("rate_per_second is too high"));
    }
    if nanos >= u64::MAX as f64 {
        return Err(invalid("rate_per_second is out of range (the window would be too long)"));
    }
    Ok((limit, Duration::from_nanos(nanos as u64)))
}

/// A per-token limiter, or none (`rate_per_second: None`).
pub(crate) struct RateLimit {
    window: Option<Window>,
}

/// At most `limit` accepted requests per token in any `length`.
struct Window {
    limit: usize,
    length: Duration,
    logs: Mutex<Logs>,
}

/// Accepted arrival times per token, oldest first, at most `limit` each.
#[derive(Default)]
struct Logs {
    by_token: HashMap<String, VecDeque<Instant>>,
    sweep_at: usize,
}

impl RateLimit {
    /// `rate` requests per second, `burst` as in [`window`]; `None` = unlimited.
    pub(crate) fn new(rate: Option<f64>, burst: Option<u32>) -> io::Result<Self> {
        let Some(rate) = rate else {
            return Ok(RateLimit { window: None });
        };
        let (limit, length) = window(rate, burst)?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(RateLimit { window: Some(Window { limit, length, logs: Mutex::default() }) })
    }

    /// `Ok` if `key` may send now, else the `Retry-After` in whole seconds (rounded up, ≥ 1).
    pub(crate) fn check(&self, key: &str) -> Result<(), u64> {
        let Some(window) = &self.window else { return Ok(()) };
        // The time is taken under the lock, so every log is in arrival order.
        let mut logs = window.logs.lock().unwrap_or_else(PoisonError::into_inner);
        window.decide(&mut logs, key, Instant::now())
    }

    /// [`check`](Self::check) at a given instant (instants must not go backwards).
    #[cfg(test)]
    fn check_at(&self, key: &str, now: Instant) -> Result<(), u64> {
        let Some(window) = &self.window else { return Ok(()) };
        let mut logs = window.logs.lock().unwrap_or_else(PoisonError::into_inner);
        window.decide(&mut logs, key, now)
    }
}

impl Window {
    fn decide(&self, logs: &mut Logs, key: &str, now: Instant) -> Result<(), u64> {
        match logs.by_token.get_mut(key) {
            Some(log) => self.admit(log, now),
            None => {
                logs.sweep(now, self.length);
                let mut log = VecDeque::new();
                let verdict = self.admit(&mut log, now);
                logs.by_token.insert(key.to_owned(), log);
                verdict
            }
        }
    }

    /// Drops what left the window; logs `now` if there is room, else says when the oldest leaves.
    fn admit(&self, log: &mut VecDeque<Instant>, now: Instant) -> Result<(), u64> {
        while log
            .front()
            .is_some_and(|&oldest| now.saturating_duration_since(oldest) >= self.length)
        {
            log.pop_front();
        }
        match log.front() {
            Some(&oldest) if log.len() >= self.limit => {
                Err(retry_after_seconds((oldest + self.length).saturating_duration_since(now)))
            }
            _ => {
                log.push_back(now);
                Ok(())
            }
        }
    }
}

impl Logs {
    /// Forgets tokens with nothing left in the window, once the map has doubled since the last
    /// sweep: memory stays proportional to the tokens active in the last W, at O(1) amortized.
    fn sweep(&mut self, now: Instant, length: Duration) {
        if self.by_token.len() < self.sweep_at.max(SWEEP_MIN) {
            return;
        }
        self.by_token.retain(|_, log| {
            log.back().is_some_and(|&newest| now.saturating_duration_since(newest) < length)
        });
        self.sweep_at = self.by_token.len() * 2;
    }
}

/// Whole seconds, rounded up, at least 1 (`Retry-After` has no fractions).
fn retry_after_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    /// The default configuration (`SandboxConfig::default()`: rate 2, no burst).
    fn default_limit() -> RateLimit {
        RateLimit::new(Some(2.0), None).unwrap()
    }

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(3)), 3);
    }

    #[test]
    fn invalid_configurations_are_refused() {
        assert!(RateLimit::new(Some(0.0), Some(1)).is_err());
        assert!(RateLimit::new(Some(-1.0), None).is_err());
        assert!(RateLimit::new(Some(f64::NAN), Some(1)).is_err());
        assert!(RateLimit::new(Some(f64::INFINITY), None).is_err());
        assert!(RateLimit::new(Some(1e-300), Some(1)).is_err(), "window too long");
        assert!(RateLimit::new(Some(1e12), Some(1)).is_err(), "window under 1 ns");
        assert!(RateLimit::new(Some(2.0), Some(0)).is_err());
        assert!(RateLimit::new(None, Some(0)).is_ok());
    }

    #[test]
    fn config_maps_to_n_requests_in_any_window_of_burst_over_rate() {
        let secs = Duration::from_secs_f64;
        assert_eq!(window(2.0, None).unwrap(), (2, secs(1.0)), "the default");
        assert_eq!(window(2.0, Some(2)).unwrap(), (2, secs(1.0)));
        assert_eq!(window(50.0, None).unwrap(), (50, secs(1.0)));
        assert_eq!(window(50.0, Some(50)).unwrap(), (50, secs(1.0)));
        assert_eq!(window(2.0, Some(1)).unwrap(), (1, secs(0.5)));
        assert_eq!(window(1.0, Some(1)).unwrap(), (1, secs(1.0)));
        assert_eq!(window(0.5, None).unwrap(), (1, secs(2.0)));
        assert_eq!(window(0.5, Some(2)).unwrap(), (2, secs(4.0)));
        assert_eq!(window(2.5, None).unwrap(), (1, secs(0.4)));
        assert_eq!(window(3.0, Some(1)).unwrap(), (1, Duration::from_nanos(333_333_333)));
    }

    /// (a) 0, 0.51 s, 0.9 s at the default: the third is refused (GCRA with burst 2 accepted it).
    #[test]
    fn the_default_refuses_a_third_request_within_one_second() {
        let limit = default_limit();
        let t0 = Instant::now();
        assert_eq!(limit.check_at("a", t0), Ok(()));
        assert_eq!(limit.check_at("a", t0 + ms(510)), Ok(()));
        assert_eq!(limit.check_at("a", t0 + ms(900)), Err(1));
        assert_eq!(limit.check_at("a", t0 + ms(999)), Err(1));
        // Three at once, too.
        assert_eq!(limit.check_at("b", t0), Ok(()));
        assert_eq!(limit.check_at("b", t0), Ok(()));
        assert_eq!(limit.check_at("b", t0), Err(1));
    }

    /// (b) Once the oldest accepted request is W old, there is room again — for one.
    #[test]
    fn requests_are_accepted_again_when_the_window_slides() {
        let limit = default_limit();
        let t0 = Instant::now();
        assert_eq!(limit.check_at("a", t0), Ok(()));
        assert_eq!(limit.check_at("a", t0 + ms(510)), Ok(()));
        assert_eq!(limit.check_at("a", t0 + ms(900)), Err(1));
        assert_eq!(limit.check_at("a", t0 + ms(1000)), Ok(()), "t0 left the window at 1.0 s");
        assert_eq!(limit.check_at("a", t0 + ms(1200)), Err(1), "0.51 and 1.0 are still in");
        assert_eq!(limit.check_at("a", t0 + ms(1509)), Err(1));
        assert_eq!(limit.check_at("a", t0 + ms(1510)), Ok(()));
    }

    #[test]
    fn refused_requests_do_not_enter_the_log() {
        let limit = RateLimit::new(Some(2.0), Some(1)).unwrap();
        let t0 = Instant::now();
        assert_eq!(limit.check_at("a", t0), Ok(()));
        for step in 1..500 {
            assert_eq!(limit.check_at("a", t0 + ms(step)), Err(1));
        }
        assert_eq!(limit.check_at("a", t0 + ms(500)), Ok(()), "only t0 counted");
    }

    /// (c) A sender at exactly R/s (request k at k/R s, in whole nanoseconds) for several seconds
    /// is never refused, whatever the burst; a sender 1 µs per request faster is caught.
    #[test]
    fn a_sender_at_exactly_the_rate_is_never_refused() {
        for rate in [0.5, 1.0, 2.0, 3.0, 7.0, 50.0] {
            for burst in [None, Some(1), Some(2), Some(5)] {
                let limit = RateLimit::new(Some(rate), burst).unwrap();
                let (n, _) = window(rate, burst).unwrap();
                let t0 = Instant::now();
                // 8 seconds' worth, and more than N.
                let requests = ((rate * 8.0) as u64).max(u64::from(n) + 2);
                for k in 0..requests {
                    let at = t0 + Duration::from_nanos((k as f64 * 1e9 / rate) as u64);
                    assert_eq!(limit.check_at("a", at), Ok(()), "rate {rate} burst {burst:?} #{k}");
                }
                let faster = RateLimit::new(Some(rate), burst).unwrap();
                let period = Duration::from_secs_f64(1.0 / rate) - Duration::from_micros(1);
                let refused = (0..requests)
                    .filter(|&k| faster.check_at("a", t0 + period * k as u32).is_err())
                    .count();
                assert!(refused > 0, "rate {rate} burst {burst:?}: too fast yet never refused");
            }
        }
    }

    /// The rule itself, on irregular arrivals: no N accepted within any W (strict), and a request
    /// is refused only when N accepted ones arrived within the W before it (not stricter).
    #[test]
    fn no_window_ever_holds_more_than_n_and_refusals_are_justified() {
        for (rate, burst) in [(2.0, None), (2.0, Some(1)), (5.0, Some(3)), (0.5, Some(2))] {
            let (limit_n, length) = window(rate, burst).unwrap();
            let n = limit_n as usize;
            let limit = RateLimit::new(Some(rate), burst).unwrap();
            let t0 = Instant::now();
            let mut rng = 0x2545_f491_4f6c_dd1d_u64; // xorshift: the same arrivals every run
            let mut at = t0;
            let mut accepted: Vec<Instant> = Vec::new();
            for _ in 0..2000 {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                at += Duration::from_nanos(rng % (length.as_nanos() as u64 / n as u64 * 2 + 1));
                let recent = accepted.iter().filter(|&&t| at - t < length).count();
                match limit.check_at("a", at) {
                    Ok(()) => {
                        assert!(recent < n, "accepted with {recent} already in the window");
                        accepted.push(at);
                    }
                    Err(_) => assert_eq!(recent, n, "refused with room in the window"),
                }
            }
            for pair in accepted.windows(n + 1) {
                assert!(pair[n] - pair[0] >= length, "{} accepted within {length:?}", n + 1);
            }
            assert!(accepted.len() > 100, "the arrivals exercised acceptance too");
        }
    }

    /// (d) Each token has its own window.
    #[test]
    fn tokens_are_limited_independently() {
        let limit = default_limit();
        let t0 = Instant::now();
        for token in ["a", "b", "", "stranger"] {
            assert_eq!(limit.check_at(token, t0), Ok(()), "{token:?}");
            assert_eq!(limit.check_at(token, t0 + ms(100)), Ok(()), "{token:?}");
        }
        for token in ["a", "b", "", "stranger"] {
            assert_eq!(limit.check_at(token, t0 + ms(200)), Err(1), "{token:?}");
        }
        assert_eq!(limit.check_at("c", t0 + ms(200)), Ok(()));
    }

    /// (e) `Retry-After` = until the oldest request in the window leaves it, rounded up, ≥ 1.
    #[test]
    fn retry_after_counts_until_the_oldest_request_leaves_the_window() {
        let t0 = Instant::now();
        let slow = RateLimit::new(Some(0.2), Some(1)).unwrap(); // 1 in any 5 s
        assert_eq!(slow.check_at("a", t0), Ok(()));
        assert_eq!(slow.check_at("a", t0 + ms(1)), Err(5), "4.999 s → 5");
        assert_eq!(slow.check_at("a", t0 + ms(1000)), Err(4), "exactly 4 s");
        assert_eq!(slow.check_at("a", t0 + ms(4999)), Err(1), "1 ms → 1");

        let wide = RateLimit::new(Some(1.0), Some(3)).unwrap(); // 3 in any 3 s
        for at in [0, 200, 2500] {
            assert_eq!(wide.check_at("a", t0 + ms(at)), Ok(()));
        }
        // The oldest (0) leaves at 3.0 s, not the newest (2.5 s) at 5.5 s.
        assert_eq!(wide.check_at("a", t0 + ms(2600)), Err(1));
        assert_eq!(wide.check_at("a", t0 + ms(3000)), Ok(()));
        assert_eq!(wide.check_at("a", t0 + ms(3100)), Err(1), "200 ms leaves at 3.2 s");
        let long = RateLimit::new(Some(0.1), Some(2)).unwrap(); // 2 in any 20 s
        assert_eq!(long.check_at("a", t0), Ok(()));
        assert_eq!(long.check_at("a", t0 + ms(10)), Ok(()));
        assert_eq!(long.check_at("a", t0 + ms(500)), Err(20), "19.5 s → 20");
    }

    #[test]
    fn memory_stays_bounded() {
        let limit = default_limit();
        let t0 = Instant::now();
        // Per token: at most N times, however much it sends.
        for step in 0..5000 {
            let _ = limit.check_at("busy", t0 + ms(step));
        }
        // Tokens that fell silent are forgotten: 20 000 tokens, about 10 active at any time.
        for k in 0..20_000 {
            let _ = limit.check_at(&format!("token-{k}"), t0 + ms(5000 + k * 100));
        }
        let window = limit.window.as_ref().unwrap();
        let logs = window.logs.lock().unwrap();
        assert!(logs.by_token.values().all(|log| log.len() <= window.limit));
        assert!(logs.by_token.len() <= SWEEP_MIN, "{} tokens kept", logs.by_token.len());
    }

    #[test]
    fn no_rate_means_no_limit() {
        let limit = RateLimit::new(None, None).unwrap();
        for _ in 0..100 {
            assert_eq!(limit.check("a"), Ok(()));
        }
    }

    /// `check` reads tokio's clock: with the clock paused, the window slides only when time is
    /// advanced.
    #[tokio::test(start_paused = true)]
    async fn check_follows_the_tokio_clock() {
        let limit = default_limit();
        assert_eq!(limit.check("a"), Ok(()));
        tokio::time::advance(ms(510)).await;
        assert_eq!(limit.check("a"), Ok(()));
        tokio::time::advance(ms(390)).await;
        assert_eq!(limit.check("a"), Err(1));
        tokio::time::advance(ms(100)).await;
        assert_eq!(limit.check("a"), Ok(()), "exactly 1 s after the first");
        assert_eq!(limit.check("a"), Err(1));
    }
}
