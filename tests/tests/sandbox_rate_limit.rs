//! The per-token rate limit over real HTTP: a strict sliding window (at most N requests accepted
//! in any window of W; the default is 2 per 1 s). The arithmetic is also tested with injected
//! instants in `src/sandbox/rate_limit.rs`; these tests show the server applies it.
//!
//! Timing: the limiter reads `tokio::time::Instant`, so the tests that check a window boundary
//! run on tokio's paused clock (`start_paused`): a request takes no time at all and the clock
//! moves only by `advance`, so each boundary is checked to the millisecond, however loaded the
//! machine. (`support::client()` keeps no idle connection: its idle timer would let the paused
//! clock jump while a request waits for I/O.)

#[path = "sandbox_support.rs"]
mod support;

use std::time::Duration;

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, Seed};
use support::{ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN, send, start_with};
use tokio::time::advance;

/// A cheap API call that changes nothing (`?foo=1` links nothing).
async fn noop(sandbox: &Sandbox, token: &str) -> support::Reply {
    send(sandbox, "PATCH", "/orders/link?foo=1", Some(token), None).await
}

/// A request with no token at all (its key is `""`).
async fn noop_without_token(sandbox: &Sandbox) -> support::Reply {
    send(sandbox, "PATCH", "/orders/link?foo=1", None, None).await
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// At most `burst` requests per token in any window of `burst / rate` seconds.
fn limited(rate: f64, burst: Option<u32>) -> SandboxConfig {
    SandboxConfig {
        rate_per_second: Some(rate),
        burst,
        seed: Seed::default(),
        ..Default::default()
    }
}

/// The statuses of one request per entry of `steps`, each sent after advancing the paused clock
/// by that many milliseconds.
async fn statuses_after(sandbox: &Sandbox, steps: &[u64]) -> Vec<u16> {
    let mut statuses = Vec::with_capacity(steps.len());
    for &step in steps {
        advance(ms(step)).await;
        statuses.push(noop(sandbox, ACCOUNT_TOKEN).await.status);
    }
    statuses
}

/// (a) At the default, requests at 0, 0.51 s and 0.9 s: the third is refused (the old GCRA
/// limiter with burst 2 let it through), and so is one at 0.999 s.
#[tokio::test(start_paused = true)]
async fn the_default_refuses_a_third_request_within_one_second() {
    let sandbox = start_with(SandboxConfig::default()).await;
    // Sent at 0, 510, 900 and 999 ms.
    let statuses = statuses_after(&sandbox, &[0, 510, 390, 99]).await;
    assert_eq!(statuses, [200, 200, 429, 429], "2 per second means no third within 1 s");
}

/// (b) After the window slides, requests are accepted again — one slot per request that left,
/// at exactly W after it arrived.
#[tokio::test(start_paused = true)]
async fn requests_are_accepted_again_when_the_window_slides() {
    let sandbox = start_with(SandboxConfig::default()).await;
    // Sent at 0, 510, 900, 1000 (the first left), 1200, 1509 (the second still in), 1510.
    let statuses = statuses_after(&sandbox, &[0, 510, 390, 100, 200, 309, 1]).await;
    assert_eq!(statuses, [200, 200, 429, 200, 429, 429, 200]);
}

/// Refused requests are not logged: hammering every 50 ms for the whole 2 s window does not push
/// the next free slot back — it comes exactly 2 s after the one accepted request.
#[tokio::test(start_paused = true)]
async fn refused_requests_do_not_enter_the_window() {
    let sandbox = start_with(limited(0.5, Some(1))).await; // 1 in any 2 s
    assert_eq!(noop(&sandbox, ACCOUNT_TOKEN).await.status, 200);
    let mut refused = 0;
    for _ in 0..39 {
        advance(ms(50)).await; // up to 1950 ms
        noop(&sandbox, ACCOUNT_TOKEN).await.assert_error(429, "rate limit");
        refused += 1;
    }
    advance(ms(50)).await; // 2000 ms
    assert_eq!(noop(&sandbox, ACCOUNT_TOKEN).await.status, 200, "after {refused} refusals");
    assert_eq!(sandbox.state()["counters"]["rateLimited"], refused);
}

/// (c) over HTTP: a client that waits 1/R after each answer sends its requests at least 1/R
/// apart whatever the delays, so it is never refused — at the default, with a whole rate's
/// default burst, and with burst 1. (Exactly R/s, with no slack at all, is checked with injected
/// instants in `rate_limit.rs`: over the network only jitter could tell it apart.) Real clock on
/// purpose: a slow machine only adds spacing, so load cannot turn any of these into a 429.
#[tokio::test]
async fn a_client_pacing_at_the_rate_is_never_refused() {
    async fn paced(config: SandboxConfig, requests: usize) {
        let period = Duration::from_secs_f64(1.0 / config.rate_per_second.unwrap());
        let sandbox = start_with(config.clone()).await;
        for k in 0..requests {
            let reply = noop(&sandbox, ACCOUNT_TOKEN).await;
            assert_eq!(reply.status, 200, "{config:?} request #{k}: {}", reply.text);
            tokio::time::sleep(period).await;
        }
        assert_eq!(sandbox.state()["counters"]["tooManyRequests"], 0);
    }
    tokio::join!(
        paced(SandboxConfig::default(), 5),
        paced(limited(5.0, None), 11),
        paced(limited(5.0, Some(1)), 11),
        paced(limited(5.0, Some(3)), 11),
    );
}

/// (d) Each token — known, unknown or missing — has its own window. A 20 s window keeps this
/// free of timing.
#[tokio::test]
async fn tokens_are_limited_independently() {
    let sandbox = start_with(limited(0.1, Some(2))).await; // 2 in any 20 s
    let tokens = [ACCOUNT_TOKEN, SOURCE_TOKEN, OTHER_SOURCE_TOKEN, CHANNEL_TOKEN, "stranger"];
    for _ in 0..2 {
        for token in tokens {
            let expected = if token == "stranger" { 401 } else { 200 };
            assert_eq!(noop(&sandbox, token).await.status, expected, "{token}");
        }
        assert_eq!(noop_without_token(&sandbox).await.status, 401);
    }
    for token in tokens {
        noop(&sandbox, token).await.assert_error(429, "rate limit");
    }
    noop_without_token(&sandbox).await.assert_error(429, "rate limit");
    assert_eq!(sandbox.state()["counters"]["rateLimited"], 6);
}

/// A whole rate without a burst allows that many in any 1 s: 3 at once with rate 3, not a 4th,
/// and not another until the first three are 1 s old.
#[tokio::test(start_paused = true)]
async fn a_whole_rate_without_burst_allows_that_many_in_any_second() {
    let sandbox = start_with(limited(3.0, None)).await;
    // Four at 0 ms, then at 999 ms and 1000 ms.
    let statuses = statuses_after(&sandbox, &[0, 0, 0, 0, 999, 1]).await;
    assert_eq!(statuses, [200, 200, 200, 429, 429, 200]);
}

/// (e) `Retry-After` = whole seconds, rounded up, until the oldest request leaves the window.
#[tokio::test(start_paused = true)]
async fn retry_after_counts_until_the_oldest_request_leaves() {
    // Default: two, then a third at once — the first leaves in 1 s → "1".
    let sandbox = start_with(SandboxConfig::default()).await;
    for _ in 0..2 {
        assert_eq!(noop(&sandbox, ACCOUNT_TOKEN).await.status, 200);
    }
    let reply = noop(&sandbox, ACCOUNT_TOKEN).await;
    reply.assert_error(429, "rate limit");
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));

    // 2 in any 20 s, accepted at 0 and 10 ms: the one at 0 leaves at 20 s.
    let sandbox = start_with(limited(0.1, Some(2))).await;
    assert_eq!(statuses_after(&sandbox, &[0, 10]).await, [200, 200]);
    let mut retry_after = Vec::new();
    // At 0.5 s (19.5 s left), 18 s (2 s), 18.001 s (1.999 s), 19 s (1 s), 19.999 s (1 ms).
    for step in [490, 17_500, 1, 999, 999] {
        advance(ms(step)).await;
        let reply = noop(&sandbox, ACCOUNT_TOKEN).await;
        reply.assert_error(429, "rate limit");
        retry_after.push(reply.header("retry-after").unwrap());
    }
    assert_eq!(retry_after, ["20", "2", "2", "1", "1"]);
    // At 20 s the first has left; the next waits for the one at 10 ms (10 ms → "1").
    assert_eq!(statuses_after(&sandbox, &[1]).await, [200]);
    let reply = noop(&sandbox, ACCOUNT_TOKEN).await;
    assert_eq!((reply.status, reply.header("retry-after").as_deref()), (429, Some("1")));
}
