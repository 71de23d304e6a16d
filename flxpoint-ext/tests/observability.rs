//! The per-call `tracing` span (`flxpoint.call`) records what happened, including for a call
//! cut off by its deadline while it waited for the rate limiter.

mod common;

use common::builder;
use flxpoint_ext::{Client, Error, LinkSelector, Patch, RetryPolicy};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use std::time::Duration;

/// The `flxpoint.call{…}` span line of the event that closes a call.
fn call_line(logs: &str, nth: usize) -> &str {
    logs.lines()
        .filter(|l| l.contains("flxpoint call"))
        .nth(nth)
        .unwrap_or_else(|| panic!("{logs}"))
}

fn field(line: &str, name: &str) -> u64 {
    let start = line.find(&format!("{name}=")).unwrap_or_else(|| panic!("{name} in {line}"));
    let digits: String =
        line[start + name.len() + 1..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// One test running both checks in turn: each reads a thread-local subscriber's output, and
/// tracing caches callsite interest process-wide, so concurrent tests could disturb each other.
#[tokio::test]
async fn the_call_span_records_what_happened() {
    the_span_records_attempts_status_and_limiter_wait_even_when_the_deadline_cuts_in().await;
    a_call_of_three_attempts_records_them_with_its_waits_and_latency().await;
}

async fn the_span_records_attempts_status_and_limiter_wait_even_when_the_deadline_cuts_in() {
    let (captured, _guard) = common::capture_logs(tracing::Level::DEBUG);

    let sandbox = Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
        .await
        .unwrap();
    let client = Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .rate_limit(0.5, 1) // the second call waits 2 s for its turn …
        .deadline(Duration::from_millis(400)) // … but may take only 400 ms
        .build()
        .unwrap();
    let linked = client.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.unwrap();
    assert_eq!(linked, [3001]);
    let cut = client.link_unmanaged_orders(LinkSelector::OrderId(3002)).send().await;
    assert!(matches!(cut, Err(Error::Timeout { .. })), "{cut:?}");
    assert_eq!(sandbox.request_count(), 1, "the cut call was never sent");

    let logs = captured.text();
    let first = call_line(&logs, 0);
    assert!(first.contains("operation=\"linkUnmanagedOrders\""), "{first}");
    assert_eq!((field(first, "attempts"), field(first, "status")), (1, 200), "{first}");
    let second = call_line(&logs, 1);
    assert_eq!(field(second, "attempts"), 1, "{second}");
    assert!(field(second, "limiter_wait_ms") >= 350, "the wait is reported: {second}");
    assert!(!second.contains("status="), "nothing answered: {second}");
}

async fn a_call_of_three_attempts_records_them_with_its_waits_and_latency() {
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::any};
    let (captured, _guard) = common::capture_logs(tracing::Level::DEBUG);

    // 503, 503, then 204; each answer takes 40 ms.
    let server = MockServer::start().await;
    let delay = Duration::from_millis(40);
    for (status, priority) in [(503, 1), (503, 2)] {
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_delay(delay))
            .up_to_n_times(1)
            .with_priority(priority)
            .mount(&server)
            .await;
    }
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204).set_delay(delay))
        .with_priority(3)
        .mount(&server)
        .await;
    // 5 requests/second: each retry waits for the next slot (≈ 204 ms after the one before,
    // so ≈ 160 ms after its answer); backoff itself is at most 1 ms.
    let client = builder(&server)
        .rate_limit(5.0, 1)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_base_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1))
                .with_budget(Duration::from_secs(10)),
        )
        .build()
        .unwrap();
    client.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    let logs = captured.text();
    let line = call_line(&logs, 0);
    assert!(line.contains("operation=\"syncFulfillmentRequestAccounting\""), "{line}");
    assert_eq!((field(line, "attempts"), field(line, "status")), (3, 204), "{line}");
    let waited = field(line, "limiter_wait_ms");
    let latency = field(line, "latency_ms");
    // Two waits of ≈ 160 ms; three answers of 40 ms on top. Wide margins for a loaded machine.
    assert!((250..=1000).contains(&waited), "limiter wait {waited} ms: {line}");
    assert!(latency >= waited + 3 * 40, "latency {latency} ms ≥ waits + answers: {line}");
    // One DEBUG event per attempt, spelled like the span.
    let attempts: Vec<&str> = logs.lines().filter(|l| l.contains("flxpoint attempt")).collect();
    assert_eq!(attempts.len(), 3, "{logs}");
    assert!(attempts[2].contains("attempt=3") && attempts[2].contains("status=204"));
    // The attempt event spells the operation as the span does.
    assert!(
        attempts
            .iter()
            .all(|l| l.contains("operation=\"syncFulfillmentRequestAccounting\" attempt")),
        "{logs}"
    );
    // The per-call event is DEBUG, not INFO.
    assert!(line.contains("DEBUG"), "{line}");
}
