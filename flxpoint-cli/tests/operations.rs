//! Each operation through the real binary, by flags and by JSON body (file and stdin), against a
//! real sandbox; the sandbox's state is checked afterwards.

mod common;

use common::{Fixture, file};
use serde_json::{Value, json};

#[test]
fn create_by_flags_by_id_and_by_purchase_order_number() {
    let f = Fixture::new();
    let run = f.run(&[
        "shipments",
        "create",
        "--fulfillment-request-id",
        "1388412",
        "--tracking-number",
        "1Z-FLAGS",
        "--carrier",
        "ups",
        "--method",
        "ups_ground",
        "--tracking-url",
        "https://track.example/1Z-FLAGS",
        "--shipped-at",
        "2024-05-01T12:00:00Z",
        "--shipping-cost",
        "4.5",
        "--note",
        "left at the door",
        "--custom-field",
        "lot=A7",
        "--item",
        "sku=HG12123123,quantity=1",
        "--item",
        "orderItemId=7002,quantity=1",
    ]);
    run.assert_ok();
    let printed = run.json();
    let stored = &f.sandbox.shipments()[0];
    assert_eq!(printed["id"], stored["id"], "stdout is the created shipment");
    assert_eq!(stored["fulfillmentRequestId"], 1388412);
    assert_eq!(stored["trackingNumber"], "1Z-FLAGS");
    assert_eq!(stored["carrier"], "ups");
    assert_eq!(stored["method"], "ups_ground");
    assert_eq!(stored["trackingUrl"], "https://track.example/1Z-FLAGS");
    assert_eq!(stored["shippingCost"], 4.5);
    assert_eq!(stored["note"], "left at the door");
    assert_eq!(stored["shipmentItems"].as_array().map(Vec::len), Some(2));

    let run = f.run(&[
        "shipments",
        "create",
        "--purchase-order-number",
        "ORDER_124-1",
        "--source-id",
        "100",
        "--tracking-number",
        "1Z-NUMBER",
        "--item",
        "fulfillmentRequestItemId=9003,quantity=1",
    ]);
    run.assert_ok();
    let stored = &f.sandbox.shipments()[1];
    assert_eq!(stored["fulfillmentRequestId"], 5002);
    assert_eq!(stored["shipmentItems"][0]["fulfillmentRequestItemId"], 9003);
}

#[test]
fn create_by_body_file_takes_the_deprecated_aliases() {
    let f = Fixture::new();
    let body = file(
        &json!({
            "purchaseOrderId": 1388412,
            "shipment": {
                "trackingNumber": "1Z-FILE",
                "carrier": "fedex",
                "shippedAt": "2024-05-01T12:00:00+02:00",
                "customFields": [{"name": "lot", "value": "B"}],
                "shipmentItems": [{"purchaseOrderItemId": 1884921, "quantity": 2}]
            }
        })
        .to_string(),
    );
    let path = body.path().to_str().expect("UTF-8 temp path");
    let run = f.run(&["shipments", "create", "--body", path]);
    run.assert_ok();
    assert_eq!(run.json()["trackingNumber"], "1Z-FILE");
    let stored = &f.sandbox.shipments()[0];
    assert_eq!(stored["fulfillmentRequestId"], 1388412);
    assert_eq!(stored["carrier"], "fedex");
    assert_eq!(stored["shipmentItems"][0]["fulfillmentRequestItemId"], 1884921);
    assert_eq!(stored["shipmentItems"][0]["quantity"], 2);
}

#[test]
fn create_by_body_on_stdin_by_purchase_order_number() {
    let f = Fixture::new();
    let body = json!({
        "purchaseOrderNumber": "ORDER_123-1",
        "sourceId": 100,
        "shipment": {"trackingNumber": "1Z-STDIN", "shipmentItems": [{"sku": "AB-100", "quantity": 1}]}
    });
    let run = f.run_stdin(&["shipments", "create", "--body", "-"], &body.to_string());
    run.assert_ok();
    let stored = &f.sandbox.shipments()[0];
    assert_eq!(stored["fulfillmentRequestId"], 1388412);
    assert_eq!(stored["trackingNumber"], "1Z-STDIN");
    assert_eq!(stored["shipmentItems"][0]["sku"], "AB-100");
}

#[test]
fn flag_with_errors_by_flags_by_file_and_by_stdin() {
    let f = Fixture::new();
    let (a, b) = (f.create_shipment("1Z-A"), f.create_shipment("1Z-B"));

    let run = f.run(&[
        "shipments",
        "flag-with-errors",
        "--shipment",
        &format!("{a}=carrier code unknown"),
        "--shipment",
        &format!("{b}=channel timeout = retry later"),
    ]);
    run.assert_ok();
    assert_success_status(&run.json());
    assert_eq!(f.shipment(a)["syncError"], "carrier code unknown");
    assert_eq!(f.shipment(b)["syncError"], "channel timeout = retry later");

    let body = file(&json!([{"id": a, "syncError": "from a file"}]).to_string());
    let path = body.path().to_str().expect("UTF-8 temp path");
    f.run(&["shipments", "flag-with-errors", "--body", path]).assert_ok();
    assert_eq!(f.shipment(a)["syncError"], "from a file");

    let body = json!([{"id": b, "syncError": "from stdin"}]).to_string();
    f.run_stdin(&["shipments", "flag-with-errors", "--body", "-"], &body).assert_ok();
    assert_eq!(f.shipment(b)["syncError"], "from stdin");
}

#[test]
fn accounting_sync_sets_by_flags_and_clears_by_body() {
    let f = Fixture::new();
    let request = |f: &Fixture| f.sandbox.fulfillment_request(1388412).expect("seeded");
    let item = |r: &Value| r["items"][0]["externalAccountingItemId"].clone();

    let run = f.run(&[
        "fulfillment-requests",
        "accounting-sync",
        "1388412",
        "--accounting-synced",
        "false",
        "--external-accounting-id",
        "QB-1001",
        "--accounting-error",
        "customer not found",
        "--item",
        "1884921=QB-1001-1",
    ]);
    run.assert_ok();
    assert_success_status(&run.json());
    let r = request(&f);
    assert_eq!(r["accountingSynced"], false);
    assert_eq!(r["externalAccountingId"], "QB-1001");
    assert_eq!(r["accountingError"], "customer not found");
    assert_eq!(item(&r), "QB-1001-1");

    // null clears, absent leaves unchanged.
    let body = file(
        &json!({
            "accountingSynced": true,
            "accountingError": null,
            "items": [{"id": 1884921, "externalAccountingItemId": null}]
        })
        .to_string(),
    );
    let path = body.path().to_str().expect("UTF-8 temp path");
    f.run(&["fulfillment-requests", "accounting-sync", "1388412", "--body", path]).assert_ok();
    let r = request(&f);
    assert_eq!(r["accountingSynced"], true);
    assert_eq!(r["externalAccountingId"], "QB-1001", "absent = unchanged");
    assert_eq!(r["accountingError"], Value::Null);
    assert_eq!(item(&r), Value::Null);

    let body = json!({"externalAccountingId": null}).to_string();
    f.run_stdin(&["fulfillment-requests", "accounting-sync", "1388412", "--body", "-"], &body)
        .assert_ok();
    assert_eq!(request(&f)["externalAccountingId"], Value::Null);

    f.run(&["fulfillment-requests", "accounting-sync", "1388412", "--clear-accounting-synced"])
        .assert_ok();
    assert_eq!(request(&f)["accountingSynced"], Value::Null);
}

#[test]
fn processing_failed_by_flags_and_by_body() {
    let f = Fixture::new();
    let run = f.run(&[
        "fulfillment-requests",
        "processing-failed",
        "1388412",
        "--reason",
        "address undeliverable",
    ]);
    run.assert_ok();
    assert_success_status(&run.json());
    let r = f.sandbox.fulfillment_request(1388412).expect("seeded");
    assert_eq!(r["processingStatus"], "Processing Error");
    assert_eq!(r["processingError"], "address undeliverable");

    let body = json!({"error": "out of stock & discontinued"}).to_string();
    f.run_stdin(&["fulfillment-requests", "processing-failed", "5002", "--body", "-"], &body)
        .assert_ok();
    let r = f.sandbox.fulfillment_request(5002).expect("seeded");
    assert_eq!(r["processingStatus"], "Processing Error");
    assert_eq!(r["processingError"], "out of stock & discontinued");
}

#[test]
fn orders_link_by_flags_and_by_body() {
    let f = Fixture::new();
    let all_linked = |f: &Fixture, id| {
        let order = f.sandbox.order(id).expect("seeded");
        order["items"].as_array().expect("items").iter().all(|i| i["linked"] == true)
    };

    let run = f.run(&["orders", "link", "--order-id", "3001"]);
    run.assert_ok();
    assert_eq!(run.json(), json!([3001]));
    assert!(all_linked(&f, 3001));

    let body = file(&json!({"orderItemId": 4003}).to_string());
    let path = body.path().to_str().expect("UTF-8 temp path");
    let run = f.run(&["orders", "link", "--body", path]);
    run.assert_ok();
    assert_eq!(run.json(), json!([3002]));
    assert!(all_linked(&f, 3002));

    // Nothing left to link: an empty list, by the generic selector on stdin.
    let run = f.run_stdin(&["orders", "link", "--body", "-"], r#"{"orderId": "3001"}"#);
    run.assert_ok();
    assert_eq!(run.json(), json!([]));
}

fn assert_success_status(answer: &Value) {
    let status = answer["status"].as_u64().unwrap_or_else(|| panic!("no status in {answer}"));
    assert!((200..300).contains(&status), "{answer}");
    assert_eq!(answer.as_object().map(|o| o.len()), Some(1), "only the status: {answer}");
}
