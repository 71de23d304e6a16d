//! Bounded memory: huge and endless bodies from a hostile server on loopback. The process's
//! peak RSS (`VmHWM`, reset through `/proc/self/clear_refs`) stays within the response cap plus
//! a few tens of MiB, error bodies are read only as far as the kept snippet, and an endless body
//! ends in a typed error, not a timeout.
//!
//! One test binary, one test: the peak RSS is per process, so nothing else may run beside it.

mod common;

use common::TOKEN;
use flxpoint_ext::{Client, DEFAULT_MAX_RESPONSE_BYTES, Error};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const MIB: usize = 1024 * 1024;
const GIB: u64 = 1024 * 1024 * 1024;
/// What the client may add to the process's peak RSS beyond the cap.
const SLACK: usize = 48 * MIB;

/// How the server answers every request.
#[derive(Clone, Copy)]
enum Body {
    /// `status` with `Content-Length: len` and `len` bytes.
    Sized { status: u16, len: u64 },
    /// `status`, chunked, without end (bounded here at 4 GiB or 60 s).
    Endless { status: u16 },
}

/// A server on loopback answering as `body`; returns its URL and the bytes it managed to write.
async fn hostile(body: Body) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(60), async {
                    read_request(&mut socket).await;
                    serve(&mut socket, body, &counter).await;
                })
                .await;
            });
        }
    });
    (url, written)
}

/// Reads the request head and its `Content-Length` body.
async fn read_request(socket: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut have = buf.len() - head_end;
    while have < len {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => have += n,
        }
    }
}

async fn serve(socket: &mut tokio::net::TcpStream, body: Body, written: &AtomicU64) {
    let block = vec![b' '; 64 * 1024];
    let (status, len) = match body {
        Body::Sized { status, len } => (status, Some(len)),
        Body::Endless { status } => (status, None),
    };
    let head = match len {
        Some(len) => format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
        ),
        None => format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        ),
    };
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let total = len.unwrap_or(4 * GIB);
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(block.len() as u64) as usize;
        let ok = match len {
            Some(_) => socket.write_all(&block[..n]).await.is_ok(),
            None => {
                let framed = [format!("{n:x}\r\n").as_bytes(), &block[..n], b"\r\n"].concat();
                socket.write_all(&framed).await.is_ok()
            }
        };
        if !ok {
            return; // the client hung up: what a bounded reader does
        }
        sent += n as u64;
        written.store(sent, Ordering::Relaxed);
    }
}

fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<usize>().unwrap() * 1024
}

/// Resets the peak RSS to the current RSS; returns the current RSS.
fn reset_peak() -> usize {
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting VmHWM (Linux ≥ 4.0)");
    status_kib("VmRSS:")
}

/// Runs `call` and returns its error and how far the peak RSS rose above the RSS before it.
async fn peak_during(call: impl Future<Output = Result<(), Error>>) -> (Error, usize) {
    let before = reset_peak();
    let result = tokio::time::timeout(Duration::from_secs(120), call).await.expect("no hang");
    let peak = status_kib("VmHWM:");
    (result.expect_err("a hostile body is an error"), peak.saturating_sub(before))
}

fn client(url: &str, cap: Option<usize>) -> Client {
    let mut b = Client::builder(TOKEN)
        .base_url(url)
        .no_rate_limit()
        .attempt_timeout(Duration::from_secs(60))
        .deadline(Duration::from_secs(100));
    if let Some(cap) = cap {
        b = b.max_response_bytes(cap);
    }
    b.build().unwrap()
}

async fn create(c: &Client) -> Result<(), Error> {
    common::create_minimal(c).await.map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_endless_bodies_cost_at_most_the_cap() {
    // 1 GiB announced success body: refused at the cap, not read.
    let (url, _) = hostile(Body::Sized { status: 201, len: GIB }).await;
    let (err, rose) = peak_during(create(&client(&url, None))).await;
    assert!(
        matches!(err, Error::ResponseTooLarge { status: 201, limit, .. } if limit == DEFAULT_MAX_RESPONSE_BYTES),
        "{err:?}"
    );
    println!("1 GiB 201: peak RSS rose {} MiB", rose / MIB);
    assert!(rose < DEFAULT_MAX_RESPONSE_BYTES + SLACK, "rose {rose}");

    // 1 GiB success body without a length (chunked): the cap is enforced while streaming.
    let (url, written) = hostile(Body::Endless { status: 201 }).await;
    let (err, rose) = peak_during(create(&client(&url, None))).await;
    assert!(matches!(err, Error::ResponseTooLarge { status: 201, .. }), "{err:?}");
    println!("endless 201: peak RSS rose {} MiB", rose / MIB);
    assert!(rose < DEFAULT_MAX_RESPONSE_BYTES + SLACK, "rose {rose}");
    assert!(written.load(Ordering::Relaxed) < GIB, "reading stopped early");

    // A configured cap: 1 MiB against an endless body.
    let (url, written) = hostile(Body::Endless { status: 200 }).await;
    let link = async {
        let c = client(&url, Some(MIB));
        c.link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(1)).send().await.map(drop)
    };
    let (err, rose) = peak_during(link).await;
    assert!(matches!(err, Error::ResponseTooLarge { status: 200, limit: MIB, .. }), "{err:?}");
    assert!(rose < MIB + SLACK, "rose {rose}");
    // Loopback socket buffers hold a few MiB; the server never got far.
    assert!(written.load(Ordering::Relaxed) < 64 * MIB as u64);

    // A 512 MiB error body: only the kept snippet is read.
    let (url, written) = hostile(Body::Sized { status: 500, len: 512 * MIB as u64 }).await;
    let (err, rose) = peak_during(create(&client(&url, None))).await;
    let service = err.service().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(service.status, 500);
    assert_eq!(service.body.len(), 1024, "the snippet, all of it spaces");
    println!(
        "512 MiB 500: peak RSS rose {} MiB, server wrote {} MiB",
        rose / MIB,
        written.load(Ordering::Relaxed) / MIB as u64
    );
    assert!(rose < SLACK, "rose {rose}");
    assert!(written.load(Ordering::Relaxed) < 64 * MIB as u64);

    // The smallest cap still lets an operation without a body succeed.
    let (url, _) = hostile(Body::Sized { status: 204, len: 0 }).await;
    client(&url, Some(1024)).fail_fulfillment_request(5, "x").send().await.unwrap();
}
