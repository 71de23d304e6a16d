//! `PATCH /orders/link`: exactly one parameter, linking unmanaged items.

#[path = "sandbox_support.rs"]
mod support;

use flxpoint_sandbox::sandbox::Sandbox;
use serde_json::{Value, json};
use support::{ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, Reply, SOURCE_TOKEN, send, start};

async fn link(sandbox: &Sandbox, query: &str) -> Reply {
    link_as(sandbox, ACCOUNT_TOKEN, query).await
}

async fn link_as(sandbox: &Sandbox, token: &str, query: &str) -> Reply {
    send(sandbox, "PATCH", &format!("/orders/link{query}"), Some(token), None).await
}

/// `(item id, linked)` of every item of every order, in seed order.
fn links(sandbox: &Sandbox) -> Vec<(i64, bool)> {
    let state = sandbox.state();
    let orders = state["orders"].as_array().unwrap();
    orders
        .iter()
        .flat_map(|order| order["items"].as_array().unwrap().clone())
        .map(|item| (item["id"].as_i64().unwrap(), item["linked"].as_bool().unwrap()))
        .collect()
}

const SEEDED: [(i64, bool); 4] = [(4001, false), (4002, true), (4003, false), (4004, true)];

#[tokio::test]
async fn linking_an_order_links_its_unmanaged_items_once() {
    let sandbox = start().await;
    assert_eq!(links(&sandbox), SEEDED);
    let reply = link(&sandbox, "?orderId=3001").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type").as_deref(), Some("application/json"));
    assert_eq!(reply.json(), json!([3001]));
    assert_eq!(links(&sandbox), [(4001, true), (4002, true), (4003, false), (4004, true)]);
    // Nothing left to link: an empty list.
    assert_eq!(link(&sandbox, "?orderId=3001").await.json(), json!([]));
    // An order with only linked items, and an unknown order.
    assert_eq!(link(&sandbox, "?orderId=3003").await.json(), json!([]));
    assert_eq!(link(&sandbox, "?orderId=9999").await.json(), json!([]));
}

#[tokio::test]
async fn linking_an_item_reports_its_order() {
    let sandbox = start().await;
    assert_eq!(link(&sandbox, "?orderItemId=4003").await.json(), json!([3002]));
    assert_eq!(links(&sandbox), [(4001, false), (4002, true), (4003, true), (4004, true)]);
    assert_eq!(link(&sandbox, "?orderItemId=4003").await.json(), json!([]));
    assert_eq!(link(&sandbox, "?orderItemId=4002").await.json(), json!([]), "already linked");
    assert_eq!(link(&sandbox, "?orderItemId=1").await.json(), json!([]), "unknown item");
}

#[tokio::test]
async fn exactly_one_parameter_or_400() {
    let sandbox = start().await;
    let cases = [
        ("", "exactly one"),
        ("?", "exactly one"),
        ("?orderId=3001&orderItemId=4003", "exactly one"),
        ("?orderId=3001&orderId=3002", "exactly one"),
        ("?foo=1&orderId=3001", "exactly one"),
        ("?orderId=abc", "orderId must be an integer"),
        ("?orderId=", "orderId must be an integer"),
        ("?orderItemId=1.5", "orderItemId must be an integer"),
    ];
    for (query, needle) in cases {
        let reply = link(&sandbox, query).await;
        assert_eq!(reply.status, 400, "{query:?}: {}", reply.text);
        reply.assert_error(400, needle);
    }
    assert_eq!(links(&sandbox), SEEDED, "a refused call links nothing");
}

#[tokio::test]
async fn an_unknown_parameter_alone_links_nothing() {
    let sandbox = start().await;
    let reply = link(&sandbox, "?foo=1").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json(), json!([]));
    assert_eq!(links(&sandbox), SEEDED);
}

#[tokio::test]
async fn every_token_kind_may_link() {
    let sandbox = start().await;
    assert_eq!(link_as(&sandbox, SOURCE_TOKEN, "?orderItemId=4001").await.json(), json!([3001]));
    assert_eq!(link_as(&sandbox, OTHER_SOURCE_TOKEN, "?orderId=3002").await.json(), json!([3002]));
    assert_eq!(
        link_as(&sandbox, CHANNEL_TOKEN, "?orderId=3001").await.json(),
        Value::Array(vec![])
    );
    assert!(links(&sandbox).iter().all(|(_, linked)| *linked));
}

#[tokio::test]
async fn the_page_curl_without_parameters_is_400() {
    let sandbox = start().await;
    link(&sandbox, "").await.assert_error(400, "orderId");
}
