//! The browser console at `/_sandbox/`: three static files compiled into the binary (no build
//! step), which poll the admin routes and render them.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The page, its script and its style sheet, kept beside this file.
const INDEX_HTML: &str = include_str!("console/index.html");
const CONSOLE_JS: &str = include_str!("console/console.js");
const CONSOLE_CSS: &str = include_str!("console/console.css");
const FAVICON_SVG: &str = include_str!("console/favicon.svg");

/// Only the sandbox's own files and routes: no inline script, no other origin, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /_sandbox/`: the console page.
pub(crate) async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /_sandbox/console.js`.
pub(crate) async fn script() -> Response {
    asset("text/javascript; charset=utf-8", CONSOLE_JS)
}

/// `GET /_sandbox/console.css`.
pub(crate) async fn style() -> Response {
    asset("text/css; charset=utf-8", CONSOLE_CSS)
}

/// `GET /_sandbox/favicon.svg` (named by the page, so the browser asks no API path for one).
pub(crate) async fn icon() -> Response {
    asset("image/svg+xml", FAVICON_SVG)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Decision: never cached, so a rebuilt sandbox on the same port serves its own console.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
