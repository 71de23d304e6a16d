//! The README's retry table, cell by cell: each failure (429, 502, 503, 504, a connection reset
//! mid-body, an attempt timeout, a refused connection) × each operation's retry class, against a
//! scripted HTTP server on loopback that counts the requests it receives.

mod common;

use common::TOKEN;
use flxpoint_ext::{Client, Error, FulfillmentRequestRef, RetryPolicy, ShipmentLine};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with the first request; later ones succeed.
#[derive(Clone, Copy, Debug)]
enum Failure {
    Status(u16),
    /// A 500 whose body is cut off after 10 of 100 bytes.
    ResetMidBody,
    /// No answer for 3 s (the attempt timeout is 300 ms).
    Stall,
}

/// The operations, with create in both of its retry classes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Create,
    CreateDuplicatesAllowed,
    Flag,
    Accounting,
    Fail,
    Link,
}

impl Op {
    const ALL: [Op; 6] =
        [Op::Create, Op::CreateDuplicatesAllowed, Op::Flag, Op::Accounting, Op::Fail, Op::Link];

    /// Whether a repeat is harmless, so ambiguous failures are retried (README table).
    fn idempotent(self) -> bool {
        matches!(self, Op::Create | Op::Flag | Op::Accounting)
    }

    /// The documented success answer.
    fn success(self) -> &'static str {
        match self {
            Op::Create | Op::CreateDuplicatesAllowed => {
                "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{\"id\":1}"
            }
            Op::Link => {
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 3\r\n\r\n[1]"
            }
            Op::Flag => "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            Op::Accounting | Op::Fail => "HTTP/1.1 204 No Content\r\n\r\n",
        }
    }

    async fn call(self, c: &Client) -> Result<(), Error> {
        let create = |allow: bool| {
            c.create_shipment(FulfillmentRequestRef::id(5), "T")
                .line(ShipmentLine::sku("A", 1))
                .allow_duplicate_tracking_numbers(allow)
        };
        match self {
            Op::Create => create(false).send().await.map(drop),
            Op::CreateDuplicatesAllowed => create(true).send().await.map(drop),
            other => common::call_operation(c, operation(other)).await,
        }
    }
}

fn operation(op: Op) -> &'static str {
    match op {
        Op::Create | Op::CreateDuplicatesAllowed => "createShipment",
        Op::Flag => "flagShipmentsWithErrors",
        Op::Accounting => "syncFulfillmentRequestAccounting",
        Op::Fail => "failFulfillmentRequest",
        Op::Link => "linkUnmanagedOrders",
    }
}

/// Serves `failure` to the first request and `op`'s success to the rest; counts requests.
async fn scripted(op: Op, failure: Failure) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                // One request per connection is enough; keep-alive requests are served too.
                while read_request(&mut socket).await {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let answer = match (n, failure) {
                        (0, Failure::Status(status)) => {
                            format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n")
                        }
                        (0, Failure::ResetMidBody) => {
                            let _ = socket
                                .write_all(
                                    b"HTTP/1.1 500 X\r\ncontent-length: 100\r\n\r\n0123456789",
                                )
                                .await;
                            return; // dropped: the body never completes
                        }
                        (0, Failure::Stall) => {
                            tokio::time::sleep(Duration::from_secs(3)).await;
                            return;
                        }
                        _ => op.success().to_owned(),
                    };
                    if socket.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

/// Reads one request (head and `Content-Length` body); false when the connection ends.
async fn read_request(socket: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match socket.read(&mut byte).await {
            Ok(1) => buf.push(byte[0]),
            _ => return false,
        }
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    socket.read_exact(&mut body).await.is_ok()
}

fn client(url: &str) -> Client {
    Client::builder(TOKEN)
        .base_url(url)
        .no_rate_limit()
        .attempt_timeout(Duration::from_millis(300))
        .retry(
            RetryPolicy::default()
                .with_max_attempts(3)
                .with_base_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
                .with_budget(Duration::from_secs(10)),
        )
        .build()
        .unwrap()
}

fn kind(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(Error::Server(e)) => format!("server {}", e.status),
        Err(Error::Timeout { .. }) => "timeout".into(),
        Err(Error::Transport { .. }) => "transport".into(),
        Err(e) => format!("other: {e:?}"),
    }
}

/// One test, not two: the refused-connection half reads the `tracing` output of a thread-local
/// subscriber, and a test running beside it without one could leave the span's callsite
/// disabled (tracing caches callsite interest process-wide).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_table_holds() {
    a_refused_connection_is_retried_by_every_operation().await;
    each_failure_is_retried_exactly_where_the_table_says().await;
}

async fn each_failure_is_retried_exactly_where_the_table_says() {
    let failures = [
        Failure::Status(429),
        Failure::Status(502),
        Failure::Status(503),
        Failure::Status(504),
        Failure::ResetMidBody,
        Failure::Stall,
    ];
    let mut wrong = Vec::new();
    for op in Op::ALL {
        for failure in failures {
            let (url, count) = scripted(op, failure).await;
            let result = op.call(&client(&url)).await;
            let retried = op.idempotent() || matches!(failure, Failure::Status(429));
            let expected = match (retried, failure) {
                (true, _) => "ok".to_owned(),
                (false, Failure::Status(s)) => format!("server {s}"),
                (false, Failure::ResetMidBody) => "transport".into(),
                (false, Failure::Stall) => "timeout".into(),
            };
            let got = (kind(&result), count.load(Ordering::SeqCst));
            let want = (expected, if retried { 2 } else { 1 });
            if got != want {
                wrong.push(format!("{op:?} × {failure:?}: got {got:?}, want {want:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn a_refused_connection_is_retried_by_every_operation() {
    let (captured, _guard) = common::capture_logs(tracing::Level::DEBUG);
    // A port with nothing listening: every attempt is refused before reaching a server. On
    // 127.0.0.3, where no other test of this binary binds, so the port cannot be reused by one.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.3:0").unwrap();
        listener.local_addr().unwrap()
    };
    let c = client(&format!("http://{closed}"));
    for op in Op::ALL {
        let result = op.call(&c).await;
        assert_eq!(kind(&result), "transport", "{op:?}: {result:?}");
    }
    let logs = captured.text();
    let calls: Vec<&str> = logs.lines().filter(|l| l.contains("flxpoint call")).collect();
    assert_eq!(calls.len(), Op::ALL.len(), "{logs}");
    for (op, line) in Op::ALL.iter().zip(calls) {
        assert!(line.contains(&format!("operation=\"{}\"", operation(*op))), "{line}");
        assert!(line.contains("attempts=3"), "{op:?} retried to the limit: {line}");
    }
}
