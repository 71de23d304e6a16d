//! The shared limit's edges against a real `redis-server`: a wrong password, an unreachable or
//! stopped Redis, a bad URL (typed errors or the documented fallback, never the password), the
//! call span's Redis round trip, a 429 pausing every worker, a cancelled waiter, and the first
//! shared send after the fallback; no password and an ACL user without the scripts.

mod common;
mod shared_limit_support;

use flxpoint_ext::{Client, Error, RetryPolicy};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use shared_limit_support::{RedisServer, free_port};
use std::time::{Duration, Instant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "right-horse-battery-staple";

async fn unlimited_sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() }).await.unwrap()
}

fn shared(base: &str, redis: &str) -> flxpoint_ext::ClientBuilder {
    Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(base)
        .shared_rate_limit(redis)
        .retry(RetryPolicy::none())
}

/// The log check and the span check in one test: a thread-local subscriber reads them.
#[tokio::test]
async fn a_wrong_password_is_a_clear_error_and_calls_fall_back_and_the_span_shows_redis() {
    let (captured, _guard) = common::capture_logs(tracing::Level::DEBUG);
    let redis = RedisServer::start(Some(PASSWORD));
    let sandbox = unlimited_sandbox().await;

    let wrong = format!("redis://:wrong-pass-9f2c@127.0.0.1:{}/", redis.port);
    let builder = shared(&sandbox.base_url(), &wrong);
    assert!(!format!("{builder:?}").contains("wrong-pass-9f2c"), "{builder:?}");
    let client = builder.build().unwrap();
    let e = client.verify_shared_rate_limit().await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(matches!(e, Error::Config(_)), "{text}");
    // Said of the URL itself, not only in the reason that follows.
    assert!(text.contains("/ refused the credentials: "), "{text}");
    assert!(!text.contains("cannot be used"), "{text}");
    // The client library's own words follow.
    assert!(text.to_lowercase().contains("authentication failed"), "{text}");
    assert!(!text.contains("wrong-pass-9f2c"), "{text}");
    // Calls go on at the documented fallback.
    client.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001)).send().await.unwrap();

    let right = shared(&sandbox.base_url(), &redis.url()).build().unwrap();
    right.verify_shared_rate_limit().await.unwrap();
    right.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3002)).send().await.unwrap();

    let logs = captured.text();
    assert!(!logs.contains("wrong-pass-9f2c") && !logs.contains(PASSWORD), "{logs}");
    assert!(!logs.contains(seed::ACCOUNT_TOKEN), "{logs}");
    assert_eq!(logs.matches("Redis is unreachable or too slow").count(), 1, "{logs}");
    // The fallback warning says why: the credentials.
    let warning = logs.lines().find(|l| l.contains("Redis is unreachable")).unwrap_or_default();
    assert!(warning.contains("Redis refused the credentials: "), "{warning}");
    // The two calls in order: the first went on the fallback, the second through Redis.
    let calls: Vec<&str> = logs.lines().filter(|l| l.contains("flxpoint call")).collect();
    assert_eq!(calls.len(), 2, "{logs}");
    assert!(calls[0].contains("shared_limit=\"local-fallback\""), "{logs}");
    assert!(calls[1].contains("shared_limit=\"redis\""), "{logs}");
    assert!(calls[1].contains("redis_rtt_us="), "{}", calls[1]);
}

#[tokio::test]
async fn an_unreachable_redis_is_a_clear_error_and_never_blocks_a_call() {
    let sandbox = unlimited_sandbox().await;
    let nowhere = format!("redis://:pw-77aa@127.0.0.1:{}/", free_port());
    let client = shared(&sandbox.base_url(), &nowhere).build().unwrap();
    let started = Instant::now();
    let e = client.verify_shared_rate_limit().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "bounded: {:?}", started.elapsed());
    let text = format!("{e} {e:?}");
    assert!(matches!(e, Error::Config(_)) && text.contains("cannot be used"), "{text}");
    assert!(!text.contains("credentials"), "not a credentials problem: {text}");
    assert!(!text.contains("pw-77aa"), "{text}");
    let started = Instant::now();
    client.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001)).send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "fallback at once: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_stopped_redis_costs_a_call_at_most_its_bounded_timeout() {
    let redis = RedisServer::start(None);
    let sandbox = unlimited_sandbox().await;
    let client = shared(&sandbox.base_url(), &redis.url()).build().unwrap();
    client.verify_shared_rate_limit().await.unwrap();
    redis.signal("-STOP");
    let started = Instant::now();
    let outcome =
        client.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001)).send().await;
    let took = started.elapsed();
    redis.signal("-CONT");
    outcome.unwrap();
    assert!(took < Duration::from_millis(2_500), "no hang on a silent Redis: {took:?}");
}

#[test]
fn a_bad_url_is_a_config_error_at_build_time_without_its_password() {
    for url in ["http://user:pw-1234@127.0.0.1:6379/", "redis://:pw-1234@[nonsense", "nonsense"] {
        let e = Client::builder(seed::ACCOUNT_TOKEN).shared_rate_limit(url).build().unwrap_err();
        let text = format!("{e} {e:?}");
        assert!(matches!(e, Error::Config(_)), "{url}: {text}");
        assert!(!text.contains("pw-1234"), "{text}");
    }
}

/// Two stores (two URLs naming one Redis) stand for two worker processes: a 429 one of them
/// sees pauses the other, through the pause key.
#[tokio::test]
async fn a_429_seen_by_one_worker_pauses_the_token_for_all() {
    let redis = RedisServer::start(None);
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any()).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let build = |url: String| {
        Client::builder(common::TOKEN)
            .base_url(server.uri())
            .rate_limit(50.0, 1)
            .shared_rate_limit(url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let first = build(format!("redis://127.0.0.1:{}/", redis.port));
    let second = build(format!("redis://localhost:{}/", redis.port));
    let limited = first.fail_fulfillment_request(5, "x").send().await;
    assert!(matches!(limited, Err(Error::RateLimited { .. })), "{limited:?}");
    tokio::time::sleep(Duration::from_millis(100)).await; // the pause is set in the background
    let keys = redis.command(&["KEYS", "*pause"]);
    assert!(keys.contains(":pause"), "{keys}");
    let started = Instant::now();
    second.fail_fulfillment_request(5, "y").send().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1_500), "{:?}", started.elapsed());
}

/// A caller dropped while it waits for its turn takes no slot.
#[tokio::test]
async fn a_cancelled_waiter_takes_no_slot() {
    let redis = RedisServer::start(None);
    let sandbox = unlimited_sandbox().await;
    let client = Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .rate_limit(0.5, 1)
        .shared_rate_limit(redis.url())
        .build()
        .unwrap();
    client.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001)).send().await.unwrap();
    for _ in 0..5 {
        let waiting =
            client.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3002)).send();
        assert!(tokio::time::timeout(Duration::from_millis(150), waiting).await.is_err());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let keys = redis.command(&["KEYS", "*:log"]);
    let key = keys.lines().find(|l| l.ends_with(":log")).unwrap_or_else(|| panic!("{keys}"));
    let count = redis.command(&["ZCARD", key]);
    assert_eq!(count.trim(), ":1", "one slot taken, by the one call sent");
    assert_eq!(sandbox.request_count(), 1);
}

/// Back from the fallback, the first shared send keeps a period from this process's last local
/// one, which Redis's log does not hold. Sequential calls re-ask Redis right after a local send
/// (the fallback's pace and the re-probe are both 2 s here), so without that wait the two would
/// leave a few milliseconds apart.
#[tokio::test]
async fn the_first_shared_send_after_the_fallback_keeps_a_period_from_the_last_local_one() {
    let mut redis = RedisServer::start(None);
    let sandbox = unlimited_sandbox().await;
    let client = shared(&sandbox.base_url(), &redis.url()).build().unwrap();
    client.verify_shared_rate_limit().await.unwrap();
    redis.kill();
    let mut done = Vec::new();
    for call in 0..4 {
        client
            .link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001))
            .send()
            .await
            .unwrap();
        done.push(Instant::now());
        if call == 0 {
            // The first call went out on the fallback; Redis is back before the next re-probe.
            redis.restart();
        }
    }
    let gaps: Vec<Duration> = done.windows(2).map(|w| w[1] - w[0]).collect();
    // 2 requests a second, burst 1: sends leave 500 ms apart (the shared limit spaces 510 ms);
    // the bound leaves room for a loaded machine's latency between a send and its answer.
    assert!(gaps.iter().all(|gap| *gap >= Duration::from_millis(300)), "{gaps:?}");
}

/// The other ways Redis refuses a client are credentials errors too: no password where one is
/// required (`NOAUTH`), and an ACL user without the right to run the scripts (`NOPERM`).
#[tokio::test]
async fn no_password_and_a_user_without_the_scripts_are_credentials_errors() {
    let redis = RedisServer::start(Some(PASSWORD));
    let sandbox = unlimited_sandbox().await;
    // A user that may PING but not load scripts.
    let created = redis.command(&["ACL", "SETUSER", "pinger", "on", ">pinger-pw", "+ping"]);
    assert!(created.contains("OK"), "{created}");
    for url in [
        format!("redis://127.0.0.1:{}/", redis.port),
        format!("redis://pinger:pinger-pw@127.0.0.1:{}/", redis.port),
    ] {
        let client = shared(&sandbox.base_url(), &url).build().unwrap();
        let e = client.verify_shared_rate_limit().await.unwrap_err();
        let text = format!("{e}");
        assert!(text.contains("/ refused the credentials: "), "{url}: {text}");
        assert!(!text.contains("pinger-pw"), "{text}");
    }
}
