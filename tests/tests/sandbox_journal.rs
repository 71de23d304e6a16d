//! The request journal: `GET/DELETE /_sandbox/requests`, `Sandbox::requests` and
//! `Sandbox::assert_received`.

#[path = "sandbox_support.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use flxpoint_sandbox::sandbox::{
    CallerKind, Fault, MAX_JOURNAL_LIMIT, RequestMatcher, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};
use support::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN, create, finish, raw, send,
    start, start_with,
};

fn minimal(tracking: &str) -> Value {
    json!({
        "fulfillmentRequestId": 1388412,
        "shipment": {"trackingNumber": tracking, "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}
    })
}

/// `GET /_sandbox/requests` with this query (`""` for none).
async fn journal(sandbox: &Sandbox, query: &str) -> support::Reply {
    send(sandbox, "GET", &format!("/_sandbox/requests{query}"), None, None).await
}

#[tokio::test]
async fn every_api_request_is_recorded_oldest_first_without_its_token() {
    let sandbox = start().await;
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &minimal("T-1")).await.status, 201);
    send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(CHANNEL_TOKEN), None).await;
    send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some("not-a-token"), None).await;
    send(&sandbox, "PUT", "/shipments/flag-with-errors", None, Some(&json!([]))).await;
    send(&sandbox, "GET", "/nowhere", Some(ACCOUNT_TOKEN), None).await;
    // Admin routes are not journaled.
    send(&sandbox, "GET", "/_sandbox/state", None, None).await;

    let reply = journal(&sandbox, "").await;
    assert_eq!(reply.status, 200);
    let dump = reply.json();
    assert_eq!((dump["dropped"].clone(), dump["limit"].clone()), (json!(0), json!(1000)));
    let requests = dump["requests"].as_array().unwrap();
    let seen: Vec<(u64, &str, &str, u64)> = requests
        .iter()
        .map(|r| {
            let id = r["id"].as_u64().unwrap();
            (
                id,
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "POST", "/shipments", 201),
            (2, "PATCH", "/orders/link", 200),
            (3, "PATCH", "/orders/link", 401),
            (4, "PUT", "/shipments/flag-with-errors", 401),
            (5, "GET", "/nowhere", 404),
        ]
    );
    let first = &requests[0];
    assert_eq!(first["body"], minimal("T-1"), "JSON bodies are kept as JSON");
    assert_eq!(first["bodyTruncated"], false);
    assert_eq!(first["query"], Value::Null);
    assert_eq!(first["caller"], json!({"kind": "source", "sourceId": 100, "label": "source 100"}));
    assert_eq!(first["fault"], Value::Null);
    assert!(first["durationMs"].is_u64());
    let time = first["time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{time}");
    assert_eq!(requests[1]["query"], "orderId=3001");
    assert_eq!(requests[1]["body"], Value::Null);
    assert_eq!(requests[1]["caller"], json!({"kind": "channel", "label": "channel"}));
    assert_eq!(requests[2]["caller"], json!({"kind": "unknown", "label": "unknown token"}));
    assert_eq!(requests[3]["caller"], json!({"kind": "missing", "label": "no token"}));
    for token in [SOURCE_TOKEN, CHANNEL_TOKEN, "not-a-token"] {
        assert!(!reply.text.contains(token), "the journal shows no token value");
    }
    // The same from Rust.
    let recorded = sandbox.requests();
    assert_eq!(recorded.len(), 5);
    assert_eq!(recorded[0].caller.kind, CallerKind::Source);
    assert_eq!(serde_json::to_value(&recorded).unwrap(), dump["requests"]);
}

#[tokio::test]
async fn faults_and_rate_limits_are_recorded_with_what_was_answered() {
    let sandbox = start_with(SandboxConfig {
        rate_per_second: Some(1.0),
        burst: Some(1),
        ..SandboxConfig::default()
    })
    .await;
    sandbox.inject(Fault::status(503).on_path("/shipments"));
    sandbox.inject(Fault::latency(120).on_path("/shipments"));
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("F")).await.status, 503);
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("F")).await.status, 201);
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("G")).await.status, 429);
    sandbox.inject(Fault::malformed());
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &minimal("H")).await.status, 201);
    sandbox.inject(Fault::drop_connection());
    let cut = raw(&sandbox, "POST", "/shipments", Some(CHANNEL_TOKEN)).json(&minimal("I"));
    assert!(cut.send().await.unwrap().bytes().await.is_err(), "the body is cut");
    sandbox.inject(Fault::status(500).after_commit());
    assert_eq!(create(&sandbox, OTHER_SOURCE_TOKEN, &minimal("J")).await.status, 500);

    let requests = sandbox.requests();
    let seen: Vec<(Option<u16>, Option<&str>)> =
        requests.iter().map(|r| (r.status, r.fault.as_deref())).collect();
    assert_eq!(
        seen,
        [
            (Some(503), Some("status 503")),
            (Some(201), Some("latency 120ms")),
            (Some(429), None),
            (Some(201), Some("malformed")),
            (Some(401), Some("drop")), // the channel token may not create: the head was a 401
            (Some(500), Some("status 500 after")),
        ]
    );
    assert!(requests[1].duration_ms >= 120, "{}", requests[1].duration_ms);
    sandbox.assert_received(&RequestMatcher::post("/shipments").status(201), 2);
    sandbox.assert_received(&RequestMatcher::post("/shipments"), 6);

    // What was answered: the body (JSON) and `Retry-After`.
    let answered: Vec<(Option<&str>, Option<u64>)> = requests
        .iter()
        .map(|r| (r.response_body.as_ref().and_then(|b| b["message"].as_str()), r.retry_after))
        .collect();
    assert_eq!(answered[0], (Some("injected fault: 503 Service Unavailable"), None));
    assert_eq!(requests[1].response_body.as_ref().unwrap()["trackingNumber"], "F");
    assert_eq!(answered[2], (Some("rate limit exceeded for this X-API-TOKEN"), Some(1)));
    assert_eq!(answered[5], (Some("injected fault: 500 Internal Server Error"), None));
    // `malformed` and `drop` cut their body on purpose: it is never read back, so not recorded.
    for cut in &requests[3..5] {
        assert_eq!((&cut.response_body, cut.response_body_truncated), (&None, false), "{cut:?}");
    }
    assert!(requests.iter().all(|r| !r.response_body_truncated));
}

#[tokio::test]
async fn the_answer_is_recorded_a_409_s_message_and_an_injected_retry_after() {
    let sandbox = start().await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    let conflict = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    assert_eq!(conflict.status, 409);
    sandbox.inject(Fault::status(503).retry_after(7));
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("B")).await.status, 503);
    send(
        &sandbox,
        "PATCH",
        "/fulfillment-requests/1388412/processing-failed?error=x",
        Some(ACCOUNT_TOKEN),
        None,
    )
    .await;

    let dump = journal(&sandbox, "").await.json();
    let requests = dump["requests"].as_array().unwrap();
    assert_eq!(requests[1]["status"], 409);
    assert_eq!(requests[1]["responseBody"], conflict.json(), "the 409 exactly as answered");
    assert!(
        requests[1]["responseBody"]["message"].as_str().unwrap().contains("trackingNumber"),
        "{}",
        requests[1]["responseBody"]
    );
    assert_eq!(requests[1]["responseBodyTruncated"], false);
    assert_eq!(requests[1]["retryAfter"], Value::Null);
    assert_eq!(requests[2]["retryAfter"], 7);
    assert_eq!(requests[2]["responseBody"]["status"], 503);
    assert_eq!(requests[3]["status"], 204);
    assert_eq!(requests[3]["responseBody"], Value::Null, "a 204 has no body");
}

#[tokio::test]
async fn a_journal_limit_over_the_bound_is_refused() {
    let config = SandboxConfig { journal_limit: MAX_JOURNAL_LIMIT + 1, ..Default::default() };
    let err = Sandbox::start(config).await.err().expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("journal_limit must be at most 100000"), "{err}");
    let config = SandboxConfig { journal_limit: MAX_JOURNAL_LIMIT, ..Default::default() };
    Sandbox::start(config).await.expect("the bound itself is fine").shutdown().await;

    let refused = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox"))
        .args(["--port", "0", "--journal-limit", "100001"])
        .output()
        .expect("binary runs");
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("--journal-limit: at most 100000, got 100001"), "{stderr}");
    assert!(refused.stdout.is_empty(), "nothing listens");
}

#[tokio::test]
async fn filters_select_by_path_status_since_and_limit() {
    let sandbox = start().await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await; // 1: 201
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await; // 2: 409
    send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await; // 3: 200
    send(&sandbox, "PATCH", "/orders/link", Some(ACCOUNT_TOKEN), None).await; // 4: 400
    let ids = |query: &'static str| {
        let sandbox = &sandbox;
        async move {
            let dump = journal(sandbox, query).await.json();
            dump["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("?path=/orders").await, [3, 4]);
    assert_eq!(ids("?path=/shipments&status=409").await, [2]);
    assert_eq!(ids("?status=4xx").await, [2, 4]);
    assert_eq!(ids("?status=2XX").await, [1, 3]);
    assert_eq!(ids("?since=2").await, [3, 4]);
    assert_eq!(ids("?limit=3").await, [2, 3, 4], "the newest N");
    assert_eq!(ids("?since=1&limit=1").await, [4]);
    assert_eq!(ids("?limit=0").await, Vec::<u64>::new());
    assert_eq!(ids("?since=99").await, Vec::<u64>::new());
}

#[tokio::test]
async fn bad_filters_are_400_in_the_error_shape() {
    let sandbox = start().await;
    for (query, needle) in [
        ("?status=abc", "filter status must be"),
        ("?status=6xx", "filter status must be"),
        ("?status=4000", "filter status must be"),
        ("?since=-1", "filter since must be a request id (a non-negative integer: the id of"),
        ("?since=2026-12-07T02:11:08Z", "filter since must be a request id"),
        ("?limit=ten", "filter limit must be a non-negative integer"),
        ("?limit=99999999999999999999999", "filter limit"),
        ("?method=POST", "unknown filter \"method\""),
        ("?since=%FF", "since"),
    ] {
        journal(&sandbox, query).await.assert_error(400, needle);
    }
}

#[tokio::test]
async fn the_journal_is_bounded_cleared_and_reset() {
    let sandbox =
        start_with(SandboxConfig { rate_per_second: None, journal_limit: 2, ..Default::default() })
            .await;
    for _ in 0..5 {
        send(&sandbox, "PATCH", "/orders/link?foo=1", Some(ACCOUNT_TOKEN), None).await;
    }
    let dump = journal(&sandbox, "").await.json();
    assert_eq!((dump["dropped"].clone(), dump["limit"].clone()), (json!(3), json!(2)));
    let ids: Vec<_> = sandbox.requests().iter().map(|r| r.id).collect();
    assert_eq!(ids, [4, 5], "the newest are kept");

    assert_eq!(send(&sandbox, "DELETE", "/_sandbox/requests", None, None).await.status, 204);
    let dump = journal(&sandbox, "").await.json();
    assert_eq!((dump["requests"].clone(), dump["dropped"].clone()), (json!([]), json!(0)));
    send(&sandbox, "PATCH", "/orders/link?foo=1", Some(ACCOUNT_TOKEN), None).await;
    assert_eq!(sandbox.requests()[0].id, 6, "ids go on after a clear, so `since` stays valid");

    assert_eq!(send(&sandbox, "POST", "/_sandbox/reset", None, None).await.status, 204);
    assert!(sandbox.requests().is_empty(), "reset clears the journal");
    send(&sandbox, "PATCH", "/orders/link?foo=1", Some(ACCOUNT_TOKEN), None).await;
    sandbox.clear_requests();
    assert!(sandbox.requests().is_empty());
}

#[tokio::test]
async fn bodies_are_text_when_not_json_and_cut_when_long() {
    let sandbox = start().await;
    let text = raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN))
        .header("content-type", "text/plain")
        .body("hello");
    assert_eq!(finish(text).await.status, 400);
    let long = format!("\"{}\"", "x".repeat(100 * 1024));
    let long_request = raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN))
        .header("content-type", "application/json")
        .body(long);
    assert_eq!(finish(long_request).await.status, 400, "a string is no shipment");
    // Over the sandbox's 2 MiB body limit: still the handler's 400, and journaled without body.
    let huge = raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN))
        .header("content-type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024]);
    finish(huge).await.assert_error(400, "unreadable body");

    let requests = sandbox.requests();
    assert_eq!(requests[0].body, Some(json!("hello")));
    assert!(!requests[0].body_truncated);
    let cut = requests[1].body.as_ref().and_then(Value::as_str).expect("cut JSON is text");
    assert_eq!((cut.len(), requests[1].body_truncated), (64 * 1024, true));
    assert_eq!((requests[2].body.clone(), requests[2].body_truncated), (None, true));
}

#[tokio::test]
#[should_panic(expected = "expected 2 request(s) matching POST /shipments answered 201, \
                           received 1; the journal holds 2:\n  \
                           #1 POST /shipments → 201 (account)\n  \
                           #2 POST /shipments → 409 (account)")]
async fn assert_received_lists_what_came_when_the_count_differs() {
    let sandbox = start().await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    sandbox.assert_received(&RequestMatcher::post("/shipments").status(201), 2);
}

#[tokio::test]
#[should_panic(expected = "cannot count requests matching POST /shipments: the journal dropped \
                           1 older request(s) over its limit since it was last cleared; raise \
                           journal_limit")]
async fn assert_received_refuses_to_count_when_requests_were_dropped() {
    let sandbox =
        start_with(SandboxConfig { rate_per_second: None, journal_limit: 2, ..Default::default() })
            .await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await; // dropped below
    send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await;
    send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await;
    assert_eq!(sandbox.dropped_requests(), 1);
    // The create is no longer kept: counting would say 0 although one arrived.
    sandbox.assert_received(&RequestMatcher::post("/shipments"), 0);
}

#[tokio::test]
async fn assert_received_counts_again_after_a_clear() {
    let sandbox =
        start_with(SandboxConfig { rate_per_second: None, journal_limit: 2, ..Default::default() })
            .await;
    for _ in 0..3 {
        send(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN), None).await;
    }
    assert_eq!(sandbox.dropped_requests(), 1);
    sandbox.clear_requests();
    assert_eq!(sandbox.dropped_requests(), 0);
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    sandbox.assert_received(&RequestMatcher::post("/shipments"), 1);
}

#[tokio::test]
async fn the_binary_takes_a_journal_limit() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox"))
        .args(["--port", "0", "--journal-limit", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim_end().strip_prefix("listening on ").expect("address line").to_owned();
    let client = reqwest::Client::new();
    for _ in 0..2 {
        let url = format!("{base}/orders/link?foo=1");
        client.patch(url).header("X-API-TOKEN", ACCOUNT_TOKEN).send().await.unwrap();
    }
    let dump: Value =
        client.get(format!("{base}/_sandbox/requests")).send().await.unwrap().json().await.unwrap();
    child.kill().unwrap(); // the child we started, by its handle
    child.wait().unwrap();
    assert_eq!((dump["limit"].clone(), dump["dropped"].clone()), (json!(1), json!(1)));
    assert_eq!(dump["requests"][0]["id"], 2);
}

#[tokio::test]
async fn a_request_whose_client_went_away_is_recorded_without_a_status() {
    let sandbox = start().await;
    sandbox.inject(Fault::latency(400));
    let gone = raw(&sandbox, "PATCH", "/orders/link?orderId=3001", Some(ACCOUNT_TOKEN))
        .timeout(std::time::Duration::from_millis(50))
        .send()
        .await;
    assert!(gone.is_err(), "the client gave up first");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while sandbox.requests().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let requests = sandbox.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!((requests[0].status, requests[0].fault.as_deref()), (None, Some("latency 400ms")));
    assert!(requests[0].duration_ms < 400, "recorded when the client left");
    assert_eq!(sandbox.order(3001).unwrap()["items"][0]["linked"], false, "never handled");
}
