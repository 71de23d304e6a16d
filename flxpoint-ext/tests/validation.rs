//! Invalid inputs across all operations: each is a `Validation` error naming the field, and the
//! server (a real one on loopback) receives zero requests.

mod common;

use common::{client, client_of_kind};
use flxpoint_ext::{
    Client, Error, FulfillmentRequestRef as Fr, ItemRef, LinkSelector, Patch, ShipmentLine as Line,
    ShipmentSyncError as Sync, TokenKind,
};
use std::future::Future;
use std::pin::Pin;
use wiremock::{Mock, MockServer, ResponseTemplate};

type Call = Pin<Box<dyn Future<Output = Result<(), Error>>>>;

fn create(
    c: &Client,
    f: impl FnOnce(flxpoint_ext::CreateShipment) -> flxpoint_ext::CreateShipment,
) -> Call {
    let b = f(c.create_shipment(Fr::id(10), "TRACK-1").line(Line::sku("A", 1)));
    Box::pin(async move { b.send().await.map(drop) })
}

fn create_raw(b: flxpoint_ext::CreateShipment) -> Call {
    Box::pin(async move { b.send().await.map(drop) })
}

/// `(expected field, call)` for every case.
fn cases(
    c: &Client,
    account: &Client,
    source: &Client,
    channel: &Client,
) -> Vec<(&'static str, Call)> {
    let s = |c: &Client| c.create_shipment(Fr::id(10), "TRACK-1");
    vec![
        (
            "shipment.trackingNumber",
            create_raw(c.create_shipment(Fr::id(10), "").line(Line::sku("A", 1))),
        ),
        (
            "shipment.trackingNumber",
            create_raw(c.create_shipment(Fr::id(10), "   ").line(Line::sku("A", 1))),
        ),
        ("shipment.shipmentItems", create_raw(s(c))),
        ("shipment.shipmentItems[0].quantity", create_raw(s(c).line(Line::sku("A", 0)))),
        (
            "shipment.shipmentItems[1].quantity",
            create_raw(s(c).line(Line::sku("A", 1)).line(Line::sku("B", -3))),
        ),
        (
            "shipment.shipmentItems[2].quantity",
            create_raw(s(c).lines([Line::sku("A", 1), Line::sku("B", 1), Line::sku("C", 0)])),
        ),
        ("shipment.shipmentItems[0].sku", create_raw(s(c).line(Line::sku("", 1)))),
        (
            "shipment.shipmentItems[0].sourceVariantId",
            create_raw(s(c).line(Line::new(ItemRef::SourceVariantId(0), 1))),
        ),
        (
            "shipment.shipmentItems[0].orderItemId",
            create_raw(s(c).line(Line::new(ItemRef::OrderItemId(-1), 1))),
        ),
        (
            "shipment.shipmentItems[0].purchaseOrderItemId",
            create_raw(s(c).line(Line::new(ItemRef::FulfillmentRequestItemId(0), 1))),
        ),
        (
            "fulfillmentRequestId",
            create_raw(c.create_shipment(Fr::id(0), "T").line(Line::sku("A", 1))),
        ),
        (
            "fulfillmentRequestId",
            create_raw(c.create_shipment(Fr::id(-5), "T").line(Line::sku("A", 1))),
        ),
        (
            "purchaseOrderNumber",
            create_raw(c.create_shipment(Fr::number(""), "T").line(Line::sku("A", 1))),
        ),
        (
            "sourceId",
            create_raw(
                c.create_shipment(Fr::number_in_source("PO-1", 0), "T").line(Line::sku("A", 1)),
            ),
        ),
        (
            "sourceId",
            create_raw(account.create_shipment(Fr::number("PO-1"), "T").line(Line::sku("A", 1))),
        ),
        (
            "sourceId",
            create_raw(
                source
                    .create_shipment(Fr::number_in_source("PO-1", 200), "T")
                    .line(Line::sku("A", 1)),
            ),
        ),
        (
            "X-API-TOKEN",
            create_raw(channel.create_shipment(Fr::id(10), "T").line(Line::sku("A", 1))),
        ),
        ("shipment.shippingCost", create(c, |b| b.shipping_cost(-1.0))),
        ("shipment.shippingCost", create(c, |b| b.shipping_cost(f64::NAN))),
        ("shipment.customFields[0].name", create(c, |b| b.custom_field("", "v"))),
        ("shipment.customFields[0].value", create(c, |b| b.custom_field("n", " "))),
        (
            "shipment.customFields[1].name",
            create(c, |b| b.custom_field("n", "1").custom_field("n", "2")),
        ),
        (
            "shipment.shipmentItems[0].customFields[0].value",
            create_raw(s(c).line(Line::sku("A", 1).custom_field("n", ""))),
        ),
        (
            "fulfillmentRequestId",
            Box::pin({
                let b = c.sync_accounting(0).accounting_synced(Patch::Set(true));
                async move { b.send().await }
            }),
        ),
        (
            "body",
            Box::pin({
                let b = c.sync_accounting(7);
                async move { b.send().await }
            }),
        ),
        (
            "items[0].id",
            Box::pin({
                let b = c.sync_accounting(7).item(0, Patch::Clear);
                async move { b.send().await }
            }),
        ),
        (
            "items[1].id",
            Box::pin({
                let b = c.sync_accounting(7).item(3, Patch::Clear).item(3, Patch::Clear);
                async move { b.send().await }
            }),
        ),
        (
            "items[0].externalAccountingItemId",
            Box::pin({
                let b = c.sync_accounting(7).item(3, Patch::Set(String::new()));
                async move { b.send().await }
            }),
        ),
        (
            "externalAccountingId",
            Box::pin({
                let b = c.sync_accounting(7).external_accounting_id(Patch::Set("".into()));
                async move { b.send().await }
            }),
        ),
        (
            "fulfillmentRequestId",
            Box::pin({
                let b = c.fail_fulfillment_request(0, "why");
                async move { b.send().await }
            }),
        ),
        (
            "error",
            Box::pin({
                let b = c.fail_fulfillment_request(5, "");
                async move { b.send().await }
            }),
        ),
        (
            "error",
            Box::pin({
                let b = c.fail_fulfillment_request(5, " \t");
                async move { b.send().await }
            }),
        ),
        (
            "orderId",
            Box::pin({
                let b = c.link_unmanaged_orders(LinkSelector::OrderId(0));
                async move { b.send().await.map(drop) }
            }),
        ),
        (
            "orderItemId",
            Box::pin({
                let b = c.link_unmanaged_orders(LinkSelector::OrderItemId(-2));
                async move { b.send().await.map(drop) }
            }),
        ),
        (
            "selector.name",
            Box::pin({
                let b = c.link_unmanaged_orders(LinkSelector::Other {
                    name: "".into(),
                    value: "1".into(),
                });
                async move { b.send().await.map(drop) }
            }),
        ),
        (
            "selector.name",
            Box::pin({
                let b = c.link_unmanaged_orders(LinkSelector::Other {
                    name: "a&b".into(),
                    value: "1".into(),
                });
                async move { b.send().await.map(drop) }
            }),
        ),
        (
            "selector.value",
            Box::pin({
                let b = c.link_unmanaged_orders(LinkSelector::Other {
                    name: "x".into(),
                    value: "".into(),
                });
                async move { b.send().await.map(drop) }
            }),
        ),
        (
            "body",
            Box::pin({
                let b = c.flag_shipments_with_errors([]);
                async move { b.send().await }
            }),
        ),
        (
            "[0].id",
            Box::pin({
                let b = c.flag_shipments_with_errors([Sync::new(0, "e")]);
                async move { b.send().await }
            }),
        ),
        (
            "[1].syncError",
            Box::pin({
                let b = c.flag_shipments_with_errors([Sync::new(1, "e"), Sync::new(2, "")]);
                async move { b.send().await }
            }),
        ),
        (
            "[1].id",
            Box::pin({
                let b = c.flag_shipments_with_errors([Sync::new(1, "e"), Sync::new(1, "f")]);
                async move { b.send().await }
            }),
        ),
    ]
}

#[tokio::test]
async fn invalid_inputs_are_named_and_never_sent() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = client(&server);
    let account = client_of_kind(&server, TokenKind::Account);
    let source = client_of_kind(&server, TokenKind::Source { source_id: 100 });
    let channel = client_of_kind(&server, TokenKind::Channel);
    let cases = cases(&c, &account, &source, &channel);
    assert_eq!(cases.len(), 41);
    let mut wrong = Vec::new();
    for (i, (field, call)) in cases.into_iter().enumerate() {
        match call.await {
            Err(Error::Validation { field: got, rule }) if got == field => {
                assert!(!rule.is_empty())
            }
            other => {
                wrong.push(format!("case {i}: expected Validation on `{field}`, got {other:?}"))
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0, "nothing reaches the server");
}

#[tokio::test]
async fn kind_rules_accept_what_the_pages_allow() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"id": 1, "trackingNumber": "T"})),
        )
        .mount(&server)
        .await;
    let source = client_of_kind(&server, TokenKind::Source { source_id: 100 });
    let account = client_of_kind(&server, TokenKind::Account);
    let undeclared = client(&server);
    // Examples 2 and 3 of the page: a purchase-order number without sourceId, with a SOURCE
    // token; with its own sourceId; an ACCOUNT token naming the source; an undeclared kind
    // leaves the decision to the server.
    let sends = [
        (source.create_shipment(Fr::number("ORDER_123-1"), "T"), None),
        (source.create_shipment(Fr::number_in_source("ORDER_123-1", 100), "T"), Some(100)),
        (account.create_shipment(Fr::number_in_source("ORDER_123-1", 100), "T"), Some(100)),
        (undeclared.create_shipment(Fr::number("ORDER_123-1"), "T"), None),
    ];
    let expected: Vec<Option<i64>> = sends.iter().map(|(_, s)| *s).collect();
    for (call, _) in sends {
        call.line(Line::sku("A", 1)).send().await.unwrap();
    }
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 4);
    for (request, source_id) in sent.iter().zip(expected) {
        let body: serde_json::Value = request.body_json().unwrap();
        assert_eq!(body["purchaseOrderNumber"], "ORDER_123-1");
        assert_eq!(body.get("sourceId").and_then(|v| v.as_i64()), source_id, "{body}");
        assert!(body.get("fulfillmentRequestId").is_none());
    }
}

#[test]
fn bad_client_settings_are_errors() {
    assert!(matches!(Client::builder("t").base_url("not a url").build(), Err(Error::Config(_))));
    assert!(matches!(Client::builder("t").base_url("ftp://x").build(), Err(Error::Config(_))));
    assert!(
        matches!(Client::new(""), Err(Error::Validation { field, .. }) if field == "X-API-TOKEN")
    );
    assert!(matches!(Client::new("bad\ntoken"), Err(Error::Validation { .. })));
    assert!(
        matches!(Client::builder("t").rate_limit(0.0, 1).build(), Err(Error::Validation { field, .. }) if field == "rate_limit.per_second")
    );
    assert!(
        matches!(Client::builder("t").rate_limit(2.0, 0).build(), Err(Error::Validation { field, .. }) if field == "rate_limit.burst")
    );
}
