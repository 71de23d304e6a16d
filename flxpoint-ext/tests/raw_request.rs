//! `client.request(method, path)`: the rest of the API with every guarantee of the typed
//! operations. Against the strict sandbox and hostile wiremock servers on loopback.

mod common;

use common::{TOKEN, answering, builder, capture_logs, client, quick_retries};
use flxpoint_ext::{Client, Error, FulfillmentRequestRef, Method, RetryPolicy, ShipmentLine};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_and_typed_calls_share_the_tokens_limit_against_the_strict_sandbox() {
    let sandbox =
        Sandbox::start(SandboxConfig { rate_per_second: Some(2.0), ..Default::default() })
            .await
            .unwrap();
    // The documented default: 2 requests per second per token.
    let c = Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let raw = {
        let c = c.clone();
        tokio::spawn(async move {
            for i in 0..4 {
                // A typed operation's path through the escape hatch: the same wire.
                c.request(
                    Method::PATCH,
                    format!("/fulfillment-requests/{}/processing-failed", 990 + i),
                )
                .query("error", "raw")
                .send_with_response()
                .await
                .map(|r| r.status)
                .unwrap_or_else(|e| e.status().unwrap_or(0));
            }
        })
    };
    let typed = {
        let c = c.clone();
        tokio::spawn(async move {
            for i in 0..3 {
                let created = c
                    .create_shipment(FulfillmentRequestRef::id(1388412), format!("RAW-{i}"))
                    .line(ShipmentLine::sku("HG12123123", 1))
                    .send()
                    .await;
                assert!(created.unwrap().is_created());
            }
        })
    };
    raw.await.unwrap();
    typed.await.unwrap();
    let counters = &sandbox.state()["counters"];
    assert_eq!(counters["requestsReceived"], 7, "{counters}");
    assert_eq!(counters["tooManyRequests"], 0, "{counters}");
}

#[tokio::test]
async fn a_raw_post_reaches_the_wire_with_the_token_query_and_body() {
    let sandbox = Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
        .await
        .unwrap();
    let c = Client::builder(seed::ACCOUNT_TOKEN).base_url(sandbox.base_url()).build().unwrap();
    let body = json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "RAW-POST",
        "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    let created = c.request(Method::POST, "/shipments").json(&body).send_json().await.unwrap();
    assert_eq!(created["trackingNumber"], "RAW-POST");
    let id = created["id"].as_i64().unwrap();
    let typed: flxpoint_ext::types::Shipment =
        c.request(Method::POST, "/shipments").json(&json!({"fulfillmentRequestId": 1388412,
            "shipment": {"trackingNumber": "RAW-POST-2", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}}))
            .send()
            .await
            .unwrap();
    assert_eq!(typed.id, Some(id + 1));
    let recorded = sandbox.requests();
    assert_eq!(recorded[0].body.as_ref().unwrap()["shipment"]["trackingNumber"], "RAW-POST");
    assert_eq!(recorded[0].caller.label, "account", "{:?}", recorded[0].caller);
    // A 4xx is the typed error of that status, with the server's message.
    let refused = c.request(Method::POST, "/shipments").json(&body).send_json().await.unwrap_err();
    assert!(matches!(refused, Error::Conflict(_)), "{refused:?}");
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_other_host_receives_nothing() {
    let elsewhere = answering(ResponseTemplate::new(200)).await;
    let server = answering(
        ResponseTemplate::new(302).insert_header("Location", format!("{}/steal", elsewhere.uri())),
    )
    .await;
    let err = client(&server).request(Method::GET, "/orders").send_json().await.unwrap_err();
    assert!(matches!(err, Error::Redirect { status: 302, .. }), "{err:?}");
    assert_eq!(received(&elsewhere).await, 0);
}

#[tokio::test]
async fn a_huge_body_is_capped() {
    let server = answering(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4 << 20])).await;
    let c = builder(&server).max_response_bytes(64 * 1024).build().unwrap();
    let err = c.request(Method::GET, "/orders").send_with_response().await.unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { limit: 65536, .. }), "{err:?}");
}

#[tokio::test]
async fn an_echoed_token_is_redacted_from_errors_and_logs() {
    let (logs, _guard) = capture_logs(tracing::Level::TRACE);
    let server = answering(
        ResponseTemplate::new(400)
            .insert_header("X-Echo", TOKEN)
            .set_body_string(format!("bad token {TOKEN} and \"{TOKEN}\"")),
    )
    .await;
    let err = client(&server).request(Method::GET, "/orders").send_json().await.unwrap_err();
    let service = err.service().expect("a 400");
    assert!(service.body.contains("***"), "{}", service.body);
    for text in [format!("{err}"), format!("{err:?}"), logs.text()] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
    // A 2xx that is not what the caller asked for: the snippet is redacted too.
    let server =
        answering(ResponseTemplate::new(200).set_body_string(format!("[\"{TOKEN}\"]"))).await;
    let err = client(&server).request(Method::GET, "/x").send::<i64>().await.unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_post_is_not_repeated_after_a_503_and_a_get_is() {
    let server = answering(ResponseTemplate::new(503)).await;
    let c = builder(&server).retry(quick_retries(3)).build().unwrap();
    let post = c.request(Method::POST, "/orders").json(&json!({})).send_json().await.unwrap_err();
    assert_eq!((post.status(), post.attempts()), (Some(503), 1));
    assert_eq!(received(&server).await, 1);
    let get = c.request(Method::GET, "/orders").send_json().await.unwrap_err();
    assert_eq!((get.status(), get.attempts()), (Some(503), 3));
    assert_eq!(received(&server).await, 4);
    // Declared repeatable, a POST is retried like a GET; a 429 is retried for any method.
    c.request(Method::POST, "/orders").repeatable(true).send_json().await.unwrap_err();
    assert_eq!(received(&server).await, 7);
    let limited = answering(ResponseTemplate::new(429).insert_header("Retry-After", "0")).await;
    let c = builder(&limited).retry(quick_retries(2)).build().unwrap();
    c.request(Method::POST, "/orders").send_json().await.unwrap_err();
    assert_eq!(received(&limited).await, 2);
}

#[tokio::test]
async fn bad_paths_are_refused_by_name_before_anything_is_sent() {
    let server = answering(ResponseTemplate::new(200)).await;
    let c = client(&server);
    for bad in [
        "orders",
        "//evil.example/orders",
        "/x/https://evil.example",
        "/orders/../admin",
        "/orders/%2e%2e/admin",
        "/orders?status=x",
        "/orders#x",
        "/a\\b",
        "/orders\r\nX-Injected: 1",
    ] {
        match c.request(Method::GET, bad).send_json().await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, "path", "{bad:?}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    // The token never goes into a URL (logged, kept in errors).
    let err = c.request(Method::GET, format!("/orders/{TOKEN}")).send_json().await.unwrap_err();
    assert!(matches!(&err, Error::Validation { field, .. } if field == "path"), "{err:?}");
    let err = c.request(Method::GET, "/orders").query("key", TOKEN).send_json().await.unwrap_err();
    assert!(
        matches!(&err, Error::Validation { field, .. } if field == "query(\"key\")"),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains(TOKEN));
    // A header the client owns cannot be set per call.
    let err = c.request(Method::GET, "/orders").header("X-API-TOKEN", "other").send_json().await;
    assert!(matches!(err, Err(Error::Validation { .. })), "{err:?}");
    assert_eq!(received(&server).await, 0);
}

#[tokio::test]
async fn the_call_has_the_flxpoint_call_span_with_the_path_template() {
    let (logs, _guard) = capture_logs(tracing::Level::DEBUG);
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/fulfillment-requests/42/accounting-sync"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let response = client(&server)
        .request(Method::PATCH, "/fulfillment-requests/42/accounting-sync")
        .json(&json!({"accountingSynced": true}))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!((response.status, response.value.len()), (204, 0));
    let text = logs.text();
    assert!(text.contains("flxpoint.call"), "{text}");
    assert!(text.contains("PATCH /fulfillment-requests/{id}/accounting-sync"), "{text}");
}
