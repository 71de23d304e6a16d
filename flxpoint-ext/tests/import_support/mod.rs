//! Helpers of the `import_*` tests: a sandbox, clients on its seed tokens, files in a tempdir.
#![allow(dead_code)]

use flxpoint_ext::import::{Problem, TokenRouter};
use flxpoint_ext::{Client, RetryPolicy, TokenKind};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use std::path::{Path, PathBuf};

/// The sample file of the module documentation.
pub const SAMPLE: &str = include_str!("../../src/import/sample-shipments.csv");

/// A sandbox without a server-side rate limit.
pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() }).await.unwrap()
}

/// A client on `token` against `sandbox`, paced fast (the tests need no 2 req/s), retries off
/// unless `retry`.
pub fn client(sandbox: &Sandbox, token: &str, kind: TokenKind) -> Client {
    Client::builder(token)
        .base_url(sandbox.base_url())
        .token_kind(kind)
        .rate_limit(200.0, 20)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// The account token only.
pub fn account_router(sandbox: &Sandbox) -> TokenRouter {
    TokenRouter::new().account(client(sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account))
}

/// The two source tokens, no account token.
pub fn source_router(sandbox: &Sandbox) -> TokenRouter {
    TokenRouter::new()
        .source(
            seed::SOURCE_ID,
            client(sandbox, seed::SOURCE_TOKEN, TokenKind::Source { source_id: seed::SOURCE_ID }),
        )
        .source(
            seed::OTHER_SOURCE_ID,
            client(
                sandbox,
                seed::OTHER_SOURCE_TOKEN,
                TokenKind::Source { source_id: seed::OTHER_SOURCE_ID },
            ),
        )
}

/// Writes `content` to `name` in `dir`.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

/// (line, field) of each problem.
pub fn where_(problems: &[Problem]) -> Vec<(u64, String)> {
    problems.iter().map(|p| (p.line, p.field.clone())).collect()
}

/// Shipments in the sandbox as (fulfillmentRequestId, trackingNumber), in creation order.
pub fn stored(sandbox: &Sandbox) -> Vec<(i64, String)> {
    sandbox
        .shipments()
        .iter()
        .map(|s| {
            (
                s["fulfillmentRequestId"].as_i64().unwrap(),
                s["trackingNumber"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Sets the state of units in the journal at `path` (the journal must be closed), as a crash
/// at that point would have left them.
pub fn set_state(path: &Path, where_sql: &str, state: &str) -> usize {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute(
        &format!("UPDATE units SET state = ?1, shipment_id = NULL WHERE {where_sql}"),
        [state],
    )
    .unwrap()
}

/// Turns the journal at `path` (written by this release) into schema 2, as the previous release
/// wrote it: each shipment in positional columns rather than JSON.
pub fn downgrade_to_schema_2(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "ALTER TABLE units ADD COLUMN fulfillment_request_id INTEGER;
         ALTER TABLE units ADD COLUMN purchase_order_number TEXT;
         ALTER TABLE units ADD COLUMN source_id INTEGER;
         ALTER TABLE units ADD COLUMN tracking_number TEXT;
         ALTER TABLE units ADD COLUMN carrier TEXT;
         ALTER TABLE units ADD COLUMN method TEXT;
         ALTER TABLE units ADD COLUMN tracking_url TEXT;
         ALTER TABLE units ADD COLUMN shipped_at TEXT;
         ALTER TABLE units ADD COLUMN shipping_cost REAL;
         ALTER TABLE units ADD COLUMN note TEXT;
         UPDATE units SET fulfillment_request_id = request ->> '$.fulfillmentRequestId',
             purchase_order_number = request ->> '$.purchaseOrderNumber',
             source_id = request ->> '$.sourceId',
             tracking_number = request ->> '$.shipment.trackingNumber',
             carrier = request ->> '$.shipment.carrier',
             method = request ->> '$.shipment.method',
             tracking_url = request ->> '$.shipment.trackingUrl',
             shipped_at = request ->> '$.shipment.shippedAt',
             shipping_cost = request ->> '$.shipment.shippingCost',
             note = request ->> '$.shipment.note';
         ALTER TABLE units DROP COLUMN request;
         ALTER TABLE items ADD COLUMN sku TEXT;
         ALTER TABLE items ADD COLUMN order_item_id INTEGER;
         ALTER TABLE items ADD COLUMN source_variant_id INTEGER;
         ALTER TABLE items ADD COLUMN fulfillment_request_item_id INTEGER;
         ALTER TABLE items ADD COLUMN quantity INTEGER;
         UPDATE items SET sku = item ->> '$.sku', order_item_id = item ->> '$.orderItemId',
             source_variant_id = item ->> '$.sourceVariantId',
             fulfillment_request_item_id = item ->> '$.fulfillmentRequestItemId',
             quantity = item ->> '$.quantity';
         ALTER TABLE items DROP COLUMN item;
         UPDATE meta SET value = '2' WHERE key = 'schema_version';",
    )
    .unwrap();
}
