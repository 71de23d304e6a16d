//! Success is success: for the operations that document no response body (flag-with-errors
//! 200, accounting-sync 204, processing-failed 204), any 2xx, with or without a body, is `Ok`,
//! and the call is not repeated; their success body is not read at all.

mod common;

use common::{builder, call_operation};
use flxpoint_ext::{Error, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const WITHOUT_BODY: [&str; 3] =
    ["flagShipmentsWithErrors", "syncFulfillmentRequestAccounting", "failFulfillmentRequest"];

#[tokio::test]
async fn any_2xx_is_success_for_operations_without_a_response_body() {
    for status in [200, 201, 202, 203, 204, 205, 206, 299] {
        for body in [None, Some("{\"unexpected\": true}"), Some("not json")] {
            for operation in WITHOUT_BODY {
                let server = MockServer::start().await;
                let mut answer = ResponseTemplate::new(status);
                if let Some(body) = body.filter(|_| status != 204 && status != 205) {
                    answer = answer.set_body_string(body);
                }
                Mock::given(any()).respond_with(answer).mount(&server).await;
                let c = builder(&server).retry(RetryPolicy::default()).build().unwrap();
                let out = call_operation(&c, operation).await;
                assert!(out.is_ok(), "{operation} {status} {body:?}: {out:?}");
                assert_eq!(server.received_requests().await.unwrap().len(), 1, "not repeated");
            }
        }
    }
}

/// Their success bodies are not read at all: one past the response size limit is still a
/// success, not `Error::ResponseTooLarge`.
#[tokio::test]
async fn their_success_body_is_not_read_even_past_the_size_limit() {
    for operation in WITHOUT_BODY {
        let server = MockServer::start().await;
        let big = "x".repeat(64 * 1024);
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_string(big))
            .mount(&server)
            .await;
        let c = builder(&server).max_response_bytes(1024).build().unwrap();
        let out = call_operation(&c, operation).await;
        assert!(out.is_ok(), "{operation}: {out:?}");
    }
}

#[tokio::test]
async fn a_non_2xx_is_still_an_error_for_them() {
    type IsExpected = fn(&Error) -> bool;
    let cases: [(u16, IsExpected); 3] = [
        (304, |e| matches!(e, Error::Redirect { status: 304, .. })),
        (400, |e| matches!(e, Error::BadRequest(_))),
        (418, |e| matches!(e, Error::UnexpectedStatus(s) if s.status == 418)),
    ];
    for (status, is_expected) in cases {
        for operation in WITHOUT_BODY {
            let server = MockServer::start().await;
            Mock::given(any()).respond_with(ResponseTemplate::new(status)).mount(&server).await;
            let err = call_operation(&common::client(&server), operation).await.unwrap_err();
            assert!(is_expected(&err), "{operation} {status}: {err:?}");
        }
    }
}

#[tokio::test]
async fn operations_with_a_body_still_need_their_documented_status() {
    // createShipment documents 201 with the shipment; a 200 is not silently taken for it.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1})))
        .mount(&server)
        .await;
    let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedStatus(ref s) if s.status == 200), "{err:?}");
}
