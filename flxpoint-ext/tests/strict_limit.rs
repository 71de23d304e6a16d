//! The client's limiter against the sandbox's strict window (never more than N accepted in any
//! window per token): not one 429. In a test binary of their own, so that the fault storms of
//! `resilience.rs` do not load the machine while arrival times are being judged.

use flxpoint_ext::{Client, FulfillmentRequestRef, RetryPolicy, ShipmentLine, TokenKind};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use std::time::Duration;

/// No call may take longer than this; a hang fails the test instead of blocking CI.
const HANG: Duration = Duration::from_secs(120);

async fn sandbox(rate_per_second: Option<f64>) -> Sandbox {
    Sandbox::start(SandboxConfig { rate_per_second, ..Default::default() }).await.unwrap()
}

fn shipment(c: &Client, tracking: &str) -> flxpoint_ext::CreateShipment {
    c.create_shipment(FulfillmentRequestRef::id(1388412), tracking)
        .carrier("ups")
        .line(ShipmentLine::sku("HG12123123", 1))
}

/// 8 tasks sharing one client (and a second token's clone) against a sandbox enforcing
/// `RATE` requests/second per token: the client's limiter keeps every token under it. (The
/// rate is low enough that scheduling delays on a busy CI machine stay well inside a slot.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_tasks_sharing_a_client_never_see_a_429() {
    const RATE: f64 = 5.0;
    let sandbox = sandbox(Some(RATE)).await;
    let account = Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .rate_limit(RATE, 1)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let source =
        account.with_token(seed::SOURCE_TOKEN, Some(TokenKind::Source { source_id: 100 })).unwrap();
    let mut tasks = Vec::new();
    for task in 0..8 {
        let client = if task % 2 == 0 { account.clone() } else { source.clone() };
        tasks.push(tokio::spawn(async move {
            for call in 0..4 {
                shipment(&client, &format!("LIMIT-{task}-{call}")).send().await.unwrap();
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(HANG, task).await.expect("no hang").unwrap();
    }
    let counters = &sandbox.state()["counters"];
    assert_eq!(counters["requestsReceived"], 32);
    assert_eq!(counters["tooManyRequests"], 0, "{counters}");
    assert_eq!(counters["rateLimited"], 0, "{counters}");
    assert_eq!(sandbox.shipments().len(), 32);
}

/// The documented default (2 requests/second, burst 1) against the sandbox's strict default
/// (never more than 2 accepted in any one-second window per token): two clients built apart
/// with one token, six tasks, 14 calls, not one 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_rate_never_exceeds_two_in_any_second_of_the_strict_sandbox() {
    let sandbox = sandbox(Some(2.0)).await;
    let build = || {
        Client::builder(seed::ACCOUNT_TOKEN)
            .base_url(sandbox.base_url())
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };
    let (first, second) = (build(), build());
    let mut tasks = Vec::new();
    for task in 0..6 {
        let client = if task < 4 { first.clone() } else { second.clone() };
        let calls = if task < 4 { 3 } else { 1 };
        tasks.push(tokio::spawn(async move {
            for call in 0..calls {
                client
                    .fail_fulfillment_request(999_000 + task, format!("t{call}"))
                    .send()
                    .await
                    .ok();
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(HANG, task).await.expect("no hang").unwrap();
    }
    let counters = &sandbox.state()["counters"];
    assert_eq!(counters["requestsReceived"], 14, "{counters}");
    assert_eq!(counters["tooManyRequests"], 0, "{counters}");
    assert_eq!(counters["rateLimited"], 0, "{counters}");
}
