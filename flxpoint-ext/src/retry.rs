//! When and how long to wait before trying a call again.

use std::time::Duration;

/// Retry policy: exponential backoff with full jitter, a maximum number of attempts and a total
/// time budget; `Retry-After` from the server wins over the computed backoff. Built from
/// [`RetryPolicy::default`] or [`RetryPolicy::none`] and the `with_*` methods.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles each retry, capped by `max_backoff`.
    pub base_backoff: Duration,
    /// Largest backoff (and largest `Retry-After` honoured).
    pub max_backoff: Duration,
    /// Total time a call may spend in retries' waiting; past it, the last answer is returned.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(20),
            budget: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The same policy with `max_attempts` attempts in all.
    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The same policy with another first backoff.
    pub fn with_base_backoff(mut self, base_backoff: Duration) -> Self {
        self.base_backoff = base_backoff;
        self
    }

    /// The same policy with another largest backoff.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// The same policy with another time budget.
    pub fn with_budget(mut self, budget: Duration) -> Self {
        self.budget = budget;
        self
    }

    /// `max_attempts` 1 to 100, `max_backoff` at most a day; the error names the field.
    pub(crate) fn check(&self) -> Result<(), crate::Error> {
        if !(1..=100).contains(&self.max_attempts) {
            return Err(crate::Error::validation(
                "retry.max_attempts",
                "must be between 1 and 100",
            ));
        }
        if self.max_backoff > std::time::Duration::from_secs(86_400) {
            return Err(crate::Error::validation(
                "retry.max_backoff",
                "must be at most a day (86400 s)",
            ));
        }
        Ok(())
    }

    /// The wait before retry number `retry` (1-based): the server's `Retry-After` if given
    /// (capped), else a uniformly random duration in `[0, min(max, base·2^(retry-1))]`
    /// ("full jitter", so that many clients do not retry in step).
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max_backoff);
        }
        self.backoff_cap(retry).mul_f64(fastrand::f64())
    }

    /// The upper end of the jittered wait before retry number `retry` (1-based):
    /// `min(max_backoff, base_backoff · 2^(retry-1))`.
    fn backoff_cap(&self, retry: u32) -> Duration {
        let exp = self.base_backoff.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        exp.min(self.max_backoff)
    }
}

/// Which failures of an attempt may be retried for a given call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryClass {
    /// Repeating the call is harmless (PUT flag-with-errors, PATCH accounting-sync): retry 429,
    /// 502/503/504, timeouts and connection failures.
    Idempotent,
    /// A repeat is not harmless, or answers differently: retry only what the server surely did
    /// not process (429, and a connection that could not be made).
    NotProcessedOnly,
}

/// Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(
            parsed > Duration::from_secs(27) && parsed <= Duration::from_secs(30),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn the_backoff_cap_doubles_each_retry_up_to_the_maximum() {
        let p = RetryPolicy {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        let caps: Vec<u128> = (1..=6).map(|r| p.backoff_cap(r).as_millis()).collect();
        assert_eq!(caps, [100, 200, 400, 800, 1000, 1000]);
        // Full jitter: spread over [0, cap], not pinned to it.
        let waits: Vec<Duration> = (0..200).map(|_| p.backoff(3, None)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(400)));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(200)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(200)));
    }

    #[test]
    fn none_means_one_attempt_and_the_default_is_four() {
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::default().max_attempts, 4);
    }

    #[test]
    fn backoff_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::default();
        for retry in 1..40 {
            assert!(p.backoff(retry, None) <= p.max_backoff);
        }
        assert_eq!(p.backoff(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(p.backoff(1, Some(Duration::from_secs(999))), p.max_backoff);
    }
}
