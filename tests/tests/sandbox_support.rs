//! Helpers shared by the `sandbox_*` tests (included with `#[path] mod support;`).
//! Cargo also builds this file alone as a test target; it has no tests of its own.
#![allow(dead_code)]

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;

pub use flxpoint_sandbox::sandbox::seed::{
    ACCOUNT_TOKEN, CHANNEL_TOKEN, OTHER_SOURCE_TOKEN, SOURCE_TOKEN,
};

/// A sandbox on a random port without rate limit (tests of the limit configure their own).
pub async fn start() -> Sandbox {
    start_with(SandboxConfig { rate_per_second: None, ..SandboxConfig::default() }).await
}

/// A sandbox with this configuration.
pub async fn start_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|err| panic!("not JSON ({err}): {:?}", self.text))
    }

    /// Asserts the common error shape: `status`, its reason phrase, a message containing `needle`.
    pub fn assert_error(&self, status: u16, needle: &str) {
        assert_eq!(self.status, status, "unexpected status, body: {}", self.text);
        let body = self.json();
        assert_eq!(body["status"], status, "{body}");
        let reason = reqwest::StatusCode::from_u16(status).unwrap().canonical_reason().unwrap();
        assert_eq!(body["error"], reason, "{body}");
        let message = body["message"].as_str().expect("message is a string");
        assert!(message.contains(needle), "message {message:?} does not contain {needle:?}");
        assert_eq!(self.header("content-type").as_deref(), Some("application/json"));
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|value| value.to_str().unwrap().to_owned())
    }
}

/// Sends one request; `body` goes out as JSON (with `Content-Type: application/json`).
pub async fn send(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut request = raw(sandbox, method, path, token);
    if let Some(body) = body {
        request = request.json(body);
    }
    finish(request).await
}

/// A request builder with the token (if any) set, for unusual bodies and headers.
pub fn raw(
    sandbox: &Sandbox,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client().request(method, format!("{}{path}", sandbox.base_url()));
    if let Some(token) = token {
        request = request.header("X-API-TOKEN", token);
    }
    request
}

/// A client that arms no timer of its own, so tests may run on tokio's paused clock: a pooled
/// idle connection arms a 90 s idle timer, and with the clock paused tokio jumps to the next
/// timer whenever the runtime waits for I/O — a request would then "take" 90 s. Without a pool
/// each request opens its own connection (as a fresh client per request did anyway).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client builds")
}

/// Sends a built request and reads the whole reply.
pub async fn finish(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body read");
    Reply { status, headers, text }
}

/// `POST /shipments` with `token`.
pub async fn create(sandbox: &Sandbox, token: &str, body: &Value) -> Reply {
    send(sandbox, "POST", "/shipments", Some(token), Some(body)).await
}

/// The number of stored shipments (panics if the state dump has no shipment list).
pub fn shipment_count(sandbox: &Sandbox) -> usize {
    sandbox.shipments().len()
}

/// The state dump without its counters: what a refused request must leave unchanged.
pub fn data(sandbox: &Sandbox) -> Value {
    let mut state = sandbox.state();
    state.as_object_mut().expect("the state dump is an object").remove("counters");
    state
}
