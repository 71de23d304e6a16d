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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_than_the_concurrency_bound_is_ever_in_flight() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A server that counts the requests it is handling at once (each takes 30 ms).
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, m) = (now.clone(), most.clone());
    let app = axum::Router::new().route(
        "/shipments",
        axum::routing::post(move || {
            let (now, most) = (n.clone(), m.clone());
            async move {
                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(inside, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(30)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                (axum::http::StatusCode::CREATED, axum::Json(serde_json::json!({"id": 1})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let c = flxpoint_ext::Client::builder(common::TOKEN)
        .base_url(url)
        .no_rate_limit()
        .retry(flxpoint_ext::RetryPolicy::none())
        .build()
        .unwrap();
    for bound in [1, 3, 5] {
        most.store(0, Ordering::SeqCst);
        let inputs = (0..20).map(|n| {
            c.create_shipment(FulfillmentRequestRef::id(1), format!("B{bound}-{n}"))
                .line(ShipmentLine::sku("A", 1))
        });
        let results = c.create_shipments(inputs, bound, |_| {}).await;
        assert!(results.iter().all(Result::is_ok));
        // Exactly the bound: never more, and the helper keeps that many busy.
        assert_eq!(most.load(Ordering::SeqCst), bound, "concurrency {bound}");
    }
}

/// The generic helper runs any calls (here the accounting sync, not a create): every result at
/// its input's index, failures included, and one progress report per finished call.
#[tokio::test]
async fn run_takes_any_calls_and_keeps_their_order() {
    let server = MockServer::start().await;
    // Fulfillment request 3 is unknown; the others sync, the even ones slowly.
    Mock::given(method("PATCH"))
        .respond_with(|req: &Request| {
            let id: u64 = req.url.path().split('/').nth(2).unwrap().parse().unwrap();
            if id == 3 {
                return ResponseTemplate::new(404);
            }
            ResponseTemplate::new(204).set_delay(Duration::from_millis(if id.is_multiple_of(2) {
                20
            } else {
                1
            }))
        })
        .mount(&server)
        .await;
    let c = builder(&server).build().unwrap();
    let calls = (1..=6u64).map(|id| {
        let c = c.clone();
        async move {
            c.sync_accounting(id as i64)
                .accounting_synced(flxpoint_ext::Patch::Set(true))
                .send()
                .await
                .map(|_| id)
        }
    });
    let mut seen = Vec::new();
    let results = flxpoint_ext::bulk::run(calls, 3, |p| seen.push(p)).await;
    let ids: Vec<Option<u64>> = results.iter().map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(ids, [Some(1), Some(2), None, Some(4), Some(5), Some(6)]);
    assert!(matches!(results[2], Err(flxpoint_ext::Error::NotFound(_))), "{:?}", results[2]);
    let last = seen.last().unwrap();
    assert_eq!((seen.len(), last.done, last.failed, last.total), (6, 6, 1, 6));
}
