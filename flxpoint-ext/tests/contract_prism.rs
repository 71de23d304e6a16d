//! Client vs spec: every flxpoint-ext operation, with every documented example and 100 generated
//! valid inputs per operation, is sent to Prism (the pinned `@stoplight/prism-cli`) mocking
//! `openapi/openapi.yaml` with `--errors --dynamic`. Prism answers a request that violates the
//! document with a 4xx (and `sl-violations`), so every call must succeed: zero violations, and
//! every dynamic response (generated from the schemas) decodes into the generated types.
//!
//! Prism also reports what it only warns about (a deprecated parameter, say) in `sl-violations`,
//! on a 2xx. The client does not show response headers, so a recording reverse proxy sits between
//! it and Prism: it forwards every request unchanged, reads `sl-violations` on every answer, 2xx
//! included, and counts what it forwarded. None may carry the header, and the proxy must have
//! seen exactly as many requests as the test sent. A deliberately bad request through the same
//! proxy at the end proves that it does read the header.
//!
//! Prism is installed by `cargo xtask tools` (run by `cargo xtask ci`); without it this test
//! fails, it never skips.

mod common;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flxpoint_ext::{
    Client, Error, FulfillmentRequestRef as Fr, ItemRef, LinkSelector, Patch, RetryPolicy,
    ShipmentLine, ShipmentSyncError,
};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PER_OPERATION: usize = 100;

/// Generated IDs stay within I-JSON's exact integers (RFC 7493: up to 2^53 - 1): Prism, like
/// any JavaScript peer, rejects larger `int64` values, and real Flxpoint IDs are far below it.
const MAX_ID: i64 = (1 << 53) - 1;

struct Prism {
    child: Child,
    url: String,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start_prism() -> Prism {
    let bin = root().join("xtask/tools/node_modules/.bin/prism");
    assert!(bin.exists(), "{} is missing: run `cargo xtask tools` (CI does)", bin.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin)
        .args(["mock", "--errors", "--dynamic", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(root().join("openapi/openapi.yaml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prism starts");
    let prism = Prism { child, url: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "prism did not start listening within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    prism
}

/// What the recording proxy saw.
#[derive(Default)]
struct Seen {
    /// Requests forwarded to Prism and answered.
    answered: usize,
    /// `METHOD path → status: header value` of every answer carrying `sl-violations`.
    violations: Vec<String>,
    /// Requests Prism could not be asked (connection errors).
    failures: Vec<String>,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    seen: Arc<Mutex<Seen>>,
}

/// Hop-by-hop and framing headers: each side of the proxy sets its own.
const NOT_FORWARDED: [header::HeaderName; 4] =
    [header::HOST, header::CONNECTION, header::CONTENT_LENGTH, header::TRANSFER_ENCODING];

fn forwardable(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    for name in &NOT_FORWARDED {
        headers.remove(name);
    }
    headers
}

/// Forwards one request to Prism as it came and answers with Prism's answer, noting its
/// `sl-violations` header.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = parts.uri.path_and_query().map_or("/", |path| path.as_str()).to_owned();
    let what = format!("{} {target}", parts.method);
    let body = axum::body::to_bytes(body, usize::MAX).await.expect("the client's body");
    let answer = proxy
        .http
        .request(parts.method, format!("{}{target}", proxy.upstream))
        .headers(forwardable(&parts.headers))
        .body(body)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            proxy.seen.lock().unwrap().failures.push(format!("{what}: {error}"));
            return (StatusCode::BAD_GATEWAY, error.to_string()).into_response();
        }
    };
    let status = answer.status();
    let headers = forwardable(answer.headers());
    let body = answer.bytes().await.expect("Prism's body");
    {
        let mut seen = proxy.seen.lock().unwrap();
        seen.answered += 1;
        for value in headers.get_all("sl-violations") {
            let value = String::from_utf8_lossy(value.as_bytes());
            seen.violations.push(format!("{what} → {status}: {value}"));
        }
    }
    (status, headers, body).into_response()
}

/// Starts the recording proxy in front of `upstream` on a free loopback port; returns its URL.
async fn start_proxy(upstream: &str, seen: Arc<Mutex<Seen>>) -> String {
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let proxy = Proxy { upstream: upstream.to_owned(), http, seen };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// A valid shipment built from a seed: every way to name the request and the items.
fn random_shipment(c: &Client, rng: &mut fastrand::Rng) -> flxpoint_ext::CreateShipment {
    let target = match rng.u8(0..3) {
        0 => Fr::id(rng.i64(1..10_000_000)),
        1 => Fr::number(format!("ORDER_{}-1", rng.u32(1..99_999))),
        _ => Fr::number_in_source(format!("PO-{}", rng.u32(1..99_999)), rng.i64(1..5000)),
    };
    let mut b = c.create_shipment(target, format!("1Z{:016X}", rng.u64(..)));
    for i in 0..rng.usize(1..5) {
        let item = match rng.u8(0..4) {
            0 => ItemRef::Sku(format!("SKU-{}", rng.u32(..))),
            1 => ItemRef::SourceVariantId(rng.i64(1..MAX_ID)),
            2 => ItemRef::OrderItemId(rng.i64(1..MAX_ID)),
            _ => ItemRef::FulfillmentRequestItemId(rng.i64(1..MAX_ID)),
        };
        let mut line = ShipmentLine::new(item, rng.i64(1..1000));
        if rng.bool() {
            line =
                line.inventory_variant_id(rng.i64(1..MAX_ID)).custom_field(format!("lot{i}"), "A7");
        }
        b = b.line(line);
    }
    if rng.bool() {
        b = b
            .carrier("ups")
            .method("ups_ground")
            .note("fragile")
            .tracking_url("https://track.example/1")
            .shipped_at(chrono::Utc::now())
            .shipping_cost(rng.f64() * 100.0)
            .suppressed(rng.bool())
            .custom_field("dock", "3");
    }
    b.allow_duplicate_tracking_numbers(rng.bool())
}

fn random_patch<T>(rng: &mut fastrand::Rng, value: impl FnOnce() -> T) -> Patch<T> {
    match rng.u8(0..3) {
        0 => Patch::Unchanged,
        1 => Patch::Clear,
        _ => Patch::Set(value()),
    }
}

#[derive(Default)]
struct Tally {
    sent: usize,
    violations: Vec<String>,
}

impl Tally {
    fn record<T>(&mut self, what: &str, result: Result<T, Error>) {
        self.sent += 1;
        if let Err(e) = result {
            self.violations.push(format!("{what}: {e}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_spec_under_prism() {
    let prism = start_prism();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let proxy = start_proxy(&prism.url, Arc::clone(&seen)).await;
    let c = Client::builder(common::TOKEN)
        .base_url(&proxy)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut t = Tally::default();

    // The documented examples, through the builders.
    let tracking = "1Z63R094545434534534534534";
    let ups = |b: flxpoint_ext::CreateShipment| b.carrier("ups").method("ups_ground");
    #[allow(deprecated)]
    let one = ups(c.create_shipment(Fr::purchase_order_id(1388412), tracking));
    t.record("example 1", one.line(ShipmentLine::sku("HG12123123", 1)).send().await);
    let two = ups(c.create_shipment(Fr::number("ORDER_123-1"), tracking));
    t.record("example 2", two.line(ShipmentLine::sku("HG12123123", 1)).send().await);
    let three = ups(c.create_shipment(Fr::number("ORDER_123-1"), tracking));
    let three = three.line(ShipmentLine::new(ItemRef::FulfillmentRequestItemId(1884921), 1));
    t.record("example 3", three.send().await);
    let success = c
        .sync_accounting(1388412)
        .accounting_synced(Patch::Set(true))
        .external_accounting_id(Patch::Set("TEST-221".into()))
        .accounting_error(Patch::Clear)
        .item(12312, Patch::Set("TEST-221-A".into()));
    t.record("success-1", success.send().await);
    let error = c
        .sync_accounting(1388412)
        .accounting_synced(Patch::Set(false))
        .accounting_error(Patch::Set("Request rejected due to invalid Id".into()));
    t.record("error-1", error.send().await);

    let mut decoded = 0;
    for seed in 0..PER_OPERATION as u64 {
        let rng = &mut fastrand::Rng::with_seed(seed);
        let created = random_shipment(&c, rng).send().await;
        decoded += usize::from(matches!(&created, Ok(s) if s.shipment().is_some()));
        t.record(&format!("createShipment seed {seed}"), created);

        let mut sync =
            c.sync_accounting(rng.i64(1..MAX_ID)).accounting_synced(Patch::Set(rng.bool()));
        sync = sync
            .external_accounting_id(random_patch(rng, || format!("EXT-{seed}")))
            .accounting_error(random_patch(rng, || "rejected".to_string()));
        for i in 0..rng.i64(0..3) {
            // An item always sets or clears (an unchanged item changes nothing: refused).
            let external =
                if rng.bool() { Patch::Clear } else { Patch::Set(format!("EXT-{seed}-{i}")) };
            sync = sync.item(i + 1, external);
        }
        t.record(&format!("syncAccounting seed {seed}"), sync.send().await);

        let reason = ["out of stock", "carrier rejected & lost / 100%", "ünïcödé"][rng.usize(0..3)];
        let fail = c.fail_fulfillment_request(rng.i64(1..MAX_ID), reason).send().await;
        t.record(&format!("failFulfillmentRequest seed {seed}"), fail);

        let selector = match rng.u8(0..3) {
            0 => LinkSelector::OrderId(rng.i64(1..MAX_ID)),
            1 => LinkSelector::OrderItemId(rng.i64(1..MAX_ID)),
            _ => LinkSelector::Other { name: "channelOrderId".into(), value: format!("A-{seed}") },
        };
        let linked = c.link_unmanaged_orders(selector).send().await;
        decoded += usize::from(linked.is_ok());
        t.record(&format!("linkUnmanagedOrders seed {seed}"), linked);

        let flags = (0..rng.i64(1..4))
            .map(|i| ShipmentSyncError::new(i + 1, format!("sync failed {seed}")));
        t.record(
            &format!("flagShipmentsWithErrors seed {seed}"),
            c.flag_shipments_with_errors(flags).send().await,
        );
    }
    eprintln!(
        "prism: {} requests sent, {} violations, {decoded} dynamic response bodies decoded",
        t.sent,
        t.violations.len()
    );
    assert!(t.violations.is_empty(), "{}", t.violations.join("\n"));
    assert_eq!(t.sent, 5 + 5 * PER_OPERATION);
    assert_eq!(decoded, 2 * PER_OPERATION, "every createShipment and link response decoded");

    // What the proxy saw: every request, and no `sl-violations` on any answer (2xx included).
    {
        let seen = seen.lock().unwrap();
        eprintln!(
            "proxy: {} answers, {} with sl-violations, {} not forwarded",
            seen.answered,
            seen.violations.len(),
            seen.failures.len()
        );
        assert!(seen.failures.is_empty(), "{}", seen.failures.join("\n"));
        assert!(seen.violations.is_empty(), "sl-violations:\n{}", seen.violations.join("\n"));
        assert_eq!(seen.answered, t.sent, "the proxy saw every request the test sent");
    }

    // The proxy does read the header: a request Prism must refuse, sent through it.
    let refused = reqwest::Client::new()
        .patch(format!("{proxy}/orders/link?orderId=not-a-number"))
        .header("X-API-TOKEN", common::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "Prism refuses a non-integer orderId");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.answered, t.sent + 1);
    assert_eq!(seen.violations.len(), 1, "{:?}", seen.violations);
    let (request, answer) = seen.violations[0].split_once(" → ").unwrap();
    assert_eq!(request, "PATCH /orders/link?orderId=not-a-number");
    assert!(answer.starts_with("400 Bad Request: [{"), "{answer}");
    assert!(answer.contains("\"severity\":\"Error\""), "{answer}");
}
