//! `POST /shipments` and `PUT /shipments/flag-with-errors` against a real sandbox over loopback.

#[path = "sandbox_support.rs"]
mod support;

use serde_json::{Value, json};
use support::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN, create, raw, send,
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
    json!({
        "fulfillmentRequestId": 1388412,
        "shipment": {"trackingNumber": tracking, "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}
    })
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
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &body).await.status, 201);
    // By id the account token needs no sourceId (page example 1).
    let mut body = example(EXAMPLE_1);
    body["shipment"]["trackingNumber"] = json!("OTHER");
    assert_eq!(create(&sandbox, ACCOUNT_TOKEN, &body).await.status, 201);
    assert_eq!(shipment_count(&sandbox), 2);
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
        "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &body).await.status, 201);
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
    // Naming its own source is fine.
    body["sourceId"] = json!(100);
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &body).await.status, 201);
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
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &explicit_false).await.status, 409);

    let mut allowed = minimal("DUP");
    allowed["allowDuplicateTrackingNumbers"] = json!(true);
    let reply = create(&sandbox, SOURCE_TOKEN, &allowed).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(shipment_count(&sandbox), 2);
    assert_ne!(sandbox.shipments()[0]["id"], sandbox.shipments()[1]["id"]);

    // The rule is per fulfillment request: the same number on another request is fine.
    let other = json!({"fulfillmentRequestId": 5002, "shipment": {"trackingNumber": "DUP", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    assert_eq!(create(&sandbox, SOURCE_TOKEN, &other).await.status, 201);
    assert_eq!(shipment_count(&sandbox), 3);
}

#[tokio::test]
async fn a_cancelled_fulfillment_request_answers_412() {
    let sandbox = start().await;
    let body = json!({"fulfillmentRequestId": 5004, "shipment": {"trackingNumber": "T", "shipmentItems": [{"sku": "HG12123123", "quantity": 1}]}});
    create(&sandbox, SOURCE_TOKEN, &body).await.assert_error(412, "Cancelled");
    assert_eq!(shipment_count(&sandbox), 0);
}

#[tokio::test]
async fn a_channel_token_cannot_create_shipments() {
    let sandbox = start().await;
    create(&sandbox, CHANNEL_TOKEN, &example(EXAMPLE_1)).await.assert_error(401, "channel");
    assert_eq!(shipment_count(&sandbox), 0);
}

#[tokio::test]
async fn the_generic_page_example_is_a_client_error_not_a_server_error() {
    let sandbox = start().await;
    for token in [ACCOUNT_TOKEN, SOURCE_TOKEN, CHANNEL_TOKEN] {
        let reply = create(&sandbox, token, &example(GENERIC_CREATE)).await;
        assert!((400..500).contains(&reply.status), "{token}: {} {}", reply.status, reply.text);
    }
    // Its only fault for an account token: `quantity: 0`.
    create(&sandbox, ACCOUNT_TOKEN, &example(GENERIC_CREATE)).await.assert_error(400, "quantity");
    assert_eq!(shipment_count(&sandbox), 0);
}

// ---- PUT /shipments/flag-with-errors ----

async fn flag(
    sandbox: &flxpoint_tests::sandbox::Sandbox,
    token: &str,
    body: &Value,
) -> support::Reply {
    send(sandbox, "PUT", "/shipments/flag-with-errors", Some(token), Some(body)).await
}

#[tokio::test]
async fn flagging_stores_the_sync_error_and_answers_200_with_no_body() {
    let sandbox = start().await;
    let first = create(&sandbox, SOURCE_TOKEN, &minimal("A")).await.json();
    let second = create(&sandbox, SOURCE_TOKEN, &minimal("B")).await.json();
    let body = json!([{"id": first["id"], "syncError": "channel refused"}, {"id": second["id"], "syncError": "timeout", "note": "ignored"}]);
    let reply = flag(&sandbox, CHANNEL_TOKEN, &body).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.text, "");
    let stored = sandbox.shipments();
    assert_eq!(stored[0]["syncError"], "channel refused");
    assert_eq!(stored[1]["syncError"], "timeout");
    assert_eq!(stored[1].get("note"), None, "only syncError is taken from the body");
    assert_eq!(stored[0]["syncedToChannel"], false);
}

#[tokio::test]
async fn flag_body_rules_answer_400_and_change_nothing() {
    let sandbox = start().await;
    let id = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.json()["id"].clone();
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
    assert!(sandbox.shipments()[0].get("syncError").is_none());
}

#[tokio::test]
async fn flagging_is_all_or_nothing_and_unknown_ids_are_404() {
    let sandbox = start().await;
    let id = create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await.json()["id"].clone();
    let body = json!([{"id": id, "syncError": "x"}, {"id": 424242, "syncError": "y"}]);
    flag(&sandbox, ACCOUNT_TOKEN, &body).await.assert_error(404, "424242");
    assert!(sandbox.shipments()[0].get("syncError").is_none(), "nothing changed");
}

#[tokio::test]
async fn a_source_token_flags_only_its_own_shipments() {
    let sandbox = start().await;
    let id = create(&sandbox, SOURCE_TOKEN, &minimal("A")).await.json()["id"].clone();
    let body = json!([{"id": id, "syncError": "x"}]);
    flag(&sandbox, OTHER_SOURCE_TOKEN, &body).await.assert_error(404, "not found");
    assert!(sandbox.shipments()[0].get("syncError").is_none());
    assert_eq!(flag(&sandbox, SOURCE_TOKEN, &body).await.status, 200);
    assert_eq!(sandbox.shipments()[0]["syncError"], "x");
}

#[tokio::test]
async fn the_generic_flag_example_is_a_404_not_a_server_error() {
    let sandbox = start().await;
    create(&sandbox, ACCOUNT_TOKEN, &minimal("A")).await;
    // Its shipment id is 0, which never exists.
    flag(&sandbox, ACCOUNT_TOKEN, &example(GENERIC_FLAG)).await.assert_error(404, "shipment 0");
}
