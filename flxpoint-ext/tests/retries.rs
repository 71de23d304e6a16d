//! Retry behaviour per operation against a real loopback server (wiremock answers in sequence).

mod common;

use common::{builder, create_minimal};
use flxpoint_ext::{CreateOutcome, Error, FulfillmentRequestRef, Patch, RetryPolicy, ShipmentLine};
use std::time::Duration;
use wiremock::{Mock, MockServer, ResponseTemplate, matchers::method};

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_base_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_secs(2))
        .with_budget(Duration::from_secs(10))
}

async fn answers(
    server: &MockServer,
    verb: &str,
    statuses: &[(u16, Option<&str>)],
    last: ResponseTemplate,
) {
    for (status, retry_after) in statuses {
        let mut r = ResponseTemplate::new(*status);
        if let Some(a) = retry_after {
            r = r.insert_header("retry-after", *a);
        }
        Mock::given(method(verb))
            .respond_with(r)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(server)
            .await;
    }
    Mock::given(method(verb)).respond_with(last).with_priority(5).mount(server).await;
}

fn shipment_json() -> serde_json::Value {
    serde_json::json!({"id": 77, "trackingNumber": "T"})
}

#[tokio::test]
async fn idempotent_calls_retry_5xx_and_429_then_succeed() {
    let server = MockServer::start().await;
    answers(
        &server,
        "PATCH",
        &[(503, None), (429, Some("0")), (502, None)],
        ResponseTemplate::new(204),
    )
    .await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    c.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn create_retried_after_an_ambiguous_failure_reports_a_409_as_created() {
    let server = MockServer::start().await;
    answers(&server, "POST", &[(503, None)], ResponseTemplate::new(409)).await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let out = create_minimal(&c).await.unwrap();
    assert_eq!(out, CreateOutcome::AlreadyExists { attempts: 2 });
}

#[tokio::test]
async fn a_409_on_the_first_attempt_stays_a_conflict() {
    let server = MockServer::start().await;
    answers(&server, "POST", &[], ResponseTemplate::new(409)).await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let err = create_minimal(&c).await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn create_with_duplicates_allowed_is_not_retried_after_a_5xx() {
    let server = MockServer::start().await;
    answers(
        &server,
        "POST",
        &[(503, None)],
        ResponseTemplate::new(201).set_body_json(shipment_json()),
    )
    .await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let err = c
        .create_shipment(FulfillmentRequestRef::id(1), "T")
        .allow_duplicate_tracking_numbers(true)
        .line(ShipmentLine::sku("A", 1))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Server(e) if e.status == 503), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn create_with_duplicates_allowed_still_retries_a_429() {
    let server = MockServer::start().await;
    answers(
        &server,
        "POST",
        &[(429, Some("0"))],
        ResponseTemplate::new(201).set_body_json(shipment_json()),
    )
    .await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let out = c
        .create_shipment(FulfillmentRequestRef::id(1), "T")
        .allow_duplicate_tracking_numbers(true)
        .line(ShipmentLine::sku("A", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(out.shipment().unwrap().id, Some(77));
}

#[tokio::test]
async fn processing_failed_is_not_retried_after_a_5xx() {
    let server = MockServer::start().await;
    answers(&server, "PATCH", &[(503, None)], ResponseTemplate::new(204)).await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let err = c.fail_fulfillment_request(5, "why").send().await.unwrap_err();
    assert!(err.is_retryable() && err.status() == Some(503), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_with_the_last_answer() {
    let server = MockServer::start().await;
    answers(&server, "PUT", &[], ResponseTemplate::new(503).set_body_string("down")).await;
    let c = builder(&server).retry(fast_retries()).build().unwrap();
    let err = c
        .flag_shipments_with_errors([flxpoint_ext::ShipmentSyncError::new(1, "e")])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Server(e) if e.body == "down"), "{err:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_slow_server_is_a_timeout_after_every_attempt() {
    let server = MockServer::start().await;
    answers(&server, "PATCH", &[], ResponseTemplate::new(204).set_delay(Duration::from_secs(5)))
        .await;
    let c = builder(&server)
        .attempt_timeout(Duration::from_millis(100))
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = c.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout { operation: "syncFulfillmentRequestAccounting", attempts: 4, .. }
        ),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 4, "each attempt timed out");
}

#[tokio::test]
async fn the_deadline_stops_the_call_before_its_attempts_would() {
    let server = MockServer::start().await;
    answers(&server, "PATCH", &[], ResponseTemplate::new(204).set_delay(Duration::from_secs(5)))
        .await;
    // Four 2 s attempts would end the call at ≈ 8 s; the 300 ms deadline ends it first.
    let c = builder(&server)
        .attempt_timeout(Duration::from_secs(2))
        .deadline(Duration::from_millis(300))
        .retry(fast_retries())
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = c.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(took < Duration::from_millis(1900), "the deadline, not an attempt, ended it: {took:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "no second attempt");
}

/// The deadline is kept at each of a call's waits: a backoff that would outlast it ends the call
/// at the deadline, without the next attempt.
#[tokio::test]
async fn the_deadline_cuts_a_backoff_short() {
    let server = MockServer::start().await;
    answers(&server, "PATCH", &[], ResponseTemplate::new(503)).await;
    let slow = fast_retries()
        .with_base_backoff(Duration::from_secs(5))
        .with_budget(Duration::from_secs(60));
    let c = builder(&server).deadline(Duration::from_millis(300)).retry(slow).build().unwrap();
    let started = std::time::Instant::now();
    let err = c.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await.unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert!(took >= Duration::from_millis(300), "not before the deadline: {took:?}");
    assert!(
        took < Duration::from_millis(2500),
        "the deadline, not the backoff, ended it: {took:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1, "no second attempt");
}

/// A request built outside the generated client keeps the same deadline.
#[tokio::test]
async fn the_deadline_stops_a_raw_request() {
    let server = MockServer::start().await;
    answers(&server, "GET", &[], ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .await;
    let c = builder(&server).deadline(Duration::from_millis(300)).build().unwrap();
    let started = std::time::Instant::now();
    let err =
        c.request(flxpoint_ext::Method::GET, "/orders").send_with_response().await.unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(2500), "{:?}", started.elapsed());
}

#[tokio::test]
async fn retry_policy_none_sends_an_idempotent_call_once() {
    let server = MockServer::start().await;
    answers(&server, "PUT", &[(503, None)], ResponseTemplate::new(200)).await;
    let c = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let err = c
        .flag_shipments_with_errors([flxpoint_ext::ShipmentSyncError::new(1, "e")])
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
