//! A server that echoes the token: no error the client returns holds it, in any form it was
//! echoed (as sent, JSON-escaped, across the 1 KiB cut of the kept snippet, in a redirect's
//! `Location`, in a header).

mod common;

use common::{TOKEN, builder, call_operation};
use flxpoint_ext::{Client, Error};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Any 6 consecutive characters of `token` found in `text`.
fn leaked_part(text: &str, token: &str) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    chars.windows(6).map(|w| w.iter().collect::<String>()).find(|part| text.contains(part))
}

async fn answering(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(answer).mount(&server).await;
    server
}

fn assert_clean(err: &Error, token: &str) {
    for text in [err.to_string(), format!("{err:?}")] {
        assert_eq!(leaked_part(&text, token), None, "token leaked in {text}");
    }
}

#[tokio::test]
async fn an_echoed_token_is_redacted_from_every_kept_body() {
    for status in [400, 401, 404, 409, 412, 429, 500, 503, 418] {
        let body = format!("{{\"message\":\"token {TOKEN} is not allowed\"}}");
        let server = answering(ResponseTemplate::new(status).set_body_string(body)).await;
        let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
        assert_clean(&err, TOKEN);
        let kept = &err.service().unwrap_or_else(|| panic!("{err:?}")).body;
        assert!(kept.contains("token *** is not allowed"), "{kept}");
    }
}

#[tokio::test]
async fn a_token_across_the_snippet_cut_leaves_no_part_behind() {
    for offset in 1000..1030 {
        let body = format!("{}{TOKEN}{}", "a".repeat(offset), "z".repeat(100));
        let server = answering(ResponseTemplate::new(400).set_body_string(body)).await;
        let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
        assert_clean(&err, TOKEN);
        assert!(err.service().unwrap().body.len() <= 1024);
    }
}

#[tokio::test]
async fn a_json_escaped_token_is_redacted_too() {
    let token = r#"tok"quote\slash-1234"#;
    let escaped = serde_json::to_string(token).unwrap();
    let server =
        answering(ResponseTemplate::new(401).set_body_string(format!("{{\"got\":{escaped}}}")))
            .await;
    let c = Client::builder(token).base_url(server.uri()).no_rate_limit().build().unwrap();
    let err = call_operation(&c, "failFulfillmentRequest").await.unwrap_err();
    assert_clean(&err, token);
    assert_clean(&err, escaped.trim_matches('"'));
}

#[tokio::test]
async fn a_malformed_success_body_echoing_the_token_is_redacted() {
    let body = format!("[1, \"{TOKEN}\"");
    let server = answering(ResponseTemplate::new(200).set_body_string(body)).await;
    let err = call_operation(&common::client(&server), "linkUnmanagedOrders").await.unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert_clean(&err, TOKEN);
}

#[tokio::test]
async fn a_redirect_location_holding_the_token_is_redacted() {
    let server = answering(
        ResponseTemplate::new(302).insert_header("location", format!("/leak/{TOKEN}/x?t={TOKEN}")),
    )
    .await;
    let err = call_operation(&builder(&server).build().unwrap(), "createShipment").await;
    let err = err.unwrap_err();
    assert!(matches!(&err, Error::Redirect { location, .. } if location.ends_with("/leak/***/x")));
    assert_clean(&err, TOKEN);
}

#[tokio::test]
async fn a_token_ending_in_a_quote_is_redacted_whole_in_its_escaped_form() {
    // Its JSON form ends in `\"`: the escaped quote is the token's, the closing one the body's.
    let token = r#"tok-5678""#;
    let body = format!("{{\"got\":{}}}", serde_json::to_string(token).unwrap());
    let server = answering(ResponseTemplate::new(401).set_body_string(body)).await;
    let c = Client::builder(token).base_url(server.uri()).no_rate_limit().build().unwrap();
    let err = call_operation(&c, "failFulfillmentRequest").await.unwrap_err();
    assert_eq!(err.service().unwrap().body, r#"{"got":"***"}"#);
}

#[tokio::test]
async fn a_character_across_the_snippet_cut_is_dropped_whole() {
    // `é` takes bytes 1023 and 1024: the 1 KiB cut falls inside it.
    let body = format!("{}é{}", "a".repeat(1023), "z".repeat(100));
    let server = answering(ResponseTemplate::new(500).set_body_string(body)).await;
    let err =
        call_operation(&builder(&server).build().unwrap(), "createShipment").await.unwrap_err();
    assert_eq!(err.service().unwrap().body, "a".repeat(1023));
}

#[tokio::test]
async fn redaction_does_not_shorten_the_kept_snippet() {
    // Two echoed tokens shrink to `***` each: the body is read far enough (1 KiB plus twice
    // the token) that the kept 1 KiB is still full after redaction.
    let body = format!("{}{TOKEN}{TOKEN}{}", "a".repeat(10), "z".repeat(2000));
    let server = answering(ResponseTemplate::new(400).set_body_string(body)).await;
    let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
    assert_eq!(
        err.service().unwrap().body,
        format!("{}******{}", "a".repeat(10), "z".repeat(1008))
    );
}

#[tokio::test]
async fn a_body_of_echoed_tokens_keeps_no_partial_token_at_the_window_end() {
    // The read window ends inside a token: its first characters are not kept either.
    let server = answering(ResponseTemplate::new(400).set_body_string(TOKEN.repeat(200))).await;
    let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
    let kept = &err.service().unwrap().body;
    assert!(!kept.is_empty() && kept.len() % 3 == 0, "{kept}");
    assert!(kept.chars().all(|c| c == '*'), "{kept}");
}

/// Headers are kept too (a `ServiceError`'s, a `Response`'s) and printed with them: a server
/// echoing the token in a header, as sent or inside a longer value, leaves it in neither.
#[tokio::test]
async fn a_token_echoed_in_a_header_is_redacted_from_errors_and_responses() {
    let echo = |answer: ResponseTemplate| {
        answer
            .insert_header("x-echo", TOKEN)
            .insert_header("set-cookie", format!("session={TOKEN}; Path=/"))
            .insert_header("x-request-id", "r-1")
    };
    for status in [400, 404, 409, 429, 500] {
        let server = answering(echo(ResponseTemplate::new(status))).await;
        let err = call_operation(&common::client(&server), "createShipment").await.unwrap_err();
        assert_clean(&err, TOKEN);
        let headers = &err.service().unwrap_or_else(|| panic!("{err:?}")).headers;
        assert_eq!(headers["x-echo"], "***", "{status}");
        assert_eq!(headers["set-cookie"], "session=***; Path=/", "{status}");
        assert_eq!(headers["x-request-id"], "r-1", "other headers are kept as they came");
    }
    let server = answering(echo(ResponseTemplate::new(200).set_body_json([3001]))).await;
    let response = common::client(&server)
        .link_unmanaged_orders(flxpoint_ext::LinkSelector::OrderId(3001))
        .send_with_response()
        .await
        .unwrap();
    let printed = format!("{response:?}");
    assert_eq!(leaked_part(&printed, TOKEN), None, "token leaked in {printed}");
    assert_eq!(response.headers["x-echo"], "***");
}

#[tokio::test]
async fn headers_that_do_not_echo_a_token_holding_a_quote_are_kept_byte_for_byte() {
    // A token holding `"` has a JSON-escaped form to look for too; a header holding neither form,
    // even one that is not ASCII (`café crème` in Latin-1, longer than the token, so that it is
    // looked at), must come through untouched.
    let token = r#"tok"5678"#;
    let latin1 = http::HeaderValue::from_bytes(b"caf\xe9 cr\xe8me").unwrap();
    let server = answering(
        ResponseTemplate::new(400)
            .insert_header("x-name", latin1.clone())
            .insert_header("x-echo", r#"tok\"5678"#),
    )
    .await;
    let c = Client::builder(token).base_url(server.uri()).no_rate_limit().build().unwrap();
    let err = call_operation(&c, "failFulfillmentRequest").await.unwrap_err();
    let headers = &err.service().unwrap().headers;
    assert_eq!(headers["x-name"], latin1);
    assert_eq!(headers["x-echo"], "***");
}
