//! The surface of a mature SDK, against wiremock on loopback: per-call options that override the
//! client's settings for that call only, the raw response beside the value, errors that say how
//! many attempts were made and how long the call took, and your own `reqwest::ClientBuilder`.

mod common;

use common::{TOKEN, builder, call_operation};
use flxpoint_ext::{Client, Error, FulfillmentRequestRef, Patch, RetryPolicy, ShipmentLine};
use std::time::{Duration, Instant};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{answering, quick_retries as quick};

/// `first` once, then `rest`.
async fn first_then(first: ResponseTemplate, rest: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(first).up_to_n_times(1).with_priority(1).mount(&server).await;
    Mock::given(any()).respond_with(rest).with_priority(2).mount(&server).await;
    server
}

#[tokio::test]
async fn a_per_call_deadline_and_attempt_timeout_override_the_clients() {
    let server = answering(ResponseTemplate::new(204).set_delay(Duration::from_secs(5))).await;
    let c = builder(&server).deadline(Duration::from_secs(60)).build().unwrap();
    let started = Instant::now();
    let err = c
        .sync_accounting(5)
        .accounting_synced(Patch::Set(true))
        .deadline(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "the call's deadline, not the client's");

    // The attempt timeout of one call, with its own retry policy: three 100 ms attempts.
    let c = builder(&server).attempt_timeout(Duration::from_secs(60)).build().unwrap();
    let err = c
        .flag_shipments_with_errors([flxpoint_ext::ShipmentSyncError::new(1, "e")])
        .attempt_timeout(Duration::from_millis(100))
        .retry(quick(3))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { attempts: 3, .. }), "{err:?}");
    assert!(err.elapsed() >= Duration::from_millis(300), "{err:?}");
}

/// The executor keeps attempt timeouts itself for the ext methods (which read its report), but
/// a call through the generated client directly reads no report: it must get reqwest's own
/// timeout error, never an answer the server did not send.
#[tokio::test]
async fn a_call_through_the_generated_client_times_out_with_reqwests_error() {
    let server = answering(ResponseTemplate::new(204).set_delay(Duration::from_secs(5))).await;
    let c = builder(&server).attempt_timeout(Duration::from_millis(150)).build().unwrap();
    let started = Instant::now();
    let err = c
        .api()
        .fail_fulfillment_request()
        .fulfillment_request_id(5)
        .error("e")
        .send()
        .await
        .unwrap_err();
    match err {
        progenitor_client::Error::CommunicationError(e) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_per_call_retry_policy_applies_to_that_call_only() {
    let server = first_then(ResponseTemplate::new(503), ResponseTemplate::new(204)).await;
    let c = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let response = c
        .sync_accounting(5)
        .accounting_synced(Patch::Set(true))
        .retry(quick(3))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!((response.status, response.attempts), (204, 2));
    // The next call has the client's policy again: a 503 is not retried.
    let server = first_then(ResponseTemplate::new(503), ResponseTemplate::new(204)).await;
    let c = builder(&server).retry(RetryPolicy::none()).build().unwrap();
    let err = call_operation(&c, "syncFulfillmentRequestAccounting").await.unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(503), 1));
}

#[tokio::test]
async fn per_call_headers_are_sent_once_and_cannot_replace_the_clients() {
    let server = answering(ResponseTemplate::new(204)).await;
    let c = common::client(&server);
    c.fail_fulfillment_request(5, "r").header("X-Request-Id", "abc-1").send().await.unwrap();
    c.fail_fulfillment_request(5, "r").send().await.unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].headers["x-request-id"], "abc-1");
    assert!(!sent[1].headers.contains_key("x-request-id"), "only for that call");

    let refused = [
        ("X-API-TOKEN", "evil", "header(\"X-API-TOKEN\")"),
        ("content-type", "text/plain", "header(\"content-type\")"),
        ("bad name", "v", "header(\"bad name\")"),
        ("x-ok", "line\nbreak", "header(\"x-ok\")"),
    ];
    for (name, value, field) in refused {
        let err = c.fail_fulfillment_request(5, "r").header(name, value).send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field: f, .. } if f == field),
            "{name}: {err:?}"
        );
    }
    for (set, field) in [(Duration::ZERO, "deadline"), (Duration::from_secs(86_401), "deadline")] {
        let err = c.fail_fulfillment_request(5, "r").deadline(set).send().await.unwrap_err();
        assert!(matches!(&err, Error::Validation { field: f, .. } if f == field), "{err:?}");
    }
    let err = c.fail_fulfillment_request(5, "r").retry(quick(0)).send().await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if field == "retry.max_attempts"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2, "no refused call was sent");
}

#[tokio::test]
async fn send_with_response_returns_status_headers_and_the_value() {
    let server = answering(
        ResponseTemplate::new(200).insert_header("x-request-id", "r-7").set_body_json([3001, 3002]),
    )
    .await;
    let c = common::client(&server);
    let response = c
        .link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!((response.status, response.attempts), (200, 1));
    assert_eq!(response.headers["x-request-id"], "r-7");
    assert_eq!(response.into_value(), [3001, 3002]);

    // A create that meets its own earlier attempt: the 409's status and headers.
    let server = first_then(
        ResponseTemplate::new(503),
        ResponseTemplate::new(409).insert_header("x-request-id", "r-9"),
    )
    .await;
    let c = builder(&server).retry(quick(3)).build().unwrap();
    let response = c
        .create_shipment(FulfillmentRequestRef::id(5), "T")
        .line(ShipmentLine::sku("A", 1))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!((response.status, response.attempts), (409, 2));
    assert_eq!(response.headers["x-request-id"], "r-9");
    assert!(!response.value.is_created());
}

#[tokio::test]
async fn errors_say_how_many_attempts_and_how_long_with_the_answers_headers() {
    let server = answering(
        ResponseTemplate::new(503)
            .insert_header("x-request-id", "r-3")
            .set_delay(Duration::from_millis(20)),
    )
    .await;
    let c = builder(&server).retry(quick(3)).build().unwrap();
    let err = call_operation(&c, "flagShipmentsWithErrors").await.unwrap_err();
    assert_eq!(err.attempts(), 3);
    assert!(err.elapsed() >= Duration::from_millis(60), "{err:?}");
    let service = err.service().unwrap();
    assert_eq!(service.headers["x-request-id"], "r-3");
    assert!(err.to_string().contains("after 3 attempt(s)"), "{err}");
    // Refused before sending: no attempt, no time.
    let err = c.fail_fulfillment_request(0, "r").send().await.unwrap_err();
    assert_eq!((err.attempts(), err.elapsed()), (0, Duration::ZERO));
}

#[tokio::test]
async fn your_own_reqwest_builder_is_used_but_never_follows_a_redirect() {
    let elsewhere = answering(ResponseTemplate::new(204)).await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/x", elsewhere.uri())),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&server)
        .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-from-my-builder", "yes".parse().unwrap());
    let mine = reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::limited(10));
    let c = Client::builder(TOKEN)
        .base_url(server.uri())
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .http_client(mine)
        .build()
        .unwrap();
    let err = call_operation(&c, "failFulfillmentRequest").await.unwrap_err();
    assert!(matches!(err, Error::Redirect { status: 307, .. }), "{err:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty(), "the redirect was followed");
    call_operation(&c, "failFulfillmentRequest").await.unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[1].headers["x-from-my-builder"], "yes");
    assert_eq!(sent[1].headers["x-api-token"], TOKEN);
    assert!(sent[1].headers["user-agent"].to_str().unwrap().starts_with("flxpoint-rs/"));
}

/// Each operation's builder wires its own options (they are not shared code paths at the call
/// site), so each is attacked on its own: a per-call retry policy and header on a client that
/// retries nothing, and a per-call deadline and attempt timeout shorter than the client's.
#[tokio::test]
async fn every_operation_takes_per_call_options_and_returns_the_raw_response() {
    // The documented success of each operation.
    fn status(operation: &str) -> u16 {
        match operation {
            "createShipment" => 201,
            "linkUnmanagedOrders" | "flagShipmentsWithErrors" => 200,
            _ => 204,
        }
    }
    fn success(operation: &str) -> ResponseTemplate {
        let answer = ResponseTemplate::new(status(operation));
        match operation {
            "createShipment" => {
                answer.set_body_json(common::example("createShipment.response.201.json"))
            }
            "linkUnmanagedOrders" => {
                answer.set_body_json(common::example("linkUnmanagedOrders.response.200.json"))
            }
            _ => answer,
        }
    }
    // Applies the options to whichever builder `$op` makes, then `send_with_response`.
    macro_rules! call {
        ($c:expr, $op:expr, |$b:ident| $options:expr) => {{
            use flxpoint_ext::{LinkSelector, ShipmentSyncError};
            let c = &$c;
            match $op {
                "createShipment" => {
                    let $b = c
                        .create_shipment(FulfillmentRequestRef::id(5), "T1")
                        .line(ShipmentLine::sku("A", 1));
                    $options.send_with_response().await.map(|r| (r.status, r.attempts))
                }
                "flagShipmentsWithErrors" => {
                    let $b = c.flag_shipments_with_errors([ShipmentSyncError::new(7, "e")]);
                    $options.send_with_response().await.map(|r| (r.status, r.attempts))
                }
                "syncFulfillmentRequestAccounting" => {
                    let $b = c.sync_accounting(5).accounting_synced(Patch::Set(true));
                    $options.send_with_response().await.map(|r| (r.status, r.attempts))
                }
                "failFulfillmentRequest" => {
                    let $b = c.fail_fulfillment_request(5, "reason");
                    $options.send_with_response().await.map(|r| (r.status, r.attempts))
                }
                "linkUnmanagedOrders" => {
                    let $b = c.link_unmanaged_orders(LinkSelector::OrderId(3001));
                    $options.send_with_response().await.map(|r| (r.status, r.attempts))
                }
                other => panic!("unknown operation {other}"),
            }
        }};
    }
    for op in common::OPERATIONS {
        // A 429 was surely not processed: every operation may repeat it.
        let server =
            first_then(ResponseTemplate::new(429).insert_header("retry-after", "0"), success(op))
                .await;
        let c = builder(&server).build().unwrap();
        let got = call!(c, op, |b| b.retry(quick(2)).header("X-Request-Id", "per-call"));
        let got = got.unwrap_or_else(|e| panic!("{op}: {e:?}"));
        assert_eq!(got, (status(op), 2), "{op}: the raw status; the call's retry policy");
        let sent = server.received_requests().await.unwrap();
        assert_eq!(sent.len(), 2, "{op}");
        assert!(sent.iter().all(|r| r.headers["x-request-id"] == "per-call"), "{op}");

        let slow = answering(success(op).set_delay(Duration::from_secs(5))).await;
        let c = builder(&slow).deadline(Duration::from_secs(60)).build().unwrap();
        let started = Instant::now();
        let err = call!(c, op, |b| b.deadline(Duration::from_millis(150))).unwrap_err();
        assert!(matches!(err, Error::Timeout { .. }), "{op}: {err:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{op}: the call's deadline");

        let c = builder(&slow).attempt_timeout(Duration::from_secs(60)).build().unwrap();
        let started = Instant::now();
        let err = call!(c, op, |b| b.attempt_timeout(Duration::from_millis(150))).unwrap_err();
        assert!(matches!(err, Error::Timeout { attempts: 1, .. }), "{op}: {err:?}");
        assert!(started.elapsed() < Duration::from_secs(3), "{op}: the call's attempt timeout");
    }
}
