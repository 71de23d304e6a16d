//! Shared by the integration tests: a client pointed at a wiremock server on loopback.
#![allow(dead_code)]

use flxpoint_ext::{Client, RetryPolicy, TokenKind};
use wiremock::MockServer;

/// The token the tests use; no output may ever contain it.
pub const TOKEN: &str = "tok-SECRET-5f3a9c";

/// A client without rate limiting or retries, aimed at `server`.
pub fn client(server: &MockServer) -> Client {
    builder(server).build().unwrap()
}

/// The same, with a declared token kind.
pub fn client_of_kind(server: &MockServer, kind: TokenKind) -> Client {
    builder(server).token_kind(kind).build().unwrap()
}

pub fn builder(server: &MockServer) -> flxpoint_ext::ClientBuilder {
    Client::builder(TOKEN).base_url(server.uri()).no_rate_limit().retry(RetryPolicy::none())
}

/// A page example from `openapi/examples/`.
pub fn example(name: &str) -> serde_json::Value {
    let path = format!("{}/../openapi/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Sends the smallest valid shipment (fulfillment request 5, tracking `T1`, one `A`).
pub async fn create_minimal(
    c: &Client,
) -> Result<flxpoint_ext::CreateOutcome, flxpoint_ext::Error> {
    c.create_shipment(flxpoint_ext::FulfillmentRequestRef::id(5), "T1")
        .line(flxpoint_ext::ShipmentLine::sku("A", 1))
        .send()
        .await
}

/// A `tracing` writer that keeps everything written, for tests that read the logs.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The five operations, by operationId.
pub const OPERATIONS: [&str; 5] = [
    "createShipment",
    "flagShipmentsWithErrors",
    "syncFulfillmentRequestAccounting",
    "failFulfillmentRequest",
    "linkUnmanagedOrders",
];

/// Calls `operation` once with small valid input, forgetting what a success returned.
pub async fn call_operation(c: &Client, operation: &str) -> Result<(), flxpoint_ext::Error> {
    use flxpoint_ext::{LinkSelector, Patch, ShipmentSyncError};
    match operation {
        "createShipment" => create_minimal(c).await.map(drop),
        "flagShipmentsWithErrors" => {
            c.flag_shipments_with_errors([ShipmentSyncError::new(7, "e")]).send().await
        }
        "syncFulfillmentRequestAccounting" => {
            c.sync_accounting(5).accounting_synced(Patch::Set(true)).send().await
        }
        "failFulfillmentRequest" => c.fail_fulfillment_request(5, "reason").send().await,
        "linkUnmanagedOrders" => {
            c.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.map(drop)
        }
        other => panic!("unknown operation {other}"),
    }
}

/// The HTTP method and path `operation` uses with [`call_operation`]'s input.
pub fn route(operation: &str) -> (&'static str, &'static str) {
    match operation {
        "createShipment" => ("POST", "/shipments"),
        "flagShipmentsWithErrors" => ("PUT", "/shipments/flag-with-errors"),
        "syncFulfillmentRequestAccounting" => ("PATCH", "/fulfillment-requests/5/accounting-sync"),
        "failFulfillmentRequest" => ("PATCH", "/fulfillment-requests/5/processing-failed"),
        "linkUnmanagedOrders" => ("PATCH", "/orders/link"),
        other => panic!("unknown operation {other}"),
    }
}

/// Captures everything `tracing` (and the `log` crate, bridged) writes at `level` and below on
/// this thread while the guard lives.
pub fn capture_logs(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber =
        tracing_subscriber::fmt().with_max_level(level).with_writer(move || sink.clone()).finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

impl Captured {
    /// Everything captured so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Retries with millisecond backoffs, up to `attempts`.
pub fn quick_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(attempts)
        .with_base_backoff(std::time::Duration::from_millis(1))
        .with_max_backoff(std::time::Duration::from_millis(2))
}

/// A wiremock server answering every request with `template`.
pub async fn answering(template: wiremock::ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any()).respond_with(template).mount(&server).await;
    server
}
