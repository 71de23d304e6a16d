//! `POST /shipments` and `PUT /shipments/flag-with-errors` against a real sandbox over loopback.

#[path = "sandbox_support.rs"]
mod support;

use std::time::Duration;

use chrono::{DateTime, Utc};
use flxpoint_sandbox::sandbox::Sandbox;
use serde_json::{Value, json};
use support::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN, create, data, raw, send,
    shipment_count, start,
};

const EXAMPLE_1: &str =
    include_str!("../../openapi/examples/createShipment.request.example-1.json");
const EXAMPLE_2: &str =
    include_str!("../../openapi/examples/createShipment.request.example-2.json");
const EXAMPLE_3: &str =
    include_str!("../../openapi/examples/createShipment.request.example-3.json");
const GENERIC_CREATE: &str = include_str!("../../openapi/examples/createShipment.request.json");
const GENERIC_FLAG: &str =
    include_str!("../../openapi/examples/flagShipmentsWithErrors.request.json");

fn example(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A valid create body for fulfillment request 1388412 (source 100).
fn minimal(tracking: &str) -> Value {
    on(1388412, tracking)
}

/// A valid create body for fulfillment request `id` (every seeded request but 5003 has an item
/// with sku `HG12123123`).
fn on(id: i64, tracking: &str) -> Value {
    let sku = if id == 5003 { "ZZ-9" } else { "HG12123123" };
    json!({
        "fulfillmentRequestId": id,
        "shipment": {"trackingNumber": tracking, "shipmentItems": [{"sku": sku, "quantity": 1}]}
    })
}

/// A timestamp of a response or the state dump.
fn instant(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().unwrap_or_else(|| panic!("not a timestamp: {value}"));
    assert!(text.ends_with('Z'), "not UTC with Z: {text}");
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|err| panic!("{text}: {err}")).into()
}

/// Asserts `stamp` lies between two readings of the test's clock (with 1 s for clock steps, and
/// the sandbox keeping milliseconds only).
fn assert_now(stamp: &Value, before: DateTime<Utc>, after: DateTime<Utc>) {
    let at = instant(stamp);
    let slack = chrono::Duration::seconds(1);
    assert!(
        before - slack <= at && at <= after + slack,
        "{at} is not between {before} and {after}"
    );
}

/// The stored shipment `id`, from the state dump.
fn stored(sandbox: &Sandbox, id: &Value) -> Value {
    let all = sandbox.shipments();
    all.into_iter().find(|shipment| shipment["id"] == *id).expect("the shipment is stored")
}

// ---- POST /shipments: success ----

#[tokio::test]
async fn the_three_page_examples_succeed_with_the_source_token() {
    let sandbox = start().await;
    for (name, text) in
        [("example 1", EXAMPLE_1), ("example 2", EXAMPLE_2), ("example 3", EXAMPLE_3)]
    {
        sandbox.reset();
        let reply = create(&sandbox, SOURCE_TOKEN, &example(text)).await;
        assert_eq!(reply.status, 201, "{name}: {}", reply.text);
        let body = reply.json();
        assert_eq!(body["fulfillmentRequestId"], 1388412, "{name}");
        assert_eq!(body["shipmentItems"][0]["fulfillmentRequestItemId"], 1884921, "{name}");
        assert_eq!(body["shipmentItems"][0]["quantity"], 1, "{name}");
        let stored = sandbox.shipments();
        assert_eq!(stored.len(), 1, "{name}");
        assert_eq!(stored[0], body, "{name}: the response is the stored shipment");
    }
}

#[tokio::test]
async fn account_token_needs_source_id_with_a_purchase_order_number() {
    let sandbox = start().await;
    let reply = create(&sandbox, ACCOUNT_TOKEN, &example(EXAMPLE_2)).await;
    reply.assert_error(400, "sourceId");
    assert_eq!(shipment_count(&sandbox), 0);

    let mut body = example(EXAMPLE_2);
    body["sourceId"] = json!(100);
    let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        (reply.json()["fulfillmentRequestId"].clone(), reply.json()["sourceId"].clone()),
        (json!(1388412), json!(100))
    );
    // By id the account token needs no sourceId (page example 1).
    let mut body = example(EXAMPLE_1);
    body["shipment"]["trackingNumber"] = json!("OTHER");
    let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["fulfillmentRequestId"], 1388412);
    assert_eq!(shipment_count(&sandbox), 2);
}

/// Decision: account token + `purchaseOrderNumber` without `sourceId` is a 400 only when the
/// number is the identifier; sent beside an id, the id finds the request and the number is only
/// checked against it.
#[tokio::test]
async fn account_token_needs_source_id_only_when_the_number_is_the_identifier() {
    let sandbox = start().await;
    let mut body = minimal("NUM");
    body["purchaseOrderNumber"] = json!("ORDER_123-1");
    let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["fulfillmentRequestId"], 1388412);
    // The id decides; a number of another request is a 400 even with the account token.
    body["purchaseOrderNumber"] = json!("ORDER_124-1");
    create(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(
        400,
        "purchaseOrderNumber \"ORDER_124-1\" is not the number of fulfillment request 1388412",
    );
    assert_eq!(shipment_count(&sandbox), 1);
}

#[tokio::test]
async fn response_has_every_documented_field_and_omits_nulls() {
    let sandbox = start().await;
    let body = json!({
        "purchaseOrderId": 1388412,
        "fulfillmentRequestId": 1388412,
        "shipment": {
            "trackingNumber": "T-1", "note": "n", "trackingUrl": "https://t/1", "carrier": "ups",
            "method": "ground", "shippedAt": "2026-04-20T02:00:00+02:00", "shippingCost": 4.5,
            "suppressed": true,
            "shipmentItems": [{"purchaseOrderItemId": 1884921, "quantity": 2, "inventoryVariantId": 77, "rmaItemId": 5}]
        }
    });
    let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
    let shipment = reply.json();
    for (field, expected) in [
        ("id", json!(1)),
        ("note", json!("n")),
        ("trackingUrl", json!("https://t/1")),
        ("trackingNumber", json!("T-1")),
        ("carrier", json!("ups")),
        ("method", json!("ground")),
        ("shippedAt", json!("2026-04-20T00:00:00Z")),
        ("shippingCost", json!(4.5)),
        ("orderId", json!(3001)),
        ("purchaseOrderId", json!(1388412)),
        ("fulfillmentRequestId", json!(1388412)),
        ("sourceId", json!(100)),
        ("accountId", json!(1)),
        ("partial", json!(true)),
        ("suppressed", json!(true)),
        ("syncedToChannel", json!(false)),
        ("accountingSynced", json!(false)),
        ("customFields", json!([])),
    ] {
        assert_eq!(shipment[field], expected, "field {field}");
    }
    for absent in ["syncError", "crossDockPurchaseOrderId", "rmaId"] {
        assert!(shipment.get(absent).is_none(), "{absent} must be omitted: {shipment}");
    }
    for stamp in ["insertedAt", "updatedAt"] {
        let text = shipment[stamp].as_str().unwrap();
        assert!(
            text.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "{stamp}: {text}"
        );
    }
    let item = &shipment["shipmentItems"][0];
    assert_eq!(
        *item,
        json!({
            "id": 1, "sku": "HG12123123", "quantity": 2, "shipmentId": 1, "inventoryVariantId": 77,
            "partial": true, "orderItemId": 7001, "purchaseOrderItemId": 1884921,
            "fulfillmentRequestItemId": 1884921, "committedStockReleasedQuantity": 0, "rmaItemId": 5,
            "customFields": []
        })
    );
}

/// Decision: `insertedAt`/`updatedAt` = now, in UTC with `Z` (equal at creation).
#[tokio::test]
async fn inserted_at_and_updated_at_are_now_in_utc() {
    let sandbox = start().await;
    let before = Utc::now();
    let reply = create(&sandbox, ACCOUNT_TOKEN, &minimal("NOW")).await;
    let after = Utc::now();
    assert_eq!(reply.status, 201, "{}", reply.text);
    let shipment = reply.json();
    assert_now(&shipment["insertedAt"], before, after);
    assert_eq!(shipment["updatedAt"], shipment["insertedAt"]);
    assert_eq!(stored(&sandbox, &shipment["id"]), shipment);
}

/// Decision: no over-shipment check — the pages set no limit; the request is simply complete.
#[tokio::test]
async fn there_is_no_over_shipment_check() {
    let sandbox = start().await;
    // FR 5002 asks for one unit; ship 5, then 5 more.
    let mut body = on(5002, "OVER-1");
    body["shipment"]["shipmentItems"][0]["quantity"] = json!(5);
    for tracking in ["OVER-1", "OVER-2"] {
        body["shipment"]["trackingNumber"] = json!(tracking);
        let reply = create(&sandbox, SOURCE_TOKEN, &body).await;
        assert_eq!(reply.status, 201, "{tracking}: {}", reply.text);
        let shipment = reply.json();
        assert_eq!(
            (shipment["partial"].clone(), shipment["shipmentItems"][0]["quantity"].clone()),
            (json!(false), json!(5))
        );
    }
    assert_eq!(shipment_count(&sandbox), 2);
}

/// Decisions: unknown body fields are ignored; `null` passes only where the spec says nullable
/// (in flag-with-errors the custom-field `id`/`name`/`value` and an item's custom-field entries;
/// not create's custom-field values) — anywhere else `<field> must not be null`.
#[tokio::test]
async fn unknown_fields_are_ignored_and_null_passes_only_where_nullable() {
    let sandbox = start().await;
    let mut body = minimal("EXTRA");
    body["somethingNew"] = json!({"nested": [1, null]});
    body["shipment"]["futureField"] = Value::Null;
    body["shipment"]["shipmentItems"][0]["unheardOf"] = json!("x");
    let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let shipment = reply.json();
    for field in ["somethingNew", "futureField"] {
        assert!(shipment.get(field).is_none(), "{field} was not stored: {shipment}");
    }

    let mut null_value = minimal("NULL");
    null_value["shipment"]["customFields"] = json!([{"name": "a", "value": null}]);
    create(&sandbox, ACCOUNT_TOKEN, &null_value)
        .await
        .assert_error(400, "shipment.customFields[0].value must not be null");
    let mut item_null_value = minimal("NULL");
    item_null_value["shipment"]["shipmentItems"][0]["customFields"] =
        json!([{"name": null, "value": "x"}]);
    create(&sandbox, ACCOUNT_TOKEN, &item_null_value)
        .await
        .assert_error(400, "shipment.shipmentItems[0].customFields[0].name must not be null");
    assert_eq!(shipment_count(&sandbox), 1);

    // flag-with-errors: the spec's nullable custom-field members and item entries pass.
    let before = stored(&sandbox, &shipment["id"]);
    let entry = json!([{
        "id": shipment["id"], "syncError": "nullable fields",
        "customFields": [{"id": null, "name": null, "value": null}],
        "shipmentItems": [{"customFields": [null, {"id": null, "name": null, "value": null}]}]
    }]);
    let reply = flag(&sandbox, ACCOUNT_TOKEN, &entry).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = stored(&sandbox, &shipment["id"]);
    assert_eq!(after["syncError"], "nullable fields");
    assert_eq!(after["customFields"], before["customFields"], "only syncError is stored");
    // … but not where the spec has no `nullable`.
    let entry = json!([{"id": shipment["id"], "syncError": "x", "note": null}]);
    flag(&sandbox, ACCOUNT_TOKEN, &entry).await.assert_error(400, "[0].note must not be null");
}

#[tokio::test]
async fn minimal_shipment_omits_every_unsent_optional_field() {
    let sandbox = start().await;
    let shipment = create(&sandbox, ACCOUNT_TOKEN, &minimal("T")).await.json();
    for absent in
        ["note", "trackingUrl", "carrier", "method", "shippedAt", "shippingCost", "syncError"]
    {
        assert!(shipment.get(absent).is_none(), "{absent}: {shipment}");
    }
    assert_eq!(shipment["suppressed"], false);
    let item = &shipment["shipmentItems"][0];
    assert!(item.get("inventoryVariantId").is_none() && item.get("rmaItemId").is_none(), "{item}");
    assert!(shipment.as_object().unwrap().values().all(|value| !value.is_null()), "{shipment}");
}

#[tokio::test]
async fn partial_follows_everything_shipped_so_far() {
    let sandbox = start().await;
    // FR 5002 asks for one unit: shipping it is complete.
    let body = json!({"fulfillmentRequestId": 5002, "shipment": {"trackingNumber": "A", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    let shipment = create(&sandbox, SOURCE_TOKEN, &body).await.json();
    assert_eq!(shipment["partial"], false);
    assert_eq!(shipment["shipmentItems"][0]["partial"], false);
    // FR 1388412 asks for 3 + 1: two shipments complete it.
    let first = json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "B", "shipmentItems": [{"sku": "HG12123123", "quantity": 2}]}});
    let first = create(&sandbox, SOURCE_TOKEN, &first).await.json();
    assert_eq!(
        (first["partial"].clone(), first["shipmentItems"][0]["partial"].clone()),
        (json!(true), json!(true))
    );
    let second = json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "C", "shipmentItems": [
        {"sku": "HG12123123", "quantity": 1}, {"sku": "AB-100", "quantity": 1}
    ]}});
    let second = create(&sandbox, SOURCE_TOKEN, &second).await.json();
    assert_eq!(second["partial"], false, "{second}");
    assert_eq!(second["shipmentItems"][0]["partial"], false);
    assert_eq!(second["shipmentItems"][1]["partial"], false);
}

#[tokio::test]
async fn items_can_be_named_by_each_identifier() {
    let sandbox = start().await;
    let identifiers = [
        json!({"sku": "AB-100"}),
        json!({"sourceVariantId": 8002}),
        json!({"orderItemId": 7002}),
        json!({"purchaseOrderItemId": 12312}),
        json!({"fulfillmentRequestItemId": 12312}),
        json!({"purchaseOrderItemId": 12312, "fulfillmentRequestItemId": 12312, "sku": "AB-100", "sourceVariantId": 8002, "orderItemId": 7002}),
    ];
    for (index, identifier) in identifiers.iter().enumerate() {
        let mut item = identifier.clone();
        item["quantity"] = json!(1);
        let body = json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": format!("T{index}"), "shipmentItems": [item]}});
        let reply = create(&sandbox, ACCOUNT_TOKEN, &body).await;
        assert_eq!(reply.status, 201, "{identifier}: {}", reply.text);
        let line = &reply.json()["shipmentItems"][0];
        assert_eq!(
            (line["fulfillmentRequestItemId"].clone(), line["orderItemId"].clone()),
            (json!(12312), json!(7002))
        );
    }
    assert_eq!(shipment_count(&sandbox), identifiers.len());
}

#[tokio::test]
async fn custom_fields_drop_nulls_empties_and_later_duplicates() {
    let sandbox = start().await;
    // `null` entries are allowed (spec: nullable) only in an item's list.
    let fields = json!([
        {"name": "colour", "value": "red"},
        {"name": "", "value": "x"},
        {"name": "size", "value": ""},
        {"name": "colour", "value": "blue"},
        {"name": "gift", "value": "yes"}
    ]);
    let mut item_fields = fields.clone();
    item_fields.as_array_mut().unwrap().insert(0, Value::Null);
    let body = json!({"fulfillmentRequestId": 1388412, "shipment": {
        "trackingNumber": "CF", "customFields": fields,
        "shipmentItems": [{"sku": "HG12123123", "quantity": 1, "customFields": item_fields}]
    }});
    let shipment = create(&sandbox, ACCOUNT_TOKEN, &body).await.json();
    let names = |fields: &Value| -> Vec<(String, String)> {
        fields
            .as_array()
            .unwrap()
            .iter()
            .map(|field| {
                assert!(field["id"].is_i64(), "{field}");
                (
                    field["name"].as_str().unwrap().to_owned(),
                    field["value"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let expected =
        vec![("colour".to_owned(), "red".to_owned()), ("gift".to_owned(), "yes".to_owned())];
    assert_eq!(names(&shipment["customFields"]), expected);
    assert_eq!(names(&shipment["shipmentItems"][0]["customFields"]), expected);
    assert_eq!(sandbox.shipments()[0]["customFields"], shipment["customFields"]);
}

#[tokio::test]
async fn alias_and_new_name_may_both_be_sent_when_equal() {
    let sandbox = start().await;
    let body = json!({"fulfillmentRequestId": 1388412, "purchaseOrderId": 1388412, "purchaseOrderNumber": "ORDER_123-1",
        "shipment": {"trackingNumber": "T", "shipmentItems": [{"purchaseOrderItemId": 12312, "fulfillmentRequestItemId": 12312, "quantity": 1}]}});
    let reply = create(&sandbox, SOURCE_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let shipment = reply.json();
    assert_eq!(
        (shipment["purchaseOrderId"].clone(), shipment["fulfillmentRequestId"].clone()),
        (json!(1388412), json!(1388412))
    );
    let item = &shipment["shipmentItems"][0];
    assert_eq!(
        (
            item["purchaseOrderItemId"].clone(),
            item["fulfillmentRequestItemId"].clone(),
            item["sku"].clone()
        ),
        (json!(12312), json!(12312), json!("AB-100"))
    );
    assert_eq!(sandbox.shipments(), [shipment]);
}

// ---- POST /shipments: refusals ----

#[tokio::test]
async fn body_rules_answer_400_naming_the_field_and_store_nothing() {
    let sandbox = start().await;
    let item = json!({"sku": "HG12123123", "quantity": 1});
    let with_shipment =
        |shipment: Value| json!({"fulfillmentRequestId": 1388412, "shipment": shipment});
    let cases = [
        (json!({"fulfillmentRequestId": 1388412}), "shipment"),
        (json!({"fulfillmentRequestId": 1388412, "shipment": null}), "shipment"),
        (json!({"fulfillmentRequestId": 1388412, "shipment": []}), "shipment must be an object"),
        (with_shipment(json!({"shipmentItems": [item]})), "shipment.trackingNumber"),
        (
            with_shipment(json!({"trackingNumber": "", "shipmentItems": [item]})),
            "shipment.trackingNumber",
        ),
        (
            with_shipment(json!({"trackingNumber": "  ", "shipmentItems": [item]})),
            "shipment.trackingNumber",
        ),
        (
            with_shipment(json!({"trackingNumber": 5, "shipmentItems": [item]})),
            "shipment.trackingNumber must be a string",
        ),
        (with_shipment(json!({"trackingNumber": "T"})), "shipment.shipmentItems"),
        (
            with_shipment(json!({"trackingNumber": "T", "shipmentItems": []})),
            "shipment.shipmentItems",
        ),
        (
            with_shipment(json!({"trackingNumber": "T", "shipmentItems": [null]})),
            "shipment.shipmentItems[0]",
        ),
        (
            with_shipment(json!({"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123"}]})),
            "shipmentItems[0].quantity",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123", "quantity": 0}]}),
            ),
            "shipmentItems[0].quantity",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [item, {"sku": "HG12123123", "quantity": -2}]}),
            ),
            "shipmentItems[1].quantity",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123", "quantity": "1"}]}),
            ),
            "shipmentItems[0].quantity must be an integer",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123", "quantity": 1.5}]}),
            ),
            "shipmentItems[0].quantity must be an integer",
        ),
        (
            with_shipment(json!({"trackingNumber": "T", "shipmentItems": [{"quantity": 1}]})),
            "shipmentItems[0] needs one of sku",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"quantity": 1, "inventoryVariantId": 1, "rmaItemId": 2}]}),
            ),
            "needs one of",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"quantity": 1, "sku": ""}]}),
            ),
            "shipmentItems[0].sku",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [{"quantity": 1, "purchaseOrderItemId": 1884921, "fulfillmentRequestItemId": 12312}]}),
            ),
            "fulfillmentRequestItemId",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shippedAt": "yesterday", "shipmentItems": [item]}),
            ),
            "shipment.shippedAt",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shippingCost": "free", "shipmentItems": [item]}),
            ),
            "shipment.shippingCost must be a number",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "suppressed": "yes", "shipmentItems": [item]}),
            ),
            "shipment.suppressed must be a boolean",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "customFields": [{"name": 1, "value": "x"}], "shipmentItems": [item]}),
            ),
            "shipment.customFields[0].name",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "customFields": ["x"], "shipmentItems": [item]}),
            ),
            "shipment.customFields[0] must be an object",
        ),
        (
            json!({"shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "fulfillmentRequestId",
        ),
        (
            json!({"fulfillmentRequestId": 1388412, "purchaseOrderId": 5002, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "purchaseOrderId",
        ),
        (
            json!({"fulfillmentRequestId": "1388412", "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "fulfillmentRequestId must be an integer",
        ),
        (
            json!({"fulfillmentRequestId": 1388412, "allowDuplicateTrackingNumbers": "no", "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "allowDuplicateTrackingNumbers",
        ),
        (
            json!({"purchaseOrderNumber": "", "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "purchaseOrderNumber",
        ),
        (
            json!({"fulfillmentRequestId": 1388412, "purchaseOrderNumber": "ORDER_124-1", "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "purchaseOrderNumber",
        ),
        (json!([]), "body must be an object"),
        (json!(null), "body must not be null"),
        (
            json!({"fulfillmentRequestId": null, "purchaseOrderId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "fulfillmentRequestId must not be null",
        ),
        (
            with_shipment(
                json!({"trackingNumber": "T", "shipmentItems": [item], "customFields": [null]}),
            ),
            "shipment.customFields[0] must not be null",
        ),
        (json!("text"), "body must be an object"),
    ];
    for (body, needle) in &cases {
        let reply = create(&sandbox, ACCOUNT_TOKEN, body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        reply.assert_error(400, needle);
    }
    assert_eq!(shipment_count(&sandbox), 0);
}

#[tokio::test]
async fn unreadable_bodies_and_content_types_answer_400_not_415_or_422() {
    let sandbox = start().await;
    let valid = minimal("T").to_string();
    let cases = [
        (Some("application/json"), "{\"fulfillmentRequestId\": ".to_owned(), "not valid JSON"),
        (Some("application/json"), String::new(), "not valid JSON"),
        (Some("text/plain"), valid.clone(), "Content-Type"),
        (Some("application/x-www-form-urlencoded"), valid.clone(), "Content-Type"),
        (None, valid.clone(), "Content-Type"),
    ];
    for (content_type, body, needle) in cases {
        let mut request =
            raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN)).body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let reply = support::finish(request).await;
        reply.assert_error(400, needle);
    }
    // A JSON content type with parameters is fine.
    let request = raw(&sandbox, "POST", "/shipments", Some(ACCOUNT_TOKEN))
        .header("content-type", "application/json; charset=utf-8")
        .body(valid);
    assert_eq!(support::finish(request).await.status, 201);
    assert_eq!(shipment_count(&sandbox), 1);
}

#[tokio::test]
async fn source_rules_of_the_page() {
    let sandbox = start().await;
    // A SOURCE token naming another source: 400.
    let mut body = minimal("T");
    body["sourceId"] = json!(200);
    create(&sandbox, SOURCE_TOKEN, &body).await.assert_error(400, "sourceId 200");
    assert_eq!(shipment_count(&sandbox), 0);
    // Naming its own source is fine.
    body["sourceId"] = json!(100);
    let reply = create(&sandbox, SOURCE_TOKEN, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["sourceId"], 100);
    // An unknown sourceId: 404.
    let unknown = json!({"purchaseOrderNumber": "ORDER_123-1", "sourceId": 999, "shipment": {"trackingNumber": "U", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    create(&sandbox, ACCOUNT_TOKEN, &unknown).await.assert_error(404, "source 999");
    assert_eq!(shipment_count(&sandbox), 1);
}

#[tokio::test]
async fn unknown_or_invisible_fulfillment_requests_and_items_answer_404() {
    let sandbox = start().await;
    let item = json!({"sku": "HG12123123", "quantity": 1});
    let cases = [
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 999, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "fulfillment request 999",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"purchaseOrderId": 0, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "fulfillment request 0",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"purchaseOrderNumber": "NOPE", "sourceId": 100, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "NOPE",
        ),
        // The number exists, but in source 200.
        (
            ACCOUNT_TOKEN,
            json!({"purchaseOrderNumber": "ORDER_125-1", "sourceId": 100, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "ORDER_125-1",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 5003, "sourceId": 100, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "5003",
        ),
        // Source 100's token cannot see source 200's request, and the other way round.
        (
            SOURCE_TOKEN,
            json!({"fulfillmentRequestId": 5003, "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "ZZ-9", "quantity": 1}]}}),
            "5003",
        ),
        (
            SOURCE_TOKEN,
            json!({"purchaseOrderNumber": "ORDER_125-1", "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "ZZ-9", "quantity": 1}]}}),
            "ORDER_125-1",
        ),
        (
            OTHER_SOURCE_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [item]}}),
            "1388412",
        ),
        // Items that match nothing on the request.
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "ZZ-9", "quantity": 1}]}}),
            "shipmentItems[0]",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [item, {"purchaseOrderItemId": 9003, "quantity": 1}]}}),
            "shipmentItems[1]",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [{"orderItemId": 1, "quantity": 1}]}}),
            "shipmentItems[0]",
        ),
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [{"sourceVariantId": 8003, "quantity": 1}]}}),
            "shipmentItems[0]",
        ),
        // Two identifiers naming different items.
        (
            ACCOUNT_TOKEN,
            json!({"fulfillmentRequestId": 1388412, "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "AB-100", "purchaseOrderItemId": 1884921, "quantity": 1}]}}),
            "shipmentItems[0]",
        ),
    ];
    for (token, body, needle) in &cases {
        let reply = create(&sandbox, token, body).await;
        assert_eq!(reply.status, 404, "{body}: {}", reply.text);
        reply.assert_error(404, needle);
    }
    assert_eq!(shipment_count(&sandbox), 0);
}

#[tokio::test]
async fn a_repeated_tracking_number_is_409_unless_allowed() {
    let sandbox = start().await;
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &minimal("DUP")).await.status, 201);
    create(&sandbox, SOURCE_TOKEN, &minimal("DUP")).await.assert_error(409, "DUP");
    assert_eq!(shipment_count(&sandbox), 1, "the 409 stored nothing");

    let mut explicit_false = minimal("DUP");
    explicit_false["allowDuplicateTrackingNumbers"] = json!(false);
    create(&sandbox, SOURCE_TOKEN, &explicit_false).await.assert_error(
        409,
        "shipment.trackingNumber \"DUP\" is already used on fulfillment request 1388412",
    );
    assert_eq!(shipment_count(&sandbox), 1);

    let mut allowed = minimal("DUP");
    allowed["allowDuplicateTrackingNumbers"] = json!(true);
    let reply = create(&sandbox, SOURCE_TOKEN, &allowed).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["trackingNumber"], "DUP");
    assert_eq!(shipment_count(&sandbox), 2);
    assert_ne!(sandbox.shipments()[0]["id"], sandbox.shipments()[1]["id"]);

    // The rule is per fulfillment request: the same number on another request is fine.
    let reply = create(&sandbox, SOURCE_TOKEN, &on(5002, "DUP")).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        (reply.json()["fulfillmentRequestId"].clone(), reply.json()["trackingNumber"].clone()),
        (json!(5002), json!("DUP"))
    );
    assert_eq!(shipment_count(&sandbox), 3);
}

#[tokio::test]
async fn a_cancelled_fulfillment_request_answers_412() {
    let sandbox = start().await;
    create(&sandbox, SOURCE_TOKEN, &on(5004, "T"))
        .await
        .assert_error(412, "fulfillment request 5004 is Cancelled and cannot take a shipment");
    assert_eq!(shipment_count(&sandbox), 0);
}

/// Decision: 412 only for a Cancelled request, and only once the 400s and 404s have passed (the
/// 409 comes after it: `a_cancelled_request_answers_412_before_the_409` in
/// `src/sandbox/handlers/create_shipment`, which can store a shipment on a request and then
/// cancel it). Every other status takes shipments.
#[tokio::test]
async fn a_cancelled_request_answers_412_only_after_the_400s_and_404s() {
    let sandbox = start().await;
    let cancelled = on(5004, "T");
    let mut bad_body = cancelled.clone();
    bad_body["shipment"]["shipmentItems"][0]["quantity"] = json!(0);
    create(&sandbox, SOURCE_TOKEN, &bad_body).await.assert_error(400, "shipmentItems[0].quantity");
    let mut unknown_item = cancelled.clone();
    unknown_item["shipment"]["shipmentItems"][0]["sku"] = json!("ZZ-9");
    create(&sandbox, SOURCE_TOKEN, &unknown_item)
        .await
        .assert_error(404, "shipment.shipmentItems[0] matches no item of fulfillment request 5004");
    create(&sandbox, OTHER_SOURCE_TOKEN, &cancelled)
        .await
        .assert_error(404, "fulfillment request 5004 not found");
    let mut other_source = cancelled.clone();
    other_source["sourceId"] = json!(200);
    create(&sandbox, ACCOUNT_TOKEN, &other_source)
        .await
        .assert_error(404, "fulfillment request 5004 not found");
    let mut unknown_source = cancelled.clone();
    unknown_source["sourceId"] = json!(999);
    create(&sandbox, ACCOUNT_TOKEN, &unknown_source)
        .await
        .assert_error(404, "source 999 not found");
    create(&sandbox, ACCOUNT_TOKEN, &cancelled).await.assert_error(412, "Cancelled");
    assert_eq!(shipment_count(&sandbox), 0);

    // Processing (1388412), Processed (5002), Acknowledged (5003) and Processing Error all take
    // shipments.
    let failed = "/fulfillment-requests/1388412/processing-failed?error=x";
    assert_eq!(send(&sandbox, "PATCH", failed, Some(ACCOUNT_TOKEN), None).await.status, 204);
    assert_eq!(
        sandbox.fulfillment_request(1388412).unwrap()["processingStatus"],
        "Processing Error"
    );
    for id in [1388412, 5002, 5003] {
        let reply = create(&sandbox, ACCOUNT_TOKEN, &on(id, "T")).await;
        assert_eq!(reply.status, 201, "{id}: {}", reply.text);
        assert_eq!(reply.json()["fulfillmentRequestId"], id);
    }
    assert_eq!(shipment_count(&sandbox), 3);
}

#[tokio::test]
async fn a_channel_token_cannot_create_shipments() {
    let sandbox = start().await;
    create(&sandbox, CHANNEL_TOKEN, &example(EXAMPLE_1))
        .await
        .assert_error(401, "a channel token cannot create shipments");
    assert_eq!(shipment_count(&sandbox), 0);
}

#[tokio::test]
async fn the_generic_page_example_is_a_client_error_not_a_server_error() {
    let sandbox = start().await;
    // Its first fault for an account or source token: `quantity: 0` (the body rules come before
    // any lookup, so its unknown ids never matter).
    for token in [ACCOUNT_TOKEN, SOURCE_TOKEN] {
        create(&sandbox, token, &example(GENERIC_CREATE))
            .await
            .assert_error(400, "shipment.shipmentItems[0].quantity must be greater than 0, got 0");
    }
    // A channel token may not create at all (401, before the body is read).
    create(&sandbox, CHANNEL_TOKEN, &example(GENERIC_CREATE))
        .await
        .assert_error(401, "a channel token cannot create shipments");
    assert_eq!(shipment_count(&sandbox), 0);
}

// ---- PUT /shipments/flag-with-errors ----

async fn flag(
    sandbox: &flxpoint_sandbox::sandbox::Sandbox,
    token: &str,
    body: &Value,
) -> support::Reply {
    send(sandbox, "PUT", "/shipments/flag-with-errors", Some(token), Some(body)).await
}

/// Decision: only `syncError` (with `syncedToChannel = false` and `updatedAt`) is stored — the
/// other fields of a stale copy sent back, `syncedToChannel: true` included, change nothing.
#[tokio::test]
async fn flagging_stores_only_the_sync_error_and_answers_200_with_no_body() {
    let sandbox = start().await;
    let first = create(&sandbox, SOURCE_TOKEN, &minimal("A")).await.json();
    let second = create(&sandbox, SOURCE_TOKEN, &minimal("B")).await.json();
    // A stale copy of the second, edited everywhere: only its syncError may be taken.
    let mut stale = second.clone();
    for (field, value) in [
        ("syncError", json!("timeout")),
        ("syncedToChannel", json!(true)),
        ("note", json!("ignored")),
        ("trackingNumber", json!("CHANGED")),
        ("suppressed", json!(true)),
        ("partial", json!(false)),
        ("accountingSynced", json!(true)),
        ("insertedAt", json!("2020-01-01T00:00:00Z")),
        ("updatedAt", json!("2020-01-01T00:00:00Z")),
        ("customFields", json!([{"id": 9, "name": "n", "value": "v"}])),
    ] {
        stale[field] = value;
    }
    stale["shipmentItems"][0]["quantity"] = json!(99);
    let body = json!([{"id": first["id"], "syncError": "channel refused"}, stale]);
    tokio::time::sleep(Duration::from_millis(5)).await; // so that a new updatedAt differs
    let reply = flag(&sandbox, CHANNEL_TOKEN, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.text, "");
    for (before, error) in [(&first, "channel refused"), (&second, "timeout")] {
        let after = stored(&sandbox, &before["id"]);
        assert_eq!(after["syncError"], error);
        assert_eq!(after["syncedToChannel"], false, "the stale copy's true is not taken");
        assert!(instant(&after["updatedAt"]) > instant(&before["updatedAt"]), "{after}");
        let mut expected = before.clone();
        expected["syncError"] = json!(error);
        expected["updatedAt"] = after["updatedAt"].clone();
        assert_eq!(after, expected, "nothing but syncError and updatedAt changed");
    }
}

/// Decision: `updatedAt` is now at creation and is moved only by flag-with-errors (the only
/// operation that changes a stored shipment); refused flags, later shipments on the same request
/// and the request's own operations leave it alone. `insertedAt` never moves.
#[tokio::test]
async fn updated_at_moves_only_when_flag_with_errors_changes_the_shipment() {
    let sandbox = start().await;
    let created = create(&sandbox, SOURCE_TOKEN, &minimal("A")).await.json();
    let id = created["id"].clone();
    assert_eq!(created["updatedAt"], created["insertedAt"]);
    tokio::time::sleep(Duration::from_millis(5)).await; // so that a new timestamp would differ
    let other = create(&sandbox, SOURCE_TOKEN, &minimal("B")).await;
    assert_eq!(other.status, 201, "{}", other.text);
    let sync = "/fulfillment-requests/1388412/accounting-sync";
    let body = json!({"accountingSynced": true});
    let link = "/orders/link?orderId=3001";
    assert_eq!(
        send(&sandbox, "PATCH", link, Some(ACCOUNT_TOKEN), None).await.json(),
        json!([3001])
    );
    assert_eq!(send(&sandbox, "PATCH", sync, Some(ACCOUNT_TOKEN), Some(&body)).await.status, 204);
    let failed = "/fulfillment-requests/1388412/processing-failed?error=x";
    assert_eq!(send(&sandbox, "PATCH", failed, Some(ACCOUNT_TOKEN), None).await.status, 204);
    flag(
        &sandbox,
        ACCOUNT_TOKEN,
        &json!([{"id": id, "syncError": "x"}, {"id": 424242, "syncError": "y"}]),
    )
    .await
    .assert_error(404, "shipment 424242 not found");
    flag(&sandbox, ACCOUNT_TOKEN, &json!([{"id": id, "syncError": ""}]))
        .await
        .assert_error(400, "[0].syncError must not be empty");
    assert_eq!(stored(&sandbox, &id), created, "untouched by all of that");

    let before = Utc::now();
    let reply = flag(&sandbox, ACCOUNT_TOKEN, &json!([{"id": id, "syncError": "x"}])).await;
    let after = Utc::now();
    assert_eq!(reply.status, 200, "{}", reply.text);
    let flagged = stored(&sandbox, &id);
    assert_now(&flagged["updatedAt"], before, after);
    assert!(instant(&flagged["updatedAt"]) > instant(&created["updatedAt"]), "{flagged}");
    assert_eq!(flagged["insertedAt"], created["insertedAt"]);
}

#[tokio::test]
async fn flag_body_rules_answer_400_and_change_nothing() {
    let sandbox = start().await;
    let id = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.json()["id"].clone();
    let unchanged = data(&sandbox);
    let cases = [
        (json!([]), "at least one"),
        (json!({"id": id, "syncError": "x"}), "body must be an array"),
        (json!([{"syncError": "x"}]), "[0].id"),
        (json!([{"id": id}]), "[0].syncError"),
        (json!([{"id": id, "syncError": ""}]), "[0].syncError"),
        (json!([{"id": id, "syncError": null}]), "[0].syncError"),
        (json!([{"id": id, "syncError": 5}]), "[0].syncError must be a string"),
        (json!([{"id": "1", "syncError": "x"}]), "[0].id must be an integer"),
        (json!([{"id": id, "syncError": "x"}, {"id": id}]), "[1].syncError"),
        (json!([{"id": id, "syncError": "x", "shippedAt": "soon"}]), "[0].shippedAt"),
        (
            json!([{"id": id, "syncError": "x", "shipmentItems": [{"quantity": "2"}]}]),
            "[0].shipmentItems[0].quantity",
        ),
        (json!([5]), "[0] must be an object"),
        (json!([null]), "[0] must not be null"),
    ];
    for (body, needle) in &cases {
        let reply = flag(&sandbox, ACCOUNT_TOKEN, body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        reply.assert_error(400, needle);
    }
    assert_eq!(data(&sandbox), unchanged, "no refused body changed anything");
}

/// Decision: flag-with-errors and accounting-sync are all or nothing, every 400 (a bad body)
/// before any 404 (an unknown shipment or request): a later bad entry wins over an earlier
/// unknown id, and a bad body over an unknown request.
#[tokio::test]
async fn flag_and_accounting_answer_every_400_before_any_404() {
    let sandbox = start().await;
    let id = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.json()["id"].clone();
    let unchanged = data(&sandbox);
    let body = json!([{"id": 424242, "syncError": "x"}, {"id": id, "syncError": "y"}, {"id": id}]);
    flag(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(400, "[2].syncError is required");
    let body = json!([{"id": 424242, "syncError": "x"}, {"id": id, "syncError": 5}]);
    flag(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(400, "[1].syncError must be a string");
    for (body, needle) in [
        (json!({"accountingSynced": "yes"}), "accountingSynced must be a boolean"),
        (json!({"items": [{"externalAccountingItemId": "x"}]}), "items[0].id is required"),
    ] {
        let reply = send(
            &sandbox,
            "PATCH",
            "/fulfillment-requests/999/accounting-sync",
            Some(ACCOUNT_TOKEN),
            Some(&body),
        )
        .await;
        reply.assert_error(400, needle);
    }
    assert_eq!(data(&sandbox), unchanged);
    // With a valid body, the unknown ids are 404s.
    let body = json!([{"id": id, "syncError": "y"}, {"id": 424242, "syncError": "x"}]);
    flag(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(404, "shipment 424242 not found");
    let reply = send(
        &sandbox,
        "PATCH",
        "/fulfillment-requests/999/accounting-sync",
        Some(ACCOUNT_TOKEN),
        Some(&json!({"accountingSynced": true})),
    )
    .await;
    reply.assert_error(404, "fulfillment request 999 not found");
    assert_eq!(data(&sandbox), unchanged);
}

#[tokio::test]
async fn flagging_is_all_or_nothing_and_unknown_ids_are_404() {
    let sandbox = start().await;
    let id = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.json()["id"].clone();
    let unchanged = data(&sandbox);
    let body = json!([{"id": id, "syncError": "x"}, {"id": 424242, "syncError": "y"}]);
    flag(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(404, "shipment 424242 not found");
    assert_eq!(data(&sandbox), unchanged, "the known first entry was not applied either");
}

#[tokio::test]
async fn a_source_token_flags_only_its_own_shipments() {
    let sandbox = start().await;
    let id = create(&sandbox, SOURCE_TOKEN, &minimal("A")).await.json()["id"].clone();
    let unchanged = data(&sandbox);
    let body = json!([{"id": id, "syncError": "x"}]);
    flag(&sandbox, OTHER_SOURCE_TOKEN, &body).await.assert_error(404, "shipment 1 not found");
    assert_eq!(data(&sandbox), unchanged);
    assert_eq!(flag(&sandbox, SOURCE_TOKEN, &body).await.status, 200);
    assert_eq!(sandbox.shipments()[0]["syncError"], "x");
}

#[tokio::test]
async fn the_generic_flag_example_is_a_404_not_a_server_error() {
    let sandbox = start().await;
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.status, 201);
    let unchanged = data(&sandbox);
    // Its shipment id is 0, which never exists.
    flag(&sandbox, ACCOUNT_TOKEN, &example(GENERIC_FLAG))
        .await
        .assert_error(404, "shipment 0 not found");
    assert_eq!(data(&sandbox), unchanged);
}
