//! An error body is read only as far as the snippet the error keeps (1 KiB plus twice the
//! token's length, so that an echoed token can be redacted whole): a server that sends a few
//! bytes past that and then stalls, with a body announced far longer, still gets its status
//! reported at once, not an attempt timeout.

mod common;

use common::TOKEN;
use flxpoint_ext::{Client, Error, RetryPolicy};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_stalled_error_body_past_the_snippet_is_not_waited_for() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let sent = 1024 + 2 * TOKEN.len() + 16;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 8192];
                let _ = socket.read(&mut request).await;
                let head =
                    "HTTP/1.1 500 X\r\ncontent-type: text/plain\r\ncontent-length: 1000000\r\n\r\n";
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&vec![b'e'; sent]).await;
                tokio::time::sleep(Duration::from_secs(60)).await; // the rest never comes
            });
        }
    });
    let client = Client::builder(TOKEN)
        .base_url(url)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .attempt_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client
        .link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(1))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Server(e) => assert_eq!(e.body, "e".repeat(1024)),
        other => panic!("expected the 500, not {other:?}"),
    }
}
