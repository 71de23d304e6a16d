//! [`Sandbox`]: a running server on loopback, and its [`SandboxConfig`].

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::app::App;
use super::expect::{self, RequestMatcher};
use super::faults::Fault;
use super::journal::RecordedRequest;
use super::journal_filter::Filter;
use super::router;
use super::seed::Seed;

/// How long [`Sandbox::shutdown`] waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How many requests the journal keeps by default: enough for a test or a manual session,
/// small enough to stay under 150 MiB even at worst (each entry keeps at most 64 KiB of request
/// body, 64 KiB of answer and 8 KiB each of path and query; real entries are a few KiB).
pub const DEFAULT_JOURNAL_LIMIT: usize = 1000;

/// Rate limit, data and journal size of a sandbox.
///
/// The rate limit is a strict sliding window per token: at most `burst` requests are accepted in
/// any window of `burst / rate_per_second` seconds (the default: at most 2 in any 1 s).
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Requests per second allowed per token; `None` = no limit.
    pub rate_per_second: Option<f64>,
    /// At most this many requests (≥ 1) in any window of `burst / rate_per_second` seconds;
    /// `None` = the rate when it is a whole number (a window of 1 s), else 1.
    pub burst: Option<u32>,
    /// The data to start from (and to return to on reset).
    pub seed: Seed,
    /// How many API requests the request journal keeps (the newest; older ones are counted
    /// as `dropped`); 0 keeps none, at most [`MAX_JOURNAL_LIMIT`](super::MAX_JOURNAL_LIMIT) (more is refused at start
    /// with `InvalidInput`).
    pub journal_limit: usize,
}

impl Default for SandboxConfig {
    /// 2 requests/second with the default burst, i.e. at most 2 in any 1 s (the pages'
    /// "2 req/s"), [`Seed::default()`] and a journal of the last [`DEFAULT_JOURNAL_LIMIT`]
    /// requests.
    fn default() -> Self {
        SandboxConfig {
            rate_per_second: Some(2.0),
            burst: None,
            seed: Seed::default(),
            journal_limit: DEFAULT_JOURNAL_LIMIT,
        }
    }
}

/// A running sandbox server. Dropping it stops the server too.
pub struct Sandbox {
    addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` at a free port.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        Self::start_on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config).await
    }

    /// Starts a sandbox on `addr` (port 0 = a free port). Fails (`InvalidInput`) on an address
    /// that is not loopback, and on an invalid rate, burst, seed or journal limit.
    pub async fn start_on(addr: SocketAddr, config: SandboxConfig) -> io::Result<Sandbox> {
        // Decision: loopback only: the admin routes and the journal have no auth.
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the sandbox listens only on a loopback address (127.0.0.1, ::1), got {} \
                     (its admin routes and request journal have no auth)",
                    addr.ip()
                ),
            ));
        }
        let app = Arc::new(App::new(config)?);
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = router::build(Arc::clone(&app));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            // Serving ends only on shutdown; an accept error is retried inside axum.
            let _ = axum::serve(listener, router).with_graceful_shutdown(shutdown).await;
        });
        Ok(Sandbox { addr, app, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The same JSON as `GET /_sandbox/state`.
    pub fn state(&self) -> Value {
        self.app.dump()
    }

    /// API requests received so far (admin routes excluded), rejected ones included.
    pub fn request_count(&self) -> u64 {
        self.app.counters.requests.load(Ordering::Relaxed)
    }

    /// Creates that reached the handler per tracking number, refused ones included
    /// (`counters.createsReceived` of the state).
    pub fn creates_received(&self) -> std::collections::BTreeMap<String, u64> {
        self.app.counters.creates()
    }

    /// The most API requests answered at once so far (`counters.maxInFlight` of the state).
    pub fn max_in_flight(&self) -> u64 {
        self.app.counters.max_in_flight.load(Ordering::Relaxed)
    }

    /// The request journal, oldest first, like `GET /_sandbox/requests` (no filter).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.journal().select(&Filter::default())
    }

    /// How many requests the journal dropped (the oldest, over `journal_limit`) since it was
    /// last cleared: `dropped` of `GET /_sandbox/requests`.
    pub fn dropped_requests(&self) -> u64 {
        self.app.journal().dropped()
    }

    /// Empties the request journal, like `DELETE /_sandbox/requests`.
    pub fn clear_requests(&self) {
        self.app.journal().clear();
    }

    /// Asserts that exactly `times` journaled requests match `matcher`; refuses to count (panics)
    /// when the journal dropped requests since it was last cleared ([`Self::dropped_requests`]),
    /// since the count could then be wrong.
    ///
    /// ```
    /// # #[tokio::main]
    /// # async fn main() {
    /// use flxpoint_sandbox::sandbox::{RequestMatcher, Sandbox, SandboxConfig, seed};
    ///
    /// let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    /// let url = format!("{}/orders/link?orderId=3001", sandbox.base_url());
    /// let client = reqwest::Client::new();
    /// client.patch(&url).header("X-API-TOKEN", seed::ACCOUNT_TOKEN).send().await.unwrap();
    ///
    /// sandbox.assert_received(&RequestMatcher::patch("/orders/link").status(200), 1);
    /// sandbox.assert_received(&RequestMatcher::post("/shipments"), 0);
    /// let sent = &sandbox.requests()[0];
    /// assert_eq!((sent.query.as_deref(), sent.caller.label.as_str()), (Some("orderId=3001"), "account"));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// When the journal dropped requests (saying how many, and to raise `journal_limit`), or
    /// when the count differs, listing every journaled request (method, path, status, caller,
    /// fault), like:
    ///
    /// ```text
    /// expected 2 request(s) matching POST /shipments answered 201, received 1; the journal holds 2:
    ///   #1 POST /shipments → 503 (source 100, fault status 503)
    ///   #2 POST /shipments → 201 (source 100)
    /// ```
    #[track_caller]
    pub fn assert_received(&self, matcher: &RequestMatcher, times: usize) {
        let (received, dropped) = {
            let journal = self.app.journal();
            (journal.select(&Filter::default()), journal.dropped()) // one look at the journal
        };
        if let Err(message) = expect::check(&received, dropped, matcher, times) {
            panic!("{message}");
        }
    }

    /// Queues a fault, like `POST /_sandbox/faults`.
    ///
    /// # Panics
    ///
    /// If the fault is invalid (see [`Fault::validate`]): that is a mistake in the test.
    pub fn inject(&self, fault: Fault) {
        if let Err(reason) = self.app.inject(fault) {
            panic!("invalid sandbox fault: {reason}");
        }
    }

    /// Back to the seed, like `POST /_sandbox/reset`.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// The fulfillment request `id` from the state dump; `None` only when no such request exists.
    ///
    /// # Panics
    ///
    /// If the dump has no `fulfillmentRequests` array (a broken sandbox, never "not found").
    pub fn fulfillment_request(&self, id: i64) -> Option<Value> {
        find_by_id(&self.list("fulfillmentRequests"), id)
    }

    /// The order `id` from the state dump; `None` only when no such order exists.
    ///
    /// # Panics
    ///
    /// If the dump has no `orders` array (a broken sandbox, never "not found").
    pub fn order(&self, id: i64) -> Option<Value> {
        find_by_id(&self.list("orders"), id)
    }

    /// All shipments from the state dump, in creation order.
    ///
    /// # Panics
    ///
    /// If the dump has no `shipments` array: an empty list would make "no duplicate was stored"
    /// checks pass for the wrong reason, so a broken dump fails the test instead.
    pub fn shipments(&self) -> Vec<Value> {
        self.list("shipments")
    }

    fn list(&self, key: &str) -> Vec<Value> {
        array_in(&self.state(), key)
    }

    /// Stops accepting, lets open requests finish (at most a few seconds), then returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The array `key` of a state dump; panics (showing the dump) when it is missing or not an array.
fn array_in(state: &Value, key: &str) -> Vec<Value> {
    match state.get(key) {
        Some(Value::Array(entries)) => entries.clone(),
        _ => panic!("the sandbox state dump has no {key:?} array: {state}"),
    }
}

fn find_by_id(list: &[Value], id: i64) -> Option<Value> {
    list.iter().find(|entry| entry["id"] == id).cloned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_present_array_is_returned_and_an_absent_id_is_none() {
        let dump = json!({"shipments": [{"id": 1}], "orders": []});
        assert_eq!(array_in(&dump, "shipments"), vec![json!({"id": 1})]);
        assert_eq!(find_by_id(&array_in(&dump, "orders"), 1), None);
    }

    #[test]
    #[should_panic(expected = "no \"shipments\" array")]
    fn a_missing_array_panics_instead_of_reading_as_empty() {
        array_in(&json!({"orders": []}), "shipments");
    }

    #[test]
    #[should_panic(expected = "no \"orders\" array")]
    fn a_non_array_panics_instead_of_reading_as_empty() {
        array_in(&json!({"orders": null}), "orders");
    }
}
