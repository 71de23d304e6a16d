//! The bulk helper: input order kept, concurrency bounded, progress reported.

mod common;

use common::builder;
use flxpoint_ext::{FulfillmentRequestRef, ShipmentLine};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, ResponseTemplate, matchers::method};

#[tokio::test]
async fn results_keep_input_order_and_progress_counts_every_call() {
    let server = MockServer::start().await;
    // Echo the tracking number back as the shipment's note, slower for even numbers, so
    // completion order differs from input order.
    Mock::given(method("POST"))
        .respond_with(|req: &Request| {
            let body: serde_json::Value = req.body_json().unwrap();
            let tracking = body["shipment"]["trackingNumber"].as_str().unwrap().to_owned();
            let n: u64 = tracking.trim_start_matches('T').parse().unwrap();
            if n % 7 == 3 {
                return ResponseTemplate::new(409);
            }
            ResponseTemplate::new(201)
                .set_delay(Duration::from_millis(if n.is_multiple_of(2) { 30 } else { 1 }))
                .set_body_json(serde_json::json!({"id": n, "trackingNumber": tracking}))
        })
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let inputs = (0..40u64).map(|n| {
        c.create_shipment(FulfillmentRequestRef::id(1), format!("T{n}"))
            .line(ShipmentLine::sku("A", 1))
    });
    let mut seen = Vec::new();
    let results = c.create_shipments(inputs, 8, |p| seen.push(p)).await;
    assert_eq!(results.len(), 40);
    for (n, r) in results.iter().enumerate() {
        if n % 7 == 3 {
            assert!(matches!(r, Err(flxpoint_ext::Error::Conflict(_))), "{n}: {r:?}");
        } else {
            assert_eq!(r.as_ref().unwrap().shipment().unwrap().id, Some(n as i64));
        }
    }
    assert_eq!(seen.len(), 40);
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.failed, last.total), (40, 6, 40));
    assert!(seen.windows(2).all(|w| w[1].done == w[0].done + 1));
}
