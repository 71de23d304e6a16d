//! The validation gaps, table-driven: requests that cannot be built, identifiers, the link
//! escape hatch, accounting items, values that are empty to a reader (whitespace, control and
//! invisible characters), control characters in identifiers and query values, and the token's
//! form. Each case is an `Error::Validation` naming its field, and a real loopback server
//! receives nothing.

mod common;

use common::{TOKEN, client};
use flxpoint_ext::{
    Client, Error, FulfillmentRequestRef as Fr, ItemRef, LinkSelector, Patch, ShipmentLine as Line,
    ShipmentSyncError as Sync,
};
use std::future::Future;
use std::pin::Pin;
use wiremock::{Mock, MockServer, ResponseTemplate};

type Call = Pin<Box<dyn Future<Output = Result<(), Error>>>>;

/// Anything that can be sent, as a [`Call`].
trait IntoCall {
    fn call(self) -> Call;
}

macro_rules! into_call {
    ($($ty:ty),*) => {$(
        impl IntoCall for $ty {
            fn call(self) -> Call {
                Box::pin(async move { self.send().await.map(drop) })
            }
        }
    )*};
}
into_call!(
    flxpoint_ext::CreateShipment,
    flxpoint_ext::SyncAccounting,
    flxpoint_ext::FailFulfillmentRequest,
    flxpoint_ext::FlagShipmentsWithErrors,
    flxpoint_ext::LinkUnmanagedOrders
);

/// A client built with `token` against `server`, then one valid call: the build must refuse.
fn with_token(server: &MockServer, token: &str) -> Call {
    let built = Client::builder(token).base_url(server.uri()).no_rate_limit().build();
    Box::pin(async move { built?.fail_fulfillment_request(5, "r").send().await })
}

fn other(name: &str, value: &str) -> LinkSelector {
    LinkSelector::Other { name: name.into(), value: value.into() }
}

fn cases(c: &Client, server: &MockServer) -> Vec<(&'static str, Call)> {
    let ship = |tracking: &str| c.create_shipment(Fr::id(10), tracking);
    let one = |line: Line| ship("T").line(line).call();
    let shipment = |f: fn(flxpoint_ext::CreateShipment) -> flxpoint_ext::CreateShipment| {
        f(ship("T").line(Line::sku("A", 1))).call()
    };
    let acct = || c.sync_accounting(7);
    let fail = |reason: &str| c.fail_fulfillment_request(5, reason).call();
    let link = |s: LinkSelector| c.link_unmanaged_orders(s).call();
    vec![
        // A request that cannot be built: the URL limit, named and documented.
        ("error", fail(&"x".repeat(70_000))),
        ("error", fail(&"x".repeat(2049))),
        ("error", fail(&"€".repeat(683))),
        ("selector.value", link(other("q", &"1".repeat(70_000)))),
        ("selector.name", link(other(&"n".repeat(3000), "1"))),
        // Every identifier is a positive integer.
        (
            "shipment.shipmentItems[0].inventoryVariantId",
            one(Line::sku("A", 1).inventory_variant_id(0)),
        ),
        (
            "shipment.shipmentItems[0].inventoryVariantId",
            one(Line::sku("A", 1).inventory_variant_id(-1)),
        ),
        ("shipment.shipmentItems[0].rmaItemId", one(Line::sku("A", 1).rma_item_id(0))),
        ("shipment.shipmentItems[0].rmaItemId", one(Line::sku("A", 1).rma_item_id(i64::MIN))),
        (
            "shipment.shipmentItems[0].sourceVariantId",
            one(Line::new(ItemRef::SourceVariantId(i64::MIN), 1)),
        ),
        ("[0].id", c.flag_shipments_with_errors([Sync::new(-1, "e")]).call()),
        ("fulfillmentRequestId", c.sync_accounting(-1).accounting_synced(Patch::Set(true)).call()),
        ("fulfillmentRequestId", c.fail_fulfillment_request(i64::MIN, "r").call()),
        ("items[0].id", acct().item(-7, Patch::Clear).call()),
        // A documented name through the escape hatch gets the typed selector's checks.
        ("orderId", link(other("orderId", "0"))),
        ("orderId", link(other("orderId", "-3"))),
        ("orderId", link(other("orderId", "abc"))),
        ("orderItemId", link(other("orderItemId", ""))),
        ("orderItemId", link(other("orderItemId", "1.5"))),
        ("orderId", link(other("orderId", "99999999999999999999"))),
        // An accounting item that changes nothing; accountingError like externalAccountingId.
        ("items[0].externalAccountingItemId", acct().item(3, Patch::Unchanged).call()),
        (
            "items[1].externalAccountingItemId",
            acct().item(3, Patch::Clear).item(4, Patch::Unchanged).call(),
        ),
        ("accountingError", acct().accounting_error(Patch::Set(String::new())).call()),
        ("accountingError", acct().accounting_error(Patch::Set(" \u{200B}".into())).call()),
        ("items[0].externalAccountingItemId", acct().item(3, Patch::Set("\u{FEFF}".into())).call()),
        // Empty after removing whitespace and invisible characters.
        ("shipment.trackingNumber", ship("\u{200B}").line(Line::sku("A", 1)).call()),
        ("shipment.trackingNumber", ship("\0").line(Line::sku("A", 1)).call()),
        ("shipment.trackingNumber", ship(" \u{2060} ").line(Line::sku("A", 1)).call()),
        ("shipment.shipmentItems[0].sku", one(Line::sku("\u{FEFF}", 1))),
        (
            "purchaseOrderNumber",
            c.create_shipment(Fr::number("\u{200D}"), "T").line(Line::sku("A", 1)).call(),
        ),
        ("shipment.customFields[0].name", shipment(|b| b.custom_field("\u{200C}", "v"))),
        ("shipment.customFields[0].value", shipment(|b| b.custom_field("n", "\u{00AD}"))),
        (
            "shipment.shipmentItems[0].customFields[0].value",
            one(Line::sku("A", 1).custom_field("n", "\t\u{200B}")),
        ),
        ("[0].syncError", c.flag_shipments_with_errors([Sync::new(1, "\u{200B}\n")]).call()),
        (
            "externalAccountingId",
            acct().external_accounting_id(Patch::Set("\u{2063}".into())).call(),
        ),
        ("error", fail("\u{200B}")),
        ("selector.value", link(other("q", "\u{FEFF}"))),
        ("selector.name", link(other("\u{200B}", "1"))),
        // Identifiers and query values refuse control characters.
        ("shipment.trackingNumber", ship("1Z\n99").line(Line::sku("A", 1)).call()),
        ("shipment.trackingNumber", ship("1Z\t99").line(Line::sku("A", 1)).call()),
        ("shipment.trackingNumber", ship("1Z\u{0}99").line(Line::sku("A", 1)).call()),
        ("shipment.trackingNumber", ship("\u{7F}X").line(Line::sku("A", 1)).call()),
        ("shipment.shipmentItems[0].sku", one(Line::sku("A\rB", 1))),
        ("shipment.shipmentItems[0].sku", one(Line::sku("A\u{1B}[31m", 1))),
        (
            "purchaseOrderNumber",
            c.create_shipment(Fr::number("PO\n1"), "T").line(Line::sku("A", 1)).call(),
        ),
        ("shipment.customFields[0].name", shipment(|b| b.custom_field("a\nb", "v"))),
        (
            "shipment.shipmentItems[0].customFields[0].name",
            one(Line::sku("A", 1).custom_field("a\tb", "v")),
        ),
        ("error", fail("bad\nreason")),
        ("error", fail("x\u{85}")),
        ("selector.value", link(other("q", "1\n2"))),
        ("selector.name", link(other("na\tme", "1"))),
        ("selector.name", link(other("orderId ", "1"))),
        // The token: visible ASCII, nothing around it.
        ("X-API-TOKEN", with_token(server, "")),
        ("X-API-TOKEN", with_token(server, " tok")),
        ("X-API-TOKEN", with_token(server, "tok ")),
        ("X-API-TOKEN", with_token(server, "to\tk")),
        ("X-API-TOKEN", with_token(server, "tök")),
        ("X-API-TOKEN", with_token(server, "to k")),
        ("X-API-TOKEN", with_token(server, "tok\n")),
        ("X-API-TOKEN", with_token(server, "\u{200B}tok")),
        ("X-API-TOKEN", {
            let other = c.with_token("\tx", None);
            Box::pin(async move { other.map(drop) })
        }),
        // Numbers and lists.
        ("shipment.shippingCost", shipment(|b| b.shipping_cost(f64::INFINITY))),
        ("shipment.shipmentItems[0].quantity", one(Line::sku("A", i64::MIN))),
        (
            "shipment.shipmentItems[0].customFields[1].name",
            one(Line::sku("A", 1).custom_field("n", "1").custom_field("n", "2")),
        ),
    ]
}

#[tokio::test]
async fn each_gap_is_a_named_validation_error_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = client(&server);
    let cases = cases(&c, &server);
    assert_eq!(cases.len(), 64);
    let mut wrong = Vec::new();
    for (i, (field, call)) in cases.into_iter().enumerate() {
        match call.await {
            Err(Error::Validation { field: got, rule }) if got == field && !rule.is_empty() => {
                assert!(!rule.contains(TOKEN));
            }
            other => wrong.push(format!("case {i}: expected `{field}`, got {other:?}")),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(server.received_requests().await.unwrap().len(), 0, "nothing reaches the server");
}

#[tokio::test]
async fn values_at_the_limits_are_accepted_and_sent_intact() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let c = client(&server);
    let reason = format!("{}é", "x".repeat(2046)); // 2048 bytes of UTF-8
    c.fail_fulfillment_request(5, reason.clone()).send().await.unwrap();
    c.sync_accounting(7).item(3, Patch::Clear).send().await.unwrap();
    c.flag_shipments_with_errors([Sync::new(1, "line one\nline two")]).send().await.unwrap();
    let sent = server.received_requests().await.unwrap();
    let error = sent[0].url.query_pairs().find(|(k, _)| k == "error").unwrap().1;
    assert_eq!(error, reason);
    let body: serde_json::Value = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(body, serde_json::json!({"items": [{"id": 3, "externalAccountingItemId": null}]}));
    let body: serde_json::Value = serde_json::from_slice(&sent[2].body).unwrap();
    assert_eq!(body[0]["syncError"], "line one\nline two", "free text keeps its newlines");
}

#[tokio::test]
async fn a_documented_name_through_the_escape_hatch_is_sent_like_the_typed_selector() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json([3001]))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(c.link_unmanaged_orders(other("orderId", "3001")).send().await.unwrap(), [3001]);
    c.link_unmanaged_orders(other("orderItemId", "4001")).send().await.unwrap();
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].url.query(), Some("orderId=3001"));
    assert_eq!(sent[1].url.query(), Some("orderItemId=4001"));
}
