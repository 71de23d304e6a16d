//! Every page example request can be built through the ext builders and produces the same JSON
//! as the page example (modulo field order; the create body also pins
//! `allowDuplicateTrackingNumbers`, whose documented default is `false`).

mod common;

use common::{client_of_kind, example};
use flxpoint_ext::{FulfillmentRequestRef as Fr, ItemRef, Patch, ShipmentLine, TokenKind};
use serde_json::{Value, json};
use wiremock::MockServer;

fn with_default_false(mut v: Value) -> Value {
    v.as_object_mut().unwrap().entry("allowDuplicateTrackingNumbers").or_insert(json!(false));
    v
}

#[tokio::test]
async fn create_shipment_examples_1_to_3() {
    let server = MockServer::start().await;
    let source = client_of_kind(&server, TokenKind::Source { source_id: 100 });
    let ups = |b: flxpoint_ext::CreateShipment| b.carrier("ups").method("ups_ground");
    let tracking = "1Z63R094545434534534534534";
    #[allow(deprecated)]
    // Example 1 identifies the PO by its deprecated name; it lands in fulfillmentRequestId.
    let one = ups(source.create_shipment(Fr::purchase_order_id(1388412), tracking))
        .line(ShipmentLine::sku("HG12123123", 1));
    let mut expected_one = example("createShipment.request.example-1.json");
    let po = expected_one.as_object_mut().unwrap().remove("purchaseOrderId").unwrap();
    expected_one["fulfillmentRequestId"] = po;
    assert_eq!(
        serde_json::to_value(one.to_request().unwrap()).unwrap(),
        with_default_false(expected_one)
    );

    let two = ups(source.create_shipment(Fr::number("ORDER_123-1"), tracking))
        .line(ShipmentLine::sku("HG12123123", 1));
    assert_eq!(
        serde_json::to_value(two.to_request().unwrap()).unwrap(),
        with_default_false(example("createShipment.request.example-2.json"))
    );

    let three = ups(source.create_shipment(Fr::number("ORDER_123-1"), tracking))
        .line(ShipmentLine::new(ItemRef::FulfillmentRequestItemId(1884921), 1));
    assert_eq!(
        serde_json::to_value(three.to_request().unwrap()).unwrap(),
        with_default_false(example("createShipment.request.example-3.json"))
    );
}

#[tokio::test]
async fn accounting_sync_success_1_and_error_1() {
    let server = MockServer::start().await;
    let c = client_of_kind(&server, TokenKind::Account);
    let success = c
        .sync_accounting(1)
        .accounting_synced(Patch::Set(true))
        .external_accounting_id(Patch::Set("TEST-221".into()))
        .accounting_error(Patch::Clear)
        .item(12312, Patch::Set("TEST-221-A".into()));
    assert_eq!(
        serde_json::to_value(success.to_request().unwrap()).unwrap(),
        example("syncFulfillmentRequestAccounting.request.success-1.json")
    );
    let error = c
        .sync_accounting(1)
        .accounting_synced(Patch::Set(false))
        .accounting_error(Patch::Set("Request rejected due to invalid Id".into()));
    assert_eq!(
        serde_json::to_value(error.to_request().unwrap()).unwrap(),
        example("syncFulfillmentRequestAccounting.request.error-1.json")
    );
}

#[test]
fn deprecated_aliases_land_in_the_new_names() {
    #[allow(deprecated)]
    let (fr, item) = (Fr::purchase_order_id(7), ItemRef::purchase_order_item_id(8));
    assert_eq!(fr, Fr::Id(7));
    assert_eq!(item, ItemRef::FulfillmentRequestItemId(8));
}

#[test]
fn response_accessors_prefer_new_names_and_fall_back_to_old() {
    use flxpoint_ext::{ShipmentExt, ShipmentItemExt, types};
    let old: types::Shipment = serde_json::from_value(
        json!({"purchaseOrderId": 5, "shipmentItems": [{"purchaseOrderItemId": 9}]}),
    )
    .unwrap();
    assert_eq!(old.fulfillment_request_id(), Some(5));
    assert_eq!(old.shipment_items[0].fulfillment_request_item_id(), Some(9));
    let both: types::Shipment =
        serde_json::from_value(json!({"purchaseOrderId": 5, "fulfillmentRequestId": 6})).unwrap();
    assert_eq!(both.fulfillment_request_id(), Some(6));
    #[allow(deprecated)]
    let via_old_name = both.purchase_order_id();
    assert_eq!(via_old_name, Some(6));
}
