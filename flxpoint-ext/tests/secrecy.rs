//! The API token never appears in `Debug`/`Display` of the client, builder, config or any error
//! variant, nor in `tracing` output captured at TRACE level, with the `log` crate (through which
//! reqwest logs) bridged into it; for the main client and a `with_token` one alike.

mod common;

use common::{TOKEN, builder, call_operation};
use flxpoint_ext::{ApiToken, Client, Error, FulfillmentRequestRef, RetryPolicy, ShipmentLine};
use std::time::Duration;
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECOND: &str = "tok-SECOND-91be0d";

/// Which token a client of [`every_error`] holds, and how it was made.
#[derive(Clone, Copy)]
enum Holder {
    /// `Client::builder(TOKEN)`.
    First,
    /// `Client::builder(TOKEN)….with_token(SECOND)`.
    Second,
}

/// Every error variant the client can return over the network or before sending.
async fn every_error(holder: Holder) -> Vec<(String, Error)> {
    let label = match holder {
        Holder::First => "first",
        Holder::Second => "second",
    };
    let mut out = Vec::new();
    for status in [302, 400, 401, 404, 409, 412, 418, 429, 500, 503] {
        let server = MockServer::start().await;
        let mut answer = ResponseTemplate::new(status).set_body_string("no");
        if status == 302 {
            answer = answer.insert_header("location", "http://127.0.0.2:1/x");
        }
        Mock::given(any()).respond_with(answer).mount(&server).await;
        let err = call_operation(&aimed(holder, &server.uri(), None), "createShipment").await;
        out.push((format!("{label} {status}"), err.unwrap_err()));
    }
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("{not json"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[".repeat(4096)))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(204).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = aimed(holder, &server.uri(), Some(1024));
    let decode = call_operation(&c, "createShipment").await.unwrap_err();
    let too_large = call_operation(&c, "linkUnmanagedOrders").await.unwrap_err();
    let timeout = call_operation(&c, "flagShipmentsWithErrors").await.unwrap_err();
    // Nothing else binds 127.0.0.3 in this binary: the freed port stays closed.
    let closed = std::net::TcpListener::bind("127.0.0.3:0").unwrap().local_addr().unwrap();
    let c = aimed(holder, &format!("http://{closed}"), None);
    let refused = call_operation(&c, "createShipment").await.unwrap_err();
    let invalid =
        c.create_shipment(FulfillmentRequestRef::id(0), "T").line(ShipmentLine::sku("A", 1));
    let invalid = invalid.send().await.unwrap_err();
    for (kind, e) in
        [("decode", decode), ("too large", too_large), ("timeout", timeout), ("transport", refused)]
    {
        out.push((format!("{label} {kind}"), e));
    }
    out.push((format!("{label} validation"), invalid));
    out
}

/// A client of `holder` aimed at `url`, quick to fail.
fn aimed(holder: Holder, url: &str, cap: Option<usize>) -> Client {
    let mut b = Client::builder(TOKEN)
        .base_url(url)
        .no_rate_limit()
        .retry(RetryPolicy::none())
        .attempt_timeout(Duration::from_millis(200));
    if let Some(cap) = cap {
        b = b.max_response_bytes(cap);
    }
    let first = b.build().unwrap();
    match holder {
        Holder::First => first,
        Holder::Second => first.with_token(SECOND, None).unwrap(),
    }
}

#[tokio::test]
async fn the_token_never_leaks() {
    // reqwest logs through the `log` crate: bridge it into the captured `tracing` output.
    let _ = tracing_log::LogTracer::init();
    let (captured, _guard) = common::capture_logs(tracing::Level::TRACE);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string("unknown token"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1"))
        .mount(&server)
        .await;
    // Three attempts (503, 503, 204) on a `with_token` client, at TRACE.
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT")).respond_with(ResponseTemplate::new(204)).mount(&server).await;
    let c = builder(&server)
        .retry(RetryPolicy::default().with_base_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let second = c.with_token(SECOND, None).unwrap();
    let mut texts = vec![
        format!("{c:?}"),
        format!("{second:?}"),
        format!("{:?}", builder(&server)),
        format!("{:?}", Client::builder(SECOND)),
        format!("{:?}", ApiToken::new(TOKEN)),
        format!("{:?}", c.api()),
        format!("{:?}", c.create_shipment(FulfillmentRequestRef::id(1), "T")),
    ];
    call_operation(&second, "flagShipmentsWithErrors").await.unwrap();
    let unauthorized = call_operation(&c, "createShipment").await.unwrap_err();
    let decode = call_operation(&second, "linkUnmanagedOrders").await.unwrap_err();
    let mut errors = vec![("401".to_owned(), unauthorized), ("decode".to_owned(), decode)];
    errors.extend(every_error(Holder::First).await);
    errors.extend(every_error(Holder::Second).await);
    assert_eq!(errors.len(), 2 + 2 * 15);
    for (label, e) in &errors {
        texts.push(format!("{label}: {e:?}"));
        texts.push(format!("{label}: {e}"));
    }
    // Each variant was reached (not e.g. 16 transport errors).
    let variants: std::collections::BTreeSet<String> = errors
        .iter()
        .map(|(_, e)| format!("{e:?}").split([' ', '(', '{']).next().unwrap().to_owned())
        .collect();
    assert_eq!(
        variants.into_iter().collect::<Vec<_>>(),
        [
            "BadRequest",
            "Conflict",
            "Decode",
            "NotFound",
            "PreconditionFailed",
            "RateLimited",
            "Redirect",
            "ResponseTooLarge",
            "Server",
            "Timeout",
            "Transport",
            "Unauthorized",
            "UnexpectedStatus",
            "Validation",
        ]
    );
    let logs = captured.text();
    assert!(logs.contains("flxpoint"), "tracing output was captured: {logs}");
    assert!(
        logs.lines().any(|l| l.contains("flxpoint.call")
            && l.contains("operation=\"flagShipmentsWithErrors\"")
            && l.contains("attempts=3")
            && l.contains("status=204")),
        "{logs}"
    );
    assert!(
        logs.lines().any(|l| l.contains("TRACE") || l.contains("DEBUG")),
        "the HTTP stack's own logs were captured too"
    );
    texts.push(logs);
    for t in &texts {
        assert!(!t.contains(TOKEN) && !t.contains(SECOND), "token leaked in: {t}");
    }
    // And they were really sent.
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[0].headers.get("x-api-token").unwrap(), SECOND);
    assert!(sent.iter().any(|r| r.headers.get("x-api-token").unwrap() == TOKEN));
}
