//! Each operation's exact wire request, and the decoding of every documented status, against a
//! real HTTP server on 127.0.0.1 (wiremock) through the real generated client.

mod common;

use common::{TOKEN, client, create_minimal, example};
use flxpoint_ext::{
    CreateOutcome, Error, FulfillmentRequestRef, LinkSelector, Patch, ShipmentLine,
    ShipmentSyncError,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn create_shipment_sends_the_documented_body_and_decodes_201() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/shipments"))
        .and(header("x-api-token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "fulfillmentRequestId": 1388412,
            "allowDuplicateTrackingNumbers": false,
            "shipment": {
                "trackingNumber": "1Z63R0945",
                "carrier": "ups",
                "shipmentItems": [{"sku": "HG12123123", "quantity": 2}]
            }
        })))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(example("createShipment.response.201.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let created = client(&server)
        .create_shipment(FulfillmentRequestRef::id(1388412), "1Z63R0945")
        .carrier("ups")
        .line(ShipmentLine::sku("HG12123123", 2))
        .send()
        .await
        .unwrap();
    let CreateOutcome::Created(shipment) = created else { panic!("{created:?}") };
    assert_eq!(shipment.tracking_number.as_deref(), Some("string"));
    assert!(shipment.shipment_items[0].custom_fields[0].as_ref().unwrap().id.is_none());
}

#[tokio::test]
async fn every_documented_error_status_maps_to_its_variant_with_the_body() {
    type IsExpected = fn(&Error) -> bool;
    let cases: [(u16, IsExpected); 7] = [
        (400, |e| matches!(e, Error::BadRequest(_))),
        (401, |e| matches!(e, Error::Unauthorized(_))),
        (404, |e| matches!(e, Error::NotFound(_))),
        (409, |e| matches!(e, Error::Conflict(_))),
        (412, |e| matches!(e, Error::PreconditionFailed(_))),
        (429, |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 7)),
        (500, |e| matches!(e, Error::Server(_))),
    ];
    for (status, is_expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("retry-after", "7")
                    .set_body_string(format!("{{\"message\":\"status {status} because\"}}")),
            )
            .mount(&server)
            .await;
        let err = create_minimal(&client(&server)).await.unwrap_err();
        assert!(is_expected(&err), "{status}: {err:?}");
        let service = err.service().expect("the server answered");
        assert_eq!((service.status, service.operation), (status, "createShipment"));
        assert!(service.body.contains(&format!("status {status} because")), "{service:?}");
        assert_eq!(err.is_retryable(), status == 429, "{status}");
    }
}

#[tokio::test]
async fn a_bad_success_body_is_a_decode_error_with_a_bounded_snippet() {
    let server = MockServer::start().await;
    let body = format!("{{\"id\": \"not a number\", \"note\": \"{}\"", "x".repeat(5000));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string(body))
        .mount(&server)
        .await;
    let err = create_minimal(&client(&server)).await.unwrap_err();
    let Error::Decode { operation, snippet, .. } = &err else { panic!("{err:?}") };
    assert_eq!(*operation, "createShipment");
    assert!(
        snippet.starts_with("{\"id\": \"not a number\"") && snippet.len() <= 1024,
        "{}",
        snippet.len()
    );
}

#[tokio::test]
async fn accounting_sync_sends_null_absent_and_values_exactly() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/fulfillment-requests/1388412/accounting-sync"))
        .and(header("x-api-token", TOKEN))
        .and(body_json(example("syncFulfillmentRequestAccounting.request.success-1.json")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .sync_accounting(1388412)
        .accounting_synced(Patch::Set(true))
        .external_accounting_id(Patch::Set("TEST-221".into()))
        .accounting_error(Patch::Clear)
        .item(12312, Patch::Set("TEST-221-A".into()))
        .send()
        .await
        .unwrap();
    let sent: serde_json::Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    let sent = sent.as_object().unwrap();
    assert_eq!(sent.get("accountingError"), Some(&serde_json::Value::Null), "present, null");
    assert_eq!(sent.get("externalAccountingId"), Some(&json!("TEST-221")));
}

#[tokio::test]
async fn accounting_sync_leaves_unchanged_fields_off_the_wire() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    // The page's error-1 example omits externalAccountingId and the items.
    client(&server)
        .sync_accounting(1388412)
        .accounting_synced(Patch::Set(false))
        .accounting_error(Patch::Set("Request rejected due to invalid Id".into()))
        .send()
        .await
        .unwrap();
    let sent: serde_json::Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    let keys: Vec<&String> = sent.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["accountingSynced", "accountingError"], "absent means absent: {sent}");
    assert_eq!(sent, example("syncFulfillmentRequestAccounting.request.error-1.json"));
}

#[tokio::test]
async fn accounting_sync_404_is_not_found() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(404)).mount(&server).await;
    let err = client(&server)
        .sync_accounting(9)
        .accounting_synced(Patch::Set(false))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn fail_fulfillment_request_sends_the_reason_url_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/fulfillment-requests/5002/processing-failed"))
        .and(query_param("error", "carrier rejected & lost / 100%"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .fail_fulfillment_request(5002, "carrier rejected & lost / 100%")
        .send()
        .await
        .unwrap();
    let url = server.received_requests().await.unwrap()[0].url.to_string();
    assert!(url.contains("error=carrier"), "{url}");
    assert!(!url.contains(' ') && !url.contains("& lost"), "encoded: {url}");
}

#[tokio::test]
async fn link_sends_exactly_one_parameter_and_decodes_the_ids() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/orders/link"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([3001, 3002])))
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.unwrap(),
        [3001, 3002]
    );
    c.link_unmanaged_orders(LinkSelector::OrderItemId(4003)).send().await.unwrap();
    c.link_unmanaged_orders(LinkSelector::Other {
        name: "channelOrderId".into(),
        value: "A 1".into(),
    })
    .send()
    .await
    .unwrap();
    let queries: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(queries, ["orderId=3001", "orderItemId=4003", "channelOrderId=A+1"]);
}

#[tokio::test]
async fn link_400_is_bad_request() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(400).set_body_string("one parameter"))
        .mount(&server)
        .await;
    let err =
        client(&server).link_unmanaged_orders(LinkSelector::OrderId(1)).send().await.unwrap_err();
    assert!(matches!(&err, Error::BadRequest(e) if e.body == "one parameter"), "{err:?}");
}

#[tokio::test]
async fn flag_with_errors_sends_id_and_sync_error_only() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/shipments/flag-with-errors"))
        .and(body_json(
            json!([{"id": 11, "syncError": "channel said no"}, {"id": 12, "syncError": "timeout"}]),
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .flag_shipments_with_errors([
            ShipmentSyncError::new(11, "channel said no"),
            ShipmentSyncError::new(12, "timeout"),
        ])
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn unreachable_server_is_a_transport_error() {
    // A port that was just free, on 127.0.0.3 where no other test binds (wiremock pools its
    // servers on 127.0.0.1, so a freed port there may be taken again).
    let port = std::net::TcpListener::bind("127.0.0.3:0").unwrap().local_addr().unwrap().port();
    let c = flxpoint_ext::Client::builder(TOKEN)
        .base_url(format!("http://127.0.0.3:{port}"))
        .retry(flxpoint_ext::RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.link_unmanaged_orders(LinkSelector::OrderId(1)).send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { operation: "linkUnmanagedOrders", .. }), "{err:?}");
}
