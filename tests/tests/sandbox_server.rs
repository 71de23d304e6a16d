//! The server around the operations: auth, rate limit, faults, admin routes, lifecycle, binary.

#[path = "sandbox_support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use flxpoint_sandbox::sandbox::{Fault, Sandbox, SandboxConfig, Seed};
use serde_json::{Value, json};
use support::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN, create, finish, raw, send,
    shipment_count, start, start_with,
};
use tokio::time::{Instant, advance};

fn minimal(tracking: &str) -> Value {
    json!({
        "fulfillmentRequestId": 1388412,
        "shipment": {"trackingNumber": tracking, "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}
    })
}

/// At most `burst` requests per token in any window of `burst / rate` seconds.
fn limited(rate: f64, burst: u32) -> SandboxConfig {
    SandboxConfig {
        rate_per_second: Some(rate),
        burst: Some(burst),
        seed: Seed::default(),
        ..Default::default()
    }
}

/// A cheap API call that changes nothing (`?foo=1` links nothing).
async fn noop(sandbox: &Sandbox, token: Option<&str>) -> support::Reply {
    send(sandbox, "PATCH", "/orders/link?foo=1", token, None).await
}

async fn admin(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> support::Reply {
    send(sandbox, method, &format!("/_sandbox/{path}"), None, body).await
}

/// Every operation with a body it would accept.
fn operations() -> Vec<(&'static str, &'static str, Option<Value>)> {
    vec![
        ("POST", "/shipments", Some(minimal("AUTH"))),
        ("PUT", "/shipments/flag-with-errors", Some(json!([{"id": 1, "syncError": "x"}]))),
        (
            "PATCH",
            "/fulfillment-requests/1388412/accounting-sync",
            Some(json!({"accountingSynced": true})),
        ),
        ("PATCH", "/fulfillment-requests/1388412/processing-failed?error=x", None),
        ("PATCH", "/orders/link?orderId=3001", None),
    ]
}

// ---- auth ----

#[tokio::test]
async fn every_operation_needs_a_known_token() {
    let sandbox = start().await;
    let before = sandbox.state();
    for (method, path, body) in operations() {
        for (token, needle) in [(None, "missing"), (Some("nope"), "unknown"), (Some(""), "unknown")]
        {
            let reply = send(&sandbox, method, path, token, body.as_ref()).await;
            assert_eq!(reply.status, 401, "{method} {path} {token:?}: {}", reply.text);
            reply.assert_error(401, needle);
        }
    }
    let mut after = sandbox.state();
    assert_eq!(after["counters"]["requestsReceived"], 15);
    after["counters"] = before["counters"].clone();
    // The traffic seen (calls in flight, creates received) is counted like `counters`.
    after["traffic"] = before["traffic"].clone();
    assert_eq!(after, before, "a refused call changes nothing");
    assert_eq!(sandbox.request_count(), 15);
}

#[tokio::test]
async fn token_kinds_decide_what_is_visible() {
    let sandbox = start().await;
    // Source 200 cannot see source 100's request; the account and the channel can.
    let fail = "/fulfillment-requests/5002/processing-failed?error=x";
    send(&sandbox, "PATCH", fail, Some(OTHER_SOURCE_TOKEN), None).await.assert_error(404, "5002");
    assert_eq!(send(&sandbox, "PATCH", fail, Some(SOURCE_TOKEN), None).await.status, 204);
    let sync = "/fulfillment-requests/5003/accounting-sync";
    let body = json!({"accountingSynced": true});
    send(&sandbox, "PATCH", sync, Some(SOURCE_TOKEN), Some(&body)).await.assert_error(404, "5003");
    assert_eq!(send(&sandbox, "PATCH", sync, Some(ACCOUNT_TOKEN), Some(&body)).await.status, 204);
    assert_eq!(send(&sandbox, "PATCH", sync, Some(CHANNEL_TOKEN), Some(&body)).await.status, 204);
}

// ---- rate limit ----
// Tests that depend on when requests arrive run on tokio's paused clock (the limiter reads
// `tokio::time::Instant`): requests take no time and the clock moves only by `advance`, so no
// window can slip by on a slow machine.

#[tokio::test(start_paused = true)]
async fn exceeding_the_rate_answers_429_with_retry_after() {
    // At most 2 in any 4 s (rate 0.5, burst 2): the third comes at once (paused clock), and the
    // first leaves the window 4 s later → "4". (Under the old GCRA limiter this was "2": one
    // slot came back after 1/rate; the sliding window frees it only after the window.)
    let sandbox = start_with(limited(0.5, 2)).await;
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    let reply = noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    reply.assert_error(429, "rate limit");
    assert_eq!(reply.header("retry-after").as_deref(), Some("4"));
    // The limit is per token.
    assert_eq!(noop(&sandbox, Some(SOURCE_TOKEN)).await.status, 200);
    let counters = &sandbox.state()["counters"];
    assert_eq!(
        (counters["rateLimited"].clone(), counters["tooManyRequests"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(counters["requestsReceived"], 4);
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_create_stores_nothing() {
    let sandbox = start_with(limited(0.5, 1)).await;
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.status, 201);
    create(&sandbox, ACCOUNT_TOKEN, &minimal("B")).await.assert_error(429, "rate limit");
    assert_eq!(shipment_count(&sandbox), 1);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_rounded_up_to_whole_seconds() {
    // At most 1 in any 5 s: 1 ms after the first, the wait is 4.999 s → "5".
    let sandbox = start_with(limited(0.2, 1)).await;
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    advance(Duration::from_millis(1)).await;
    let reply = noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    reply.assert_error(429, "rate limit");
    assert_eq!(reply.header("retry-after").as_deref(), Some("5"));
}

#[tokio::test(start_paused = true)]
async fn the_limit_refills_over_time() {
    // At most 1 in any 0.5 s: refused until the first is exactly 0.5 s old.
    let sandbox = start_with(limited(2.0, 1)).await;
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    advance(Duration::from_millis(499)).await;
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    advance(Duration::from_millis(1)).await;
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_comes_before_auth_keyed_by_the_raw_header() {
    let sandbox = start_with(limited(0.5, 1)).await;
    // Unknown token: first 401, then 429 (the limiter saw it first).
    noop(&sandbox, Some("stranger")).await.assert_error(401, "unknown X-API-TOKEN");
    noop(&sandbox, Some("stranger")).await.assert_error(429, "rate limit");
    // Missing header: its own key "".
    noop(&sandbox, None).await.assert_error(401, "missing X-API-TOKEN");
    noop(&sandbox, None).await.assert_error(429, "rate limit");
    // Known tokens are untouched by the strangers.
    assert_eq!(noop(&sandbox, Some(CHANNEL_TOKEN)).await.status, 200);
}

#[tokio::test(start_paused = true)]
async fn default_config_allows_two_at_once() {
    // At most 2 in any 1 s: two at once are fine, a third at once is not.
    let sandbox = start_with(SandboxConfig::default()).await;
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 429);
}

#[tokio::test]
async fn no_limit_means_no_429_and_admin_routes_are_never_limited_or_counted() {
    let sandbox = start().await;
    for _ in 0..30 {
        assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    }
    let throttled = start_with(limited(1.0, 1)).await;
    for _ in 0..10 {
        assert_eq!(admin(&throttled, "GET", "state", None).await.status, 200);
    }
    assert_eq!(throttled.request_count(), 0);
    assert_eq!(noop(&throttled, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(throttled.request_count(), 1);
}

#[tokio::test]
async fn invalid_configurations_are_refused_at_start() {
    for config in [limited(0.0, 1), limited(-1.0, 1), limited(f64::NAN, 1), limited(2.0, 0)] {
        let error = Sandbox::start(config.clone()).await.err().expect("refused");
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{config:?}");
    }
}

// ---- faults ----

#[tokio::test]
async fn status_faults_answer_before_anything_happens() {
    let sandbox = start().await;
    let reply = admin(
        &sandbox,
        "POST",
        "faults",
        Some(&json!({"kind": "status", "status": 503, "count": 2})),
    )
    .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    for _ in 0..2 {
        let reply = create(&sandbox, ACCOUNT_TOKEN, &minimal("F")).await;
        reply.assert_error(503, "injected");
        assert_eq!(reply.header("retry-after"), None);
    }
    assert_eq!(shipment_count(&sandbox), 0, "nothing was carried out");
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("F")).await.status, 201);
    let counters = &sandbox.state()["counters"];
    assert_eq!(counters["faultsApplied"], 2);
    // Even a request without a token gets the fault: it comes before auth.
    sandbox.inject(Fault::status(502));
    noop(&sandbox, None).await.assert_error(502, "injected");
}

#[tokio::test]
async fn status_faults_carry_retry_after() {
    let sandbox = start().await;
    sandbox.inject(Fault::status(429).retry_after(7));
    sandbox.inject(Fault::status(429));
    sandbox.inject(Fault::status(500).retry_after(3));
    sandbox.inject(Fault::status(429).without_retry_after());
    let first = noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    first.assert_error(429, "injected");
    assert_eq!(first.header("retry-after").as_deref(), Some("7"));
    assert_eq!(
        noop(&sandbox, Some(ACCOUNT_TOKEN)).await.header("retry-after").as_deref(),
        Some("1")
    );
    let third = noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    third.assert_error(500, "injected");
    assert_eq!(third.header("retry-after").as_deref(), Some("3"));
    let bare = noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    bare.assert_error(429, "injected");
    assert_eq!(bare.header("retry-after"), None);
    let counters = &sandbox.state()["counters"];
    assert_eq!(
        (counters["tooManyRequests"].clone(), counters["rateLimited"].clone()),
        (json!(3), json!(0))
    );
}

#[tokio::test]
async fn after_faults_commit_then_fail_so_a_retry_meets_409() {
    let sandbox = start().await;
    let fault = json!({"kind": "status", "status": 500, "after": true, "path": "/shipments"});
    assert_eq!(admin(&sandbox, "POST", "faults", Some(&fault)).await.status, 204);
    create(&sandbox, SOURCE_TOKEN, &minimal("LOST")).await.assert_error(500, "injected");
    assert_eq!(shipment_count(&sandbox), 1, "the shipment was stored before the 500");
    create(&sandbox, SOURCE_TOKEN, &minimal("LOST")).await.assert_error(409, "LOST");
    assert_eq!(shipment_count(&sandbox), 1);
}

#[tokio::test]
async fn faults_only_hit_matching_paths_in_fifo_order() {
    let sandbox = start().await;
    sandbox.inject(Fault::status(503).on_path("/shipments"));
    sandbox.inject(Fault::status(502));
    // The link call skips the /shipments fault and takes the next one.
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(502, "injected");
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(sandbox.state()["faults"].as_array().unwrap().len(), 1);
    create(&sandbox, ACCOUNT_TOKEN, &minimal("P")).await.assert_error(503, "injected");
    assert_eq!(sandbox.state()["faults"], json!([]));
}

/// On the paused clock the fault's sleep is the only timer, so the delay is measured exactly and
/// an undelayed request takes no time at all (no margin for a slow machine needed).
#[tokio::test(start_paused = true)]
async fn latency_faults_delay_then_succeed() {
    let sandbox = start().await;
    let fault = json!({"kind": "latency", "ms": 300, "count": 1});
    assert_eq!(admin(&sandbox, "POST", "faults", Some(&fault)).await.status, 204);
    let started = Instant::now();
    let reply = create(&sandbox, ACCOUNT_TOKEN, &minimal("SLOW")).await;
    let delay = started.elapsed();
    assert!((300..302).contains(&delay.as_millis()), "{delay:?}");
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(shipment_count(&sandbox), 1, "then handled normally");
    assert_eq!(sandbox.state()["faults"], json!([]), "used up");
    let started = Instant::now();
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    assert_eq!(started.elapsed(), Duration::ZERO, "no delay left");
}

#[tokio::test]
async fn drop_faults_commit_then_cut_the_body() {
    let sandbox = start().await;
    admin(&sandbox, "POST", "faults", Some(&json!({"kind": "drop", "count": 1}))).await;
    let response = raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN))
        .json(&minimal("CUT"))
        .send()
        .await
        .expect("the head arrives");
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.bytes().await.is_err(), "the body is cut");
    assert_eq!(shipment_count(&sandbox), 1, "the shipment was stored");
    // A 204 operation is sent as 200 so that it has a body to cut.
    sandbox.inject(Fault::drop_connection());
    let response = raw(
        &sandbox,
        "PATCH",
        "/fulfillment-requests/5002/processing-failed?error=x",
        Some(ACCOUNT_TOKEN),
    )
    .send()
    .await
    .expect("the head arrives");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err());
    assert_eq!(sandbox.fulfillment_request(5002).unwrap()["processingStatus"], "Processing Error");
    // The connection pool recovers: the next call works.
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
}

#[tokio::test]
async fn malformed_faults_commit_then_send_broken_json() {
    let sandbox = start().await;
    admin(&sandbox, "POST", "faults", Some(&json!({"kind": "malformed", "count": 3}))).await;
    let created = create(&sandbox, ACCOUNT_TOKEN, &minimal("M")).await;
    let linked =
        send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await;
    let synced = send(
        &sandbox,
        "PATCH",
        "/fulfillment-requests/1388412/accounting-sync",
        Some(ACCOUNT_TOKEN),
        Some(&json!({"accountingSynced": true})),
    )
    .await;
    for (reply, status) in [(&created, 201), (&linked, 200), (&synced, 200)] {
        assert_eq!(reply.status, status, "{}", reply.text);
        assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
        assert!(!reply.text.is_empty());
        assert!(serde_json::from_str::<Value>(&reply.text).is_err(), "not JSON: {:?}", reply.text);
    }
    assert_eq!(shipment_count(&sandbox), 1);
    assert_eq!(sandbox.order(3001).unwrap()["items"][0]["linked"], true);
    assert_eq!(sandbox.fulfillment_request(1388412).unwrap()["accountingSynced"], true);
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.json(), json!([]), "used up");
}

#[tokio::test]
async fn faults_can_be_listed_cleared_and_refused() {
    let sandbox = start().await;
    let batch =
        json!([{"kind": "status", "status": 500, "count": 3}, {"kind": "latency", "ms": 5}]);
    assert_eq!(admin(&sandbox, "POST", "faults", Some(&batch)).await.status, 204);
    assert_eq!(
        sandbox.state()["faults"],
        json!([{"kind": "status", "status": 500, "count": 3}, {"kind": "latency", "ms": 5, "count": 1}])
    );
    // Admin routes do not consume faults.
    assert_eq!(admin(&sandbox, "GET", "state", None).await.status, 200);
    assert_eq!(admin(&sandbox, "DELETE", "faults", None).await.status, 204);
    assert_eq!(sandbox.state()["faults"], json!([]));
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);

    for (bad, needle) in [
        (
            json!({"kind": "status", "status": 404}),
            "status must be one of [429, 500, 502, 503, 504], got 404",
        ),
        (json!({"kind": "status", "status": 501}), "got 501"),
        (json!({"kind": "status", "status": 500, "count": 0}), "count must be at least 1"),
        (json!({"kind": "teleport"}), "unknown variant `teleport`"),
        (json!({"kind": "latency"}), "missing field `ms`"),
        (json!([{"kind": "drop"}, {"kind": "status", "status": 200}]), "got 200"),
    ] {
        admin(&sandbox, "POST", "faults", Some(&bad)).await.assert_error(400, needle);
    }
    let not_json = raw(&sandbox, "POST", "/_sandbox/faults", None)
        .header("content-type", "application/json")
        .body("{");
    finish(not_json).await.assert_error(400, "JSON");
    assert_eq!(sandbox.state()["faults"], json!([]), "a refused batch queues nothing");
}

/// Decision: status faults (without `after`) answer before the rate limit and auth, like a
/// failing gateway in front of the API: they spend no slot of the window, and a full window
/// still gets the fault, not a 429.
#[tokio::test(start_paused = true)]
async fn status_faults_answer_before_the_rate_limit_and_spend_no_slot() {
    let sandbox = start_with(limited(1.0, 1)).await; // 1 in any 1 s; the clock never moves
    sandbox.inject(Fault::status(503));
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(503, "injected");
    // The only slot is still free.
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    // Now the window is full, and a fault still answers first.
    sandbox.inject(Fault::status(502));
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(502, "injected");
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    // And before auth: no token at all still gets the fault (and spends no slot of "").
    sandbox.inject(Fault::status(500));
    noop(&sandbox, None).await.assert_error(500, "injected");
    noop(&sandbox, None).await.assert_error(401, "missing X-API-TOKEN");
    let counters = &sandbox.state()["counters"];
    assert_eq!(
        (counters["faultsApplied"].clone(), counters["rateLimited"].clone()),
        (json!(3), json!(1))
    );
}

/// Decision: a taken fault is used up even when the request is then refused (429, 401, 400):
/// each API request takes the first matching fault, whatever becomes of the request.
#[tokio::test(start_paused = true)]
async fn a_taken_fault_is_used_up_even_when_the_request_is_refused() {
    let sandbox = start_with(limited(1.0, 1)).await; // 1 in any 1 s; the clock never moves
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    // 429: the malformed fault went with the refused request (its error body is intact).
    sandbox.inject(Fault::malformed());
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    assert_eq!(sandbox.state()["faults"], json!([]), "used up by the 429");
    // 401: the after-commit 500 went with the refused request.
    sandbox.inject(Fault::status(500).after_commit());
    noop(&sandbox, Some("stranger")).await.assert_error(401, "unknown X-API-TOKEN");
    assert_eq!(sandbox.state()["faults"], json!([]), "used up by the 401");
    // 400: the latency fault delayed the refused request, and only that one.
    sandbox.inject(Fault::latency(300));
    let started = Instant::now();
    create(&sandbox, SOURCE_TOKEN, &json!({"fulfillmentRequestId": 1388412}))
        .await
        .assert_error(400, "shipment is required");
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    assert_eq!(sandbox.state()["faults"], json!([]), "used up by the 400");
    // Nothing is left for the next request: answered at once, untouched.
    let started = Instant::now();
    let reply = noop(&sandbox, Some(CHANNEL_TOKEN)).await;
    assert_eq!((reply.status, reply.json()), (200, json!([])));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(sandbox.state()["counters"]["faultsApplied"], 3);
    assert_eq!(shipment_count(&sandbox), 0);
}

/// A gateway timeout can be injected too, before the operation or after it committed.
#[tokio::test]
async fn status_faults_can_answer_504_gateway_timeout() {
    let sandbox = start().await;
    let fault = json!({"kind": "status", "status": 504, "path": "/shipments"});
    let queued = admin(&sandbox, "POST", "faults", Some(&fault)).await;
    assert_eq!(queued.status, 204, "{}", queued.text);
    let reply = create(&sandbox, ACCOUNT_TOKEN, &minimal("GW")).await;
    reply.assert_error(504, "injected fault: 504 Gateway Timeout");
    assert_eq!(reply.header("retry-after"), None);
    assert_eq!(shipment_count(&sandbox), 0, "nothing was carried out");
    sandbox.inject(Fault::status(504).after_commit());
    create(&sandbox, ACCOUNT_TOKEN, &minimal("GW")).await.assert_error(504, "injected");
    assert_eq!(shipment_count(&sandbox), 1, "committed, then the answer was lost");
    create(&sandbox, ACCOUNT_TOKEN, &minimal("GW")).await.assert_error(409, "GW");
}

#[test]
#[should_panic(expected = "invalid sandbox fault")]
fn inject_refuses_an_invalid_fault() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sandbox = runtime.block_on(start());
    sandbox.inject(Fault::status(418));
}

// ---- admin ----

/// Decision: reset also clears faults, the limiter and the counters ("as freshly started").
/// The setup fills a window of 4 (the 5th is refused); right after the reset — on the paused
/// clock, so no time has passed — the same token is accepted again, for a full window.
#[tokio::test(start_paused = true)]
async fn reset_returns_to_the_seed_and_clears_faults_the_limiter_and_the_counters() {
    let sandbox = start_with(limited(2.0, 4)).await; // 4 in any 2 s; the clock never moves
    let seeded = sandbox.state();
    let seed = serde_json::to_value(Seed::default()).unwrap();
    assert_eq!(seeded["fulfillmentRequests"], seed["fulfillmentRequests"]);
    assert_eq!(seeded["orders"], seed["orders"]);
    assert_eq!(seeded["sources"], seed["sources"]);
    assert_eq!(seeded["shipments"], json!([]));
    assert_eq!(seeded["faults"], json!([]));

    let created = create(&sandbox, ACCOUNT_TOKEN, &minimal("R")).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["id"], 1);
    let linked =
        send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await;
    assert_eq!((linked.status, linked.json()), (200, json!([3001])), "{}", linked.text);
    let failed = "/fulfillment-requests/5002/processing-failed?error=x";
    let failed = send(&sandbox, "PATCH", failed, Some(ACCOUNT_TOKEN), None).await;
    assert_eq!(failed.status, 204, "{}", failed.text);
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    sandbox.inject(Fault::status(500));
    assert_eq!(shipment_count(&sandbox), 1);
    assert_eq!(sandbox.order(3001).unwrap()["items"][0]["linked"], true);
    assert_eq!(sandbox.fulfillment_request(5002).unwrap()["processingStatus"], "Processing Error");
    let dirty = sandbox.state();
    assert_eq!(dirty["faults"].as_array().unwrap().len(), 1);
    assert_eq!(
        dirty["counters"],
        json!({"requestsReceived": 5, "rateLimited": 1, "tooManyRequests": 1, "faultsApplied": 0})
    );

    let reset_at = Instant::now();
    assert_eq!(admin(&sandbox, "POST", "reset", None).await.status, 204);
    assert_eq!(sandbox.state(), seeded, "data, faults and counters as at start");
    assert_eq!(sandbox.request_count(), 0);
    // The limiter too: accepted at once — not 429, not the cleared fault's 500, not a 409 — and
    // ids start over.
    let again = create(&sandbox, ACCOUNT_TOKEN, &minimal("R")).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_eq!(again.json()["id"], 1);
    for _ in 0..3 {
        assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    }
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await.assert_error(429, "rate limit");
    assert_eq!(reset_at.elapsed(), Duration::ZERO, "the window was never allowed to slide");
}

#[tokio::test]
async fn state_dump_counts_api_requests_only() {
    let sandbox = start().await;
    noop(&sandbox, Some(ACCOUNT_TOKEN)).await;
    noop(&sandbox, None).await;
    admin(&sandbox, "GET", "state", None).await;
    let dump = admin(&sandbox, "GET", "state", None).await.json();
    assert_eq!(dump, sandbox.state());
    assert_eq!(dump["counters"]["requestsReceived"], 2);
    assert_eq!(sandbox.request_count(), 2);
    for key in ["sources", "fulfillmentRequests", "orders", "shipments", "counters", "faults"] {
        assert!(dump.get(key).is_some(), "{key}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_use_the_error_shape() {
    let sandbox = start().await;
    send(&sandbox, "GET", "/nowhere", Some(ACCOUNT_TOKEN), None)
        .await
        .assert_error(404, "/nowhere");
    send(&sandbox, "GET", "/shipments", Some(ACCOUNT_TOKEN), None).await.assert_error(405, "GET");
    send(&sandbox, "DELETE", "/orders/link", Some(ACCOUNT_TOKEN), None)
        .await
        .assert_error(405, "DELETE");
    admin(&sandbox, "PUT", "state", None).await.assert_error(405, "PUT");
    admin(&sandbox, "GET", "nothing", None).await.assert_error(404, "/_sandbox/nothing");
    assert_eq!(sandbox.request_count(), 3, "unknown admin paths are not API requests");
}

// ---- lifecycle ----

#[tokio::test]
async fn base_url_and_addr_agree() {
    let sandbox = start().await;
    assert_eq!(sandbox.base_url(), format!("http://127.0.0.1:{}", sandbox.addr().port()));
    assert!(sandbox.addr().ip().is_loopback() && sandbox.addr().port() != 0);
    assert!(!sandbox.base_url().ends_with('/'));
    let addr = "127.0.0.1:0".parse().unwrap();
    let other = Sandbox::start_on(addr, SandboxConfig::default()).await.unwrap();
    assert_ne!(other.addr(), sandbox.addr());
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let sandbox = start().await;
    let addr = sandbox.addr();
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200);
    sandbox.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "closed after shutdown");

    let sandbox = start().await;
    let addr = sandbox.addr();
    drop(sandbox);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "closed after drop");
}

// ---- the binary ----

/// Starts the binary with `args`; returns the child and the line it printed.
fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line.trim_end().to_owned())
}

fn wait_with_timeout(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the binary did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn the_binary_prints_its_address_serves_and_stops_on_ctrl_c() {
    let (mut child, line) = spawn_binary(&["--port", "0", "--rate", "1", "--burst", "1"]);
    let port: u16 = line
        .strip_prefix("listening on http://127.0.0.1:")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert_ne!(port, 0);
    let url = format!("http://127.0.0.1:{port}/orders/link?orderId=3001");
    let client = reqwest::Client::new();
    let first = client.patch(&url).header("X-API-TOKEN", ACCOUNT_TOKEN).send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.json::<Value>().await.unwrap(), json!([3001]));
    let second = client.patch(&url).header("X-API-TOKEN", ACCOUNT_TOKEN).send().await.unwrap();
    assert_eq!(second.status(), 429, "--rate 1 --burst 1");
    // Ctrl-C (SIGINT) to the child we started, by its id.
    let signal = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(signal.success());
    assert!(wait_with_timeout(&mut child).success());
}

#[tokio::test]
async fn the_binary_without_limit_and_with_bad_flags() {
    let (mut child, line) = spawn_binary(&["--no-rate-limit", "--port", "0"]);
    let base = line.strip_prefix("listening on ").unwrap().to_owned();
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let reply = client
            .patch(format!("{base}/orders/link?foo=1"))
            .header("X-API-TOKEN", ACCOUNT_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
    child.kill().unwrap();
    child.wait().unwrap();

    for bad in [&["--bogus"][..], &["--port"], &["--port", "x"], &["--rate", "0"]] {
        let output =
            Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox")).args(bad).output().unwrap();
        assert!(!output.status.success(), "{bad:?}");
        assert!(output.stdout.is_empty(), "{bad:?}: nothing listens");
    }
    let help = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox")).arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--no-rate-limit"));
}

// ---- robustness ----

#[tokio::test]
async fn odd_inputs_never_get_a_server_error() {
    let sandbox = start().await;
    let huge = json!({"fulfillmentRequestId": 1388412, "allowDuplicateTrackingNumbers": true,
        "shipment": {"trackingNumber": "H", "shipmentItems": [{"sku": "HG12123123", "quantity": i64::MAX}, {"sku": "HG12123123", "quantity": i64::MAX}]}});
    for _ in 0..3 {
        assert_eq!(
            create(&sandbox, ACCOUNT_TOKEN, &huge).await.status,
            201,
            "saturating, no overflow"
        );
    }
    let nested = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let bodies: [(&str, &str, Vec<u8>); 8] = [
        ("POST", "/shipments", nested.clone().into_bytes()),
        ("POST", "/shipments", big.clone().into_bytes()),
        ("POST", "/shipments", vec![0xff, 0xfe, b'{']),
        ("POST", "/shipments", b"{\"fulfillmentRequestId\": 1e400}".to_vec()),
        ("POST", "/shipments", b"{\"fulfillmentRequestId\": 99999999999999999999}".to_vec()),
        ("PUT", "/shipments/flag-with-errors", nested.into_bytes()),
        ("PUT", "/shipments/flag-with-errors", big.into_bytes()),
        ("PATCH", "/fulfillment-requests/1388412/accounting-sync", b"{\"items\": [[]]}".to_vec()),
    ];
    for (method, path, body) in bodies {
        let request = raw(&sandbox, method, path, Some(ACCOUNT_TOKEN))
            .header("content-type", "application/json")
            .body(body);
        let reply = finish(request).await;
        assert_eq!(
            reply.status,
            400,
            "{method} {path}: {}",
            &reply.text[..reply.text.len().min(200)]
        );
    }
    for (path, status) in [
        ("/fulfillment-requests/99999999999999999999/processing-failed?error=x", 400),
        ("/fulfillment-requests/%FF/processing-failed?error=x", 400),
        ("/fulfillment-requests/-1/processing-failed?error=x", 404),
        ("/fulfillment-requests/1388412/processing-failed?error=%FF%FE", 204),
        ("/orders/link?orderId=%ZZ", 400),
        ("/orders/link?orderItemId=99999999999999999999", 400),
        ("/orders/link?=&", 200),
    ] {
        let reply = send(&sandbox, "PATCH", path, Some(ACCOUNT_TOKEN), None).await;
        assert_eq!(reply.status, status, "{path}: {}", reply.text);
    }
    assert_eq!(noop(&sandbox, Some(ACCOUNT_TOKEN)).await.status, 200, "still serving");
}

#[tokio::test]
async fn admin_routes_and_the_console_answer_only_a_loopback_host() {
    let sandbox = start().await;
    sandbox.inject(Fault::status(503));
    for (method, path) in [
        ("GET", "/_sandbox/requests"),
        ("GET", "/_sandbox/state"),
        ("GET", "/_sandbox/"),
        ("GET", "/_sandbox"),
        ("GET", "/_sandbox/console.js"),
        ("GET", "/_sandbox/nowhere"),
        ("POST", "/_sandbox/reset"),
        ("DELETE", "/_sandbox/faults"),
        ("DELETE", "/_sandbox/requests"),
    ] {
        // DNS rebinding: another site's name resolving to 127.0.0.1 sends its own name as Host.
        let rebound = raw(&sandbox, method, path, None).header("host", "evil.example");
        finish(rebound)
            .await
            .assert_error(403, "answer only to Host 127.0.0.1, localhost or [::1]");
    }
    let port = sandbox.addr().port();
    for host in [format!("localhost:{port}"), format!("[::1]:{port}"), "127.0.0.1:1".to_owned()] {
        let local = raw(&sandbox, "GET", "/_sandbox/state", None).header("host", &host);
        assert_eq!(finish(local).await.status, 200, "{host}: any port of a loopback name");
    }
    assert_eq!(sandbox.state()["faults"].as_array().unwrap().len(), 1, "nothing was changed");
    // API routes are the fake Flxpoint API: any Host (a proxy, a container name) is fine.
    let api = raw(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN))
        .header("host", "evil.example");
    assert_eq!(finish(api).await.status, 503, "the API answered (with the pending fault)");
}

#[tokio::test]
async fn admin_changes_from_another_origin_are_refused() {
    let sandbox = start().await;
    sandbox.inject(Fault::status(503));
    let evil = "http://evil.example";
    for (method, path) in [
        ("POST", "/_sandbox/reset"),
        ("POST", "/_sandbox/faults"),
        ("DELETE", "/_sandbox/faults"),
        ("DELETE", "/_sandbox/requests"),
    ] {
        // What any page open in the developer's browser could send to 127.0.0.1.
        for origin in [evil, "null", "https://127.0.0.1", "http://127.0.0.1.evil.example"] {
            let cross = raw(&sandbox, method, path, None)
                .header("origin", origin)
                .header("content-type", "application/json")
                .body(r#"{"kind":"drop"}"#);
            finish(cross).await.assert_error(403, &format!("got Origin {origin:?}"));
        }
    }
    assert_eq!(sandbox.state()["faults"], json!([{"kind": "status", "status": 503, "count": 1}]));
    // Reading is not a change: a GET with a foreign Origin is still answered (the browser
    // keeps the answer from the other page, and the Host check stops rebinding).
    let read = raw(&sandbox, "GET", "/_sandbox/state", None).header("origin", evil);
    assert_eq!(finish(read).await.status, 200);
    // The console's own origin, and no Origin at all (curl, tests), may change things.
    let own =
        raw(&sandbox, "DELETE", "/_sandbox/faults", None).header("origin", sandbox.base_url());
    assert_eq!(finish(own).await.status, 204);
    let localhost = format!("http://localhost:{}", sandbox.addr().port());
    let own = raw(&sandbox, "POST", "/_sandbox/reset", None).header("origin", localhost);
    assert_eq!(finish(own).await.status, 204);
    assert_eq!(send(&sandbox, "POST", "/_sandbox/reset", None, None).await.status, 204);
}

#[tokio::test]
async fn only_a_loopback_address_is_served() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let addr: std::net::SocketAddr = addr.parse().unwrap();
        let err = Sandbox::start_on(addr, SandboxConfig::default()).await.err().expect("refused");
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{addr}");
        assert!(err.to_string().contains("loopback"), "{addr}: {err}");
    }
    let local = "127.0.0.1:0".parse().unwrap();
    Sandbox::start_on(local, SandboxConfig::default()).await.expect("loopback").shutdown().await;
}
