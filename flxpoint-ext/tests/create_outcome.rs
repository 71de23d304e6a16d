//! `create_shipment` never claims a creation it cannot prove: a 409 after a lost answer is
//! `CreateOutcome::AlreadyExists`, whether the lost attempt landed or the shipment was there
//! before. Against the sandbox (a real HTTP server on loopback) and its fault injection.

use flxpoint_ext::bulk::Progress;
use flxpoint_ext::{
    Client, CreateOutcome, Error, FulfillmentRequestRef, RetryPolicy, ShipmentLine, TokenKind,
};
use flxpoint_sandbox::sandbox::{Fault, Sandbox, SandboxConfig, seed};
use std::time::Duration;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() }).await.unwrap()
}

fn client(sandbox: &Sandbox) -> Client {
    Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .token_kind(TokenKind::Account)
        .no_rate_limit()
        .retry(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_base_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
                .with_budget(Duration::from_secs(10)),
        )
        .build()
        .unwrap()
}

/// Tracking `T` on fulfillment request 1388412, shipping one unit of `sku`.
fn create(c: &Client, sku: &str) -> flxpoint_ext::CreateShipment {
    c.create_shipment(FulfillmentRequestRef::id(1388412), "T").line(ShipmentLine::sku(sku, 1))
}

/// The SKUs of the shipments the sandbox holds with tracking `T`.
fn stored_skus(sandbox: &Sandbox) -> Vec<Vec<String>> {
    sandbox
        .shipments()
        .iter()
        .filter(|s| s["trackingNumber"] == "T")
        .map(|s| {
            let items = s["shipmentItems"].as_array().expect("items");
            items.iter().map(|i| i["sku"].as_str().unwrap_or_default().to_owned()).collect()
        })
        .collect()
}

#[tokio::test]
async fn our_lost_attempt_landed_it_exists_and_is_not_called_created() {
    let sandbox = sandbox().await;
    // The first attempt is stored, then its answer is replaced by a 503.
    sandbox.inject(Fault::status(503).after_commit().on_path("/shipments"));
    let out = create(&client(&sandbox), "HG12123123").send().await.unwrap();
    assert_eq!(out, CreateOutcome::AlreadyExists { attempts: 2 });
    assert!(!out.is_created() && out.shipment().is_none());
    assert_eq!(stored_skus(&sandbox), [["HG12123123"]], "exactly one, from the lost attempt");
}

#[tokio::test]
async fn a_shipment_already_there_is_not_reported_as_created_by_this_call() {
    let sandbox = sandbox().await;
    let c = client(&sandbox);
    let first = create(&c, "HG12123123").send().await.unwrap();
    assert!(first.is_created(), "{first:?}");
    // Same tracking number, another item: the 503 comes before anything is done, the retry
    // meets the earlier shipment and is refused with 409.
    sandbox.inject(Fault::status(503).on_path("/shipments"));
    let out = create(&c, "AB-100").send().await.unwrap();
    assert_eq!(out, CreateOutcome::AlreadyExists { attempts: 2 });
    assert!(!out.is_created());
    assert_eq!(stored_skus(&sandbox), [["HG12123123"]], "AB-100 was never shipped");
}

#[tokio::test]
async fn a_conflict_on_the_first_attempt_stays_an_error() {
    let sandbox = sandbox().await;
    let c = client(&sandbox);
    create(&c, "HG12123123").send().await.unwrap();
    let err = create(&c, "AB-100").send().await.unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
}

#[tokio::test]
async fn the_bulk_helper_counts_existing_apart_from_created() {
    let sandbox = sandbox().await;
    let c = client(&sandbox);
    sandbox.inject(Fault::status(502).after_commit().on_path("/shipments"));
    let calls = ["A-1", "A-2", "A-3"].map(|t| {
        c.create_shipment(FulfillmentRequestRef::id(1388412), t)
            .line(ShipmentLine::sku("HG12123123", 1))
    });
    let mut last = None;
    let results = c.create_shipments(calls, 1, |p| last = Some(p)).await;
    let created = results.iter().filter(|r| r.as_ref().is_ok_and(CreateOutcome::is_created));
    assert_eq!(created.count(), 2);
    let last: Progress = last.unwrap();
    assert_eq!((last.done, last.failed, last.existing, last.total), (3, 0, 1, 3));
    assert_eq!(results[0].as_ref().unwrap(), &CreateOutcome::AlreadyExists { attempts: 2 });
}

#[tokio::test]
async fn an_error_says_whether_the_server_acted_and_the_sandbox_agrees() {
    use flxpoint_ext::Processing;
    let cases = [
        (Fault::status(429).retry_after(0).times(4), Processing::NotProcessed, false),
        (Fault::status(500), Processing::Unknown, false),
        (Fault::status(500).after_commit(), Processing::Unknown, true),
        (Fault::malformed(), Processing::Processed, true),
    ];
    for (fault, processing, stored) in cases {
        let sandbox = sandbox().await;
        sandbox.inject(fault.clone().on_path("/shipments"));
        let err = create(&client(&sandbox), "HG12123123").send().await.unwrap_err();
        assert_eq!(err.processing(), processing, "{fault:?}: {err}");
        assert_eq!(stored_skus(&sandbox).len(), usize::from(stored), "{fault:?}: {err}");
    }
    let invalid = create(&client(&sandbox().await), "").send().await.unwrap_err();
    assert_eq!(invalid.processing(), Processing::NotProcessed);
}
