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
) -> Result<flxpoint_ext::ShipmentCreated, flxpoint_ext::Error> {
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
