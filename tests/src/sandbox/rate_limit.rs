//! Per-token GCRA rate limiting (governor's keyed limiter).

use std::io;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};

/// A per-token limiter, or none (`rate_per_second: None`).
pub(crate) struct RateLimit {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl RateLimit {
    /// `rate` requests per second with `burst` requests allowed at once; `None` = unlimited.
    pub(crate) fn new(rate: Option<f64>, burst: u32) -> io::Result<Self> {
        let Some(rate) = rate else {
            return Ok(RateLimit { limiter: None });
        };
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        if !(rate.is_finite() && rate > 0.0) {
            return Err(invalid("rate_per_second must be a positive finite number"));
        }
        let burst = NonZeroU32::new(burst).ok_or_else(|| invalid("burst must be at least 1"))?;
        let period = Duration::try_from_secs_f64(1.0 / rate)
            .map_err(|_| invalid("rate_per_second is out of range"))?;
        let quota = Quota::with_period(period)
            .ok_or_else(|| invalid("rate_per_second is too high"))?
            .allow_burst(burst);
        Ok(RateLimit { limiter: Some(DefaultKeyedRateLimiter::keyed(quota)) })
    }

    /// `Ok` if `key` may send now, else the `Retry-After` in whole seconds (rounded up, ≥ 1).
    pub(crate) fn check(&self, key: &str) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                Err(retry_after_seconds(wait))
            }
        }
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

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(3)), 3);
    }

    #[test]
    fn invalid_configurations_are_refused() {
        assert!(RateLimit::new(Some(0.0), 1).is_err());
        assert!(RateLimit::new(Some(-1.0), 1).is_err());
        assert!(RateLimit::new(Some(f64::NAN), 1).is_err());
        assert!(RateLimit::new(Some(1e-300), 1).is_err());
        assert!(RateLimit::new(Some(2.0), 0).is_err());
        assert!(RateLimit::new(None, 0).is_ok());
    }

    #[test]
    fn burst_then_refusal_per_key() {
        let limit = RateLimit::new(Some(1.0), 2).unwrap();
        assert_eq!(limit.check("a"), Ok(()));
        assert_eq!(limit.check("a"), Ok(()));
        assert_eq!(limit.check("a"), Err(1));
        assert_eq!(limit.check("b"), Ok(()));
    }
}
