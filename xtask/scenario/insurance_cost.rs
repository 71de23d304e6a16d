//! Not compiled in this workspace: `cargo xtask scenario` copies the workspace, adds the
//! optional `shipment.insuranceCost` (a number) to `CreateShipmentRequest` in
//! `openapi/components.yaml`, regenerates, and runs this file as a flxpoint-cli test there.
//! The field must reach the wire (the sandbox's request journal) from the three interfaces
//! users touch, with no hand-written change: the ext builder, `flxpoint shipments create
//! --body`, and an import column.

mod common;

use common::{Fixture, TOKEN};
use flxpoint_ext::{Client, FulfillmentRequestRef, ShipmentLine, TokenKind};
use serde_json::{Value, json};

#[test]
fn a_field_added_to_the_spec_reaches_the_wire_from_every_interface() {
    let f = Fixture::new();
    let client = Client::builder(TOKEN)
        .base_url(f.sandbox.base_url())
        .token_kind(TokenKind::Account)
        .no_rate_limit()
        .build()
        .unwrap();
    // 1. The ext builder, through the generated shipment builder's new setter.
    let created = tokio::runtime::Runtime::new().unwrap().block_on(
        client
            .create_shipment(FulfillmentRequestRef::id(1388412), "SCENARIO-1")
            .with_shipment(|s| s.insurance_cost(12.5))
            .line(ShipmentLine::sku("HG12123123", 1))
            .send(),
    );
    assert!(created.unwrap().is_created());

    // 2. `flxpoint shipments create --body`.
    let body = json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "SCENARIO-2",
        "insuranceCost": 7.25, "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    f.run_stdin(&["shipments", "create", "--body", "-"], &body.to_string()).assert_ok();

    // 3. An import column of that name.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shipments.csv");
    std::fs::write(
        &file,
        "fulfillmentRequestId,trackingNumber,insuranceCost,sku,quantity\n\
         1388412,SCENARIO-3,3.5,HG12123123,1\n",
    )
    .unwrap();
    f.run(&["shipments", "import", file.to_str().unwrap()]).assert_ok();

    let sent: Vec<(String, Value)> = f
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/shipments" && r.status == Some(201))
        .filter_map(|r| r.body)
        .map(|b| (b["shipment"]["trackingNumber"].as_str().unwrap().to_owned(), b["shipment"]["insuranceCost"].clone()))
        .collect();
    assert_eq!(
        sent,
        [
            ("SCENARIO-1".to_owned(), json!(12.5)),
            ("SCENARIO-2".to_owned(), json!(7.25)),
            ("SCENARIO-3".to_owned(), json!(3.5)),
        ],
        "each interface sent the new field"
    );
}
