//! Every setting gives a typed error or a working client, never a panic: property tests over
//! `ClientBuilder`'s numeric inputs, the edge values named, and a call through the most extreme
//! accepted settings against a real loopback server.

mod common;

use common::TOKEN;
use flxpoint_ext::{Client, ClientBuilder, Error, RetryPolicy};
use proptest::prelude::*;
use std::time::Duration;
use wiremock::matchers::any as any_request;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn base() -> ClientBuilder {
    Client::builder(TOKEN).base_url("http://127.0.0.1:9")
}

/// Any duration, edge values weighted in.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(1)),
        Just(Duration::from_secs(86_400)),
        Just(Duration::from_secs(86_401)),
        any::<u64>().prop_map(Duration::from_nanos),
        (any::<u64>(), 0..1_000_000_000u32).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(1e-300),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
        Just(f64::INFINITY),
        Just(f64::NAN),
        Just(0.0),
        Just(-0.0),
        Just(1.0 / 86_400.0),
        Just(1e6),
        any::<f64>(),
        (1e-9..1e9f64),
    ]
}

fn field_of(e: &Error) -> Option<&str> {
    match e {
        Error::Validation { field, .. } => Some(field),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rate_limit_is_accepted_or_a_named_error(per_second in rate(), burst in any::<u32>()) {
        match base().rate_limit(per_second, burst).build() {
            Ok(_) => {
                prop_assert!((1.0 / 86_400.0..=1e6).contains(&per_second));
                prop_assert!((1..=10_000).contains(&burst));
            }
            Err(e) => prop_assert!(
                matches!(field_of(&e), Some("rate_limit.per_second" | "rate_limit.burst")),
                "{e:?}"
            ),
        }
    }

    #[test]
    fn durations_are_accepted_or_a_named_error(
        connect in duration(),
        attempt in duration(),
        deadline in duration(),
        base_backoff in duration(),
        max_backoff in duration(),
        budget in duration(),
        max_attempts in any::<u32>(),
        max_body in any::<usize>(),
    ) {
        let policy = RetryPolicy::default().with_max_attempts(max_attempts).with_base_backoff(base_backoff).with_max_backoff(max_backoff).with_budget(budget);
        let built = base()
            .connect_timeout(connect)
            .attempt_timeout(attempt)
            .deadline(deadline)
            .retry(policy)
            .max_response_bytes(max_body)
            .build();
        let in_range = |d: Duration| !d.is_zero() && d <= Duration::from_secs(86_400);
        let valid = in_range(connect)
            && in_range(attempt)
            && in_range(deadline)
            && max_backoff <= Duration::from_secs(86_400)
            && (1..=100).contains(&max_attempts)
            && max_body >= 1024;
        match built {
            Ok(_) => prop_assert!(valid),
            Err(e) => {
                prop_assert!(!valid, "refused a valid setting: {e:?}");
                prop_assert!(field_of(&e).is_some(), "{e:?}");
            }
        }
    }
}

#[test]
fn the_reported_cases_are_named_errors() {
    type Case = (&'static str, fn(ClientBuilder) -> ClientBuilder, &'static str);
    let cases: [Case; 9] = [
        ("rate 1e-300", |b| b.rate_limit(1e-300, 1), "rate_limit.per_second"),
        ("rate 1e300", |b| b.rate_limit(1e300, 1), "rate_limit.per_second"),
        ("burst 0", |b| b.rate_limit(2.0, 0), "rate_limit.burst"),
        ("attempt 0", |b| b.attempt_timeout(Duration::ZERO), "attempt_timeout"),
        ("deadline 0", |b| b.deadline(Duration::ZERO), "deadline"),
        ("connect 0", |b| b.connect_timeout(Duration::ZERO), "connect_timeout"),
        ("deadline MAX", |b| b.deadline(Duration::MAX), "deadline"),
        (
            "attempts 0",
            |b| b.retry(RetryPolicy::default().with_max_attempts(0)),
            "retry.max_attempts",
        ),
        ("body 0", |b| b.max_response_bytes(0), "max_response_bytes"),
    ];
    for (name, set, field) in cases {
        let err = set(base()).build().unwrap_err();
        assert_eq!(field_of(&err), Some(field), "{name}: {err:?}");
    }
}

#[test]
fn bad_urls_tokens_and_user_agents_are_errors() {
    for url in
        ["", "ftp://x", "http://", "http://u:p@h", "http://h/?q=1", "http://h/#f", "mailto:a@b"]
    {
        let err = Client::builder(TOKEN).base_url(url).build().unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
    }
    let err = base().user_agent("bad\nagent").build().unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[tokio::test]
async fn the_most_extreme_accepted_settings_still_make_a_call() {
    let server = MockServer::start().await;
    Mock::given(any_request()).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let day = Duration::from_secs(86_400);
    let c = Client::builder(TOKEN)
        .base_url(server.uri())
        .connect_timeout(day)
        .attempt_timeout(day)
        .deadline(day)
        .rate_limit(1e6, 10_000)
        .max_response_bytes(usize::MAX)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(100)
                .with_base_backoff(Duration::from_nanos(1))
                .with_max_backoff(Duration::from_nanos(1))
                .with_budget(Duration::MAX),
        )
        .build()
        .unwrap();
    let err = c.sync_accounting(5).accounting_synced(flxpoint_ext::Patch::Set(true)).send().await;
    assert!(matches!(err, Err(Error::Server(ref e)) if e.status == 503), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 100);

    // Huge backoffs with a server's huge Retry-After: capped, no overflow, no panic; the budget
    // ends the retries at once.
    let server = MockServer::start().await;
    Mock::given(any_request())
        .respond_with(
            ResponseTemplate::new(429).insert_header("retry-after", "18446744073709551615"),
        )
        .mount(&server)
        .await;
    let c = Client::builder(TOKEN)
        .base_url(server.uri())
        .no_rate_limit()
        .retry(
            RetryPolicy::default()
                .with_max_attempts(100)
                .with_base_backoff(Duration::MAX)
                .with_max_backoff(day)
                .with_budget(Duration::from_secs(1)),
        )
        .build()
        .unwrap();
    let err = common::call_operation(&c, "linkUnmanagedOrders").await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
