//! `PATCH /fulfillment-requests/{id}/accounting-sync` and `.../processing-failed`.

#[path = "sandbox_support.rs"]
mod support;

use flxpoint_sandbox::sandbox::Sandbox;
use serde_json::{Value, json};
use support::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, Reply, SOURCE_TOKEN, raw, send, start,
};

const SUCCESS_1: &str =
    include_str!("../../openapi/examples/syncFulfillmentRequestAccounting.request.success-1.json");
const ERROR_1: &str =
    include_str!("../../openapi/examples/syncFulfillmentRequestAccounting.request.error-1.json");
const GENERIC_SYNC: &str =
    include_str!("../../openapi/examples/syncFulfillmentRequestAccounting.request.json");

async fn sync(sandbox: &Sandbox, token: &str, id: &str, body: &Value) -> Reply {
    send(
        sandbox,
        "PATCH",
        &format!("/fulfillment-requests/{id}/accounting-sync"),
        Some(token),
        Some(body),
    )
    .await
}

async fn fail(sandbox: &Sandbox, token: &str, id: &str, query: &str) -> Reply {
    send(
        sandbox,
        "PATCH",
        &format!("/fulfillment-requests/{id}/processing-failed{query}"),
        Some(token),
        None,
    )
    .await
}

/// `(accountingSynced, externalAccountingId, accountingError)` of a request in the state dump.
fn accounting(sandbox: &Sandbox, id: i64) -> (Value, Value, Value) {
    let fr = sandbox.fulfillment_request(id).unwrap();
    (
        fr["accountingSynced"].clone(),
        fr["externalAccountingId"].clone(),
        fr["accountingError"].clone(),
    )
}

fn item_external_id(sandbox: &Sandbox, fr: i64, item: i64) -> Value {
    let fr = sandbox.fulfillment_request(fr).unwrap();
    let item = fr["items"].as_array().unwrap().iter().find(|entry| entry["id"] == item).unwrap();
    item["externalAccountingItemId"].clone()
}

// ---- accounting-sync ----

#[tokio::test]
async fn the_success_example_sets_fields_and_the_item() {
    let sandbox = start().await;
    let reply =
        sync(&sandbox, ACCOUNT_TOKEN, "1388412", &serde_json::from_str(SUCCESS_1).unwrap()).await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(reply.text, "");
    assert_eq!(accounting(&sandbox, 1388412), (json!(true), json!("TEST-221"), Value::Null));
    assert_eq!(item_external_id(&sandbox, 1388412, 12312), "TEST-221-A");
    assert_eq!(item_external_id(&sandbox, 1388412, 1884921), Value::Null, "other item untouched");
}

#[tokio::test]
async fn tri_state_absent_keeps_null_clears_value_sets() {
    let sandbox = start().await;
    let set_all = json!({"accountingSynced": true, "externalAccountingId": "EXT", "accountingError": "boom",
        "items": [{"id": 1884921, "externalAccountingItemId": "EXT-1"}]});
    assert_eq!(sync(&sandbox, SOURCE_TOKEN, "1388412", &set_all).await.status, 204);
    assert_eq!(accounting(&sandbox, 1388412), (json!(true), json!("EXT"), json!("boom")));

    // Nothing sent: nothing changes.
    assert_eq!(sync(&sandbox, SOURCE_TOKEN, "1388412", &json!({})).await.status, 204);
    assert_eq!(accounting(&sandbox, 1388412), (json!(true), json!("EXT"), json!("boom")));

    // An explicit null clears that field only.
    assert_eq!(
        sync(&sandbox, SOURCE_TOKEN, "1388412", &json!({"accountingError": null})).await.status,
        204
    );
    assert_eq!(accounting(&sandbox, 1388412), (json!(true), json!("EXT"), Value::Null));

    // The error-1 example: sets two, leaves externalAccountingId alone.
    let error_1: Value = serde_json::from_str(ERROR_1).unwrap();
    assert_eq!(sync(&sandbox, SOURCE_TOKEN, "1388412", &error_1).await.status, 204);
    assert_eq!(
        accounting(&sandbox, 1388412),
        (json!(false), json!("EXT"), json!("Request rejected due to invalid Id"))
    );

    // Item: id alone keeps its value; explicit null clears it.
    assert_eq!(
        sync(&sandbox, SOURCE_TOKEN, "1388412", &json!({"items": [{"id": 1884921}]})).await.status,
        204
    );
    assert_eq!(item_external_id(&sandbox, 1388412, 1884921), "EXT-1");
    let clear = json!({"items": [{"id": 1884921, "externalAccountingItemId": null}]});
    assert_eq!(sync(&sandbox, SOURCE_TOKEN, "1388412", &clear).await.status, 204);
    assert_eq!(item_external_id(&sandbox, 1388412, 1884921), Value::Null);

    // All three cleared at once.
    let clear_all =
        json!({"accountingSynced": null, "externalAccountingId": null, "accountingError": null});
    assert_eq!(sync(&sandbox, SOURCE_TOKEN, "1388412", &clear_all).await.status, 204);
    assert_eq!(accounting(&sandbox, 1388412), (Value::Null, Value::Null, Value::Null));
}

#[tokio::test]
async fn accounting_refusals() {
    let sandbox = start().await;
    let cases = [
        ("1388412", json!({"items": [{"externalAccountingItemId": "x"}]}), 400, "items[0].id"),
        ("1388412", json!({"items": [{"id": null}]}), 400, "items[0].id must not be null"),
        ("1388412", json!({"items": null}), 400, "items must not be null"),
        ("1388412", json!({"items": [{"id": 9003}]}), 400, "items[0].id 9003"),
        (
            "1388412",
            json!({"items": [{"id": 12312, "externalAccountingItemId": "ok"}, {"id": 9005}]}),
            400,
            "items[1].id 9005",
        ),
        ("1388412", json!({"items": [5]}), 400, "items[0] must be an object"),
        ("1388412", json!({"items": {"id": 12312}}), 400, "items must be an array"),
        ("1388412", json!({"accountingSynced": "yes"}), 400, "accountingSynced must be a boolean"),
        (
            "1388412",
            json!({"externalAccountingId": 5}),
            400,
            "externalAccountingId must be a string",
        ),
        (
            "1388412",
            json!({"items": [{"id": 12312, "externalAccountingItemId": 1}]}),
            400,
            "items[0].externalAccountingItemId",
        ),
        ("1388412", json!([]), 400, "body must be an object"),
        ("abc", json!({}), 400, "fulfillmentRequestId must be an integer"),
        ("1.5", json!({}), 400, "fulfillmentRequestId must be an integer"),
        ("999", json!({"accountingSynced": true}), 404, "fulfillment request 999"),
    ];
    for (id, body, status, needle) in &cases {
        let reply = sync(&sandbox, ACCOUNT_TOKEN, id, body).await;
        assert_eq!(reply.status, *status, "{id} {body}: {}", reply.text);
        reply.assert_error(*status, needle);
    }
    // All or nothing: the valid first item of a refused body was not applied.
    assert_eq!(item_external_id(&sandbox, 1388412, 12312), Value::Null);
    assert_eq!(accounting(&sandbox, 1388412), (Value::Null, Value::Null, Value::Null));
}

#[tokio::test]
async fn accounting_body_must_be_json() {
    let sandbox = start().await;
    let path = "/fulfillment-requests/1388412/accounting-sync";
    let no_type = raw(&sandbox, "PATCH", path, Some(ACCOUNT_TOKEN)).body("{}");
    support::finish(no_type).await.assert_error(400, "Content-Type");
    let broken = raw(&sandbox, "PATCH", path, Some(ACCOUNT_TOKEN))
        .header("content-type", "application/json")
        .body("{\"accountingSynced\": tru");
    support::finish(broken).await.assert_error(400, "not valid JSON");
}

#[tokio::test]
async fn accounting_sees_only_the_tokens_source() {
    let sandbox = start().await;
    let body = json!({"accountingSynced": true});
    sync(&sandbox, OTHER_SOURCE_TOKEN, "1388412", &body).await.assert_error(404, "1388412");
    assert_eq!(accounting(&sandbox, 1388412).0, Value::Null);
    assert_eq!(sync(&sandbox, OTHER_SOURCE_TOKEN, "5003", &body).await.status, 204);
    assert_eq!(sync(&sandbox, CHANNEL_TOKEN, "1388412", &body).await.status, 204);
    assert_eq!(accounting(&sandbox, 1388412).0, json!(true));
}

#[tokio::test]
async fn the_generic_accounting_example_is_a_client_error() {
    let sandbox = start().await;
    let generic: Value = serde_json::from_str(GENERIC_SYNC).unwrap();
    // Its item id 0 belongs to no request.
    sync(&sandbox, ACCOUNT_TOKEN, "1388412", &generic).await.assert_error(400, "items[0].id 0");
    // The page's curl keeps the path template literally.
    sync(&sandbox, ACCOUNT_TOKEN, "{fulfillmentRequestId}", &generic)
        .await
        .assert_error(400, "fulfillmentRequestId");
    assert_eq!(accounting(&sandbox, 1388412), (Value::Null, Value::Null, Value::Null));
}

// ---- processing-failed ----

#[tokio::test]
async fn failing_moves_to_processing_error_once() {
    let sandbox = start().await;
    let reply = fail(&sandbox, SOURCE_TOKEN, "1388412", "?error=label%20printer%20down").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(reply.text, "");
    let fr = sandbox.fulfillment_request(1388412).unwrap();
    assert_eq!(fr["processingStatus"], "Processing Error");
    assert_eq!(fr["processingError"], "label printer down");

    fail(&sandbox, SOURCE_TOKEN, "1388412", "?error=again")
        .await
        .assert_error(400, "Processing Error");
    assert_eq!(
        sandbox.fulfillment_request(1388412).unwrap()["processingError"],
        "label printer down"
    );
}

#[tokio::test]
async fn only_processing_or_processed_may_fail() {
    let sandbox = start().await;
    assert_eq!(fail(&sandbox, ACCOUNT_TOKEN, "5002", "?error=x").await.status, 204, "Processed");
    assert_eq!(sandbox.fulfillment_request(5002).unwrap()["processingStatus"], "Processing Error");
    for (id, status) in [("5003", "Acknowledged"), ("5004", "Cancelled")] {
        fail(&sandbox, ACCOUNT_TOKEN, id, "?error=x").await.assert_error(400, status);
        let fr = sandbox.fulfillment_request(id.parse().unwrap()).unwrap();
        assert_eq!(fr["processingStatus"], status);
        assert_eq!(fr["processingError"], Value::Null);
    }
}

#[tokio::test]
async fn processing_failed_refusals() {
    let sandbox = start().await;
    let cases = [
        (ACCOUNT_TOKEN, "1388412", "", 400, "query parameter error is required"),
        (ACCOUNT_TOKEN, "1388412", "?error=", 400, "query parameter error is required"),
        (ACCOUNT_TOKEN, "1388412", "?reason=x", 400, "query parameter error is required"),
        (ACCOUNT_TOKEN, "x1", "?error=x", 400, "fulfillmentRequestId must be an integer"),
        (ACCOUNT_TOKEN, "999", "?error=x", 404, "fulfillment request 999"),
        (OTHER_SOURCE_TOKEN, "1388412", "?error=x", 404, "fulfillment request 1388412"),
        (SOURCE_TOKEN, "5003", "?error=x", 404, "fulfillment request 5003"),
        // The page's curl: literal path template, no `error`.
        (ACCOUNT_TOKEN, "{fulfillmentRequestId}", "", 400, "fulfillmentRequestId"),
    ];
    for (token, id, query, status, needle) in cases {
        let reply = fail(&sandbox, token, id, query).await;
        assert_eq!(reply.status, status, "{id}{query}: {}", reply.text);
        reply.assert_error(status, needle);
    }
    assert_eq!(sandbox.fulfillment_request(1388412).unwrap()["processingStatus"], "Processing");
    assert_eq!(sandbox.fulfillment_request(5003).unwrap()["processingStatus"], "Acknowledged");
}

#[tokio::test]
async fn the_channel_token_may_fail_requests() {
    let sandbox = start().await;
    // It sees source 200's request: refused for its status (400), not as invisible (404).
    fail(&sandbox, CHANNEL_TOKEN, "5003", "?error=x")
        .await
        .assert_error(400, "fulfillment request 5003 is in processing status \"Acknowledged\"");
    assert_eq!(sandbox.fulfillment_request(5003).unwrap()["processingStatus"], "Acknowledged");
    let reply = fail(&sandbox, CHANNEL_TOKEN, "1388412", "?error=x").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let fr = sandbox.fulfillment_request(1388412).unwrap();
    assert_eq!(
        (fr["processingStatus"].clone(), fr["processingError"].clone()),
        (json!("Processing Error"), json!("x"))
    );
}

/// Decision: the first `error` parameter counts — also when it is empty (400), whatever follows.
#[tokio::test]
async fn processing_failed_takes_the_first_error_parameter() {
    let sandbox = start().await;
    let reply = fail(&sandbox, ACCOUNT_TOKEN, "1388412", "?error=a&error=b").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(sandbox.fulfillment_request(1388412).unwrap()["processingError"], "a");
    // Other parameters before it do not matter.
    let reply = fail(&sandbox, ACCOUNT_TOKEN, "5002", "?reason=r&error=first&error=second").await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert_eq!(sandbox.fulfillment_request(5002).unwrap()["processingError"], "first");
    // An empty first one is no reason, even with a good second one.
    let sandbox = start().await;
    fail(&sandbox, ACCOUNT_TOKEN, "1388412", "?error=&error=b")
        .await
        .assert_error(400, "query parameter error is required and must not be empty");
    let fr = sandbox.fulfillment_request(1388412).unwrap();
    assert_eq!(
        (fr["processingStatus"].clone(), fr["processingError"].clone()),
        (json!("Processing"), Value::Null)
    );
}
