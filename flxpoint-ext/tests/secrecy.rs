//! The API token never appears in `Debug`/`Display` of the client, builder, config or errors,
//! nor in `tracing` output captured at TRACE level.

mod common;

use common::{Captured, TOKEN, builder, client};
use flxpoint_ext::{ApiToken, FulfillmentRequestRef, LinkSelector, ShipmentLine};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_token_never_leaks() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string("unknown token"))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1"))
        .mount(&server)
        .await;
    let c = client(&server);
    let mut texts = vec![
        format!("{c:?}"),
        format!("{:?}", builder(&server)),
        format!("{:?}", ApiToken::new(TOKEN)),
        format!("{:?}", c.api()),
        format!("{:?}", c.create_shipment(FulfillmentRequestRef::id(1), "T")),
    ];
    let unauthorized = c
        .create_shipment(FulfillmentRequestRef::id(1), "T")
        .line(ShipmentLine::sku("A", 1))
        .send()
        .await
        .unwrap_err();
    let decode = c.link_unmanaged_orders(LinkSelector::OrderId(1)).send().await.unwrap_err();
    for e in [&unauthorized, &decode] {
        texts.push(format!("{e:?}"));
        texts.push(e.to_string());
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("flxpoint"), "tracing output was captured: {logs}");
    // The per-call span names the operation and records the outcome.
    assert!(
        logs.lines().any(|l| l.contains("flxpoint.call")
            && l.contains("operation=\"createShipment\"")
            && l.contains("attempts=1")
            && l.contains("status=401")
            && l.contains("limiter_wait_ms=")
            && l.contains("latency_ms=")),
        "{logs}"
    );
    texts.push(logs);
    for t in &texts {
        assert!(!t.contains(TOKEN), "token leaked in: {t}");
    }
    // And it was really sent.
    let sent = &server.received_requests().await.unwrap()[0];
    assert_eq!(sent.headers.get("x-api-token").unwrap(), TOKEN);
}
