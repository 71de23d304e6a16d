//! The token never leaves for another origin: every 3xx × every operation, with a second
//! loopback listener (127.0.0.2) that must receive nothing.

mod common;

use common::{OPERATIONS, TOKEN, builder, call_operation, route};
use flxpoint_ext::{Error, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server on 127.0.0.2 (another host for the client) that records whatever reaches it.
async fn other_host() -> MockServer {
    let listener = std::net::TcpListener::bind("127.0.0.2:0").expect("127.0.0.2 is loopback");
    let server = MockServer::builder().listener(listener).start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    server
}

#[tokio::test]
async fn no_redirect_is_followed_and_the_other_host_receives_nothing() {
    let elsewhere = other_host().await;
    // Every 3xx, the rarely seen ones too (300 Multiple Choices, 304, 305 Use Proxy, 306).
    for status in 300..=308 {
        for operation in OPERATIONS {
            let server = MockServer::start().await;
            let target = format!("{}/steal?token=leaked#frag", elsewhere.uri());
            Mock::given(any())
                .respond_with(ResponseTemplate::new(status).insert_header("location", target))
                .mount(&server)
                .await;
            // Retries on: a redirect must not be mistaken for something worth repeating.
            let client = builder(&server).retry(RetryPolicy::default()).build().unwrap();
            let err = call_operation(&client, operation).await.unwrap_err();
            let Error::Redirect { operation: op, status: got, location, attempts, .. } = &err
            else {
                panic!("{status} {operation}: {err:?}")
            };
            assert_eq!((*op, *got, *attempts), (operation, status, 1));
            assert_eq!(location, &format!("{}/steal", elsewhere.uri()), "no query, no fragment");
            assert!(!err.to_string().contains("leaked"), "{err}");
            let sent = server.received_requests().await.unwrap();
            assert_eq!(sent.len(), 1, "{status} {operation}: sent once, never repeated");
            let (method, path) = route(operation);
            assert_eq!((sent[0].method.as_str(), sent[0].url.path()), (method, path));
        }
    }
    let reached = elsewhere.received_requests().await.unwrap();
    assert!(reached.is_empty(), "the other host received {} requests", reached.len());
}

#[tokio::test]
async fn a_same_origin_redirect_is_not_followed_either() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/shipments-v2?x=1"))
        .mount(&server)
        .await;
    let client = builder(&server).build().unwrap();
    let err = call_operation(&client, "createShipment").await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { status: 307, location, .. }
            if *location == format!("{}/shipments-v2", server.uri())),
        "{err:?}"
    );
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].headers["x-api-token"], TOKEN);
}

#[tokio::test]
async fn a_redirect_without_location_or_with_credentials_in_it_names_no_secret() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", "http://user:pw@127.0.0.2:1/x?a"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any()).respond_with(ResponseTemplate::new(301)).mount(&server).await;
    let client = builder(&server).build().unwrap();
    let err = call_operation(&client, "linkUnmanagedOrders").await.unwrap_err();
    assert!(
        matches!(&err, Error::Redirect { location, .. } if location == "http://127.0.0.2:1/x"),
        "{err:?}"
    );
    let err = call_operation(&client, "linkUnmanagedOrders").await.unwrap_err();
    assert!(matches!(&err, Error::Redirect { status: 301, location, .. } if location.is_empty()));
}
