//! The console at `/_sandbox/` in a real browser: Debian's headless Chromium driven through its
//! chromedriver (WebDriver) with fantoccini, while flxpoint-ext sends the API requests.
//!
//! Chromium and chromedriver are installed, pinned, by `cargo xtask tools` (run by `cargo xtask
//! ci`); without them this test fails, it never skips.
//!
//! Screenshots: always written to this test's temporary directory under `target/`; with
//! `UPDATE_SCREENSHOTS=1` also to `tests/docs/console.png` and `tests/docs/console-fault.png`
//! (the pictures in the READMEs), so a plain test run never changes the repository.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::Capabilities;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use flxpoint_ext::{
    Client, FulfillmentRequestRef, LinkSelector, RetryPolicy, ShipmentLine, TokenKind,
};
use flxpoint_sandbox::sandbox::{Fault, RequestMatcher, Sandbox, SandboxConfig, seed};
use serde_json::{Value, json};

/// Debian's Chromium (the `chromium` package); chromedriver is found on `PATH`.
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long the page may take to show something (it polls every second).
const PATIENCE: Duration = Duration::from_secs(15);

/// A chromedriver we started; stopped (by its handle) when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        // Checked first: a failed check after the spawn would leave chromedriver running.
        assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: run `cargo xtask tools`");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| {
                panic!("chromedriver cannot be started ({err}): run `cargo xtask tools` (CI does)")
            });
        Driver { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session, retried until chromedriver listens.
async fn open_browser(driver: &Driver, profile: &Path) -> Browser {
    let args = [
        "--headless",
        "--no-sandbox", // as root (CI), Chromium refuses to start with its sandbox
        "--disable-gpu",
        "--disable-dev-shm-usage",
        // This machine's network is closed: no background connection may be attempted.
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1350", // room for an expanded entry with its answer
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let mut capabilities = Capabilities::new();
    capabilities.insert("goog:chromeOptions".to_owned(), json!({"binary": CHROMIUM, "args": args}));
    let deadline = Instant::now() + PATIENCE;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(browser) => return browser,
            Err(err) if Instant::now() > deadline => panic!("no browser session: {err}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Evaluates `expression` in the page.
async fn js(browser: &Browser, expression: &str) -> Value {
    browser.execute(&format!("return ({expression});"), vec![]).await.expect("script runs")
}

/// Waits until `expression` is truthy in the page; panics naming `what` and showing the journal.
async fn wait_for(browser: &Browser, what: &str, expression: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let value = js(browser, expression).await;
        let truthy = match &value {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return;
        }
        if Instant::now() > deadline {
            let page = js(browser, "document.querySelector('main').innerText").await;
            panic!("the console never showed {what} ({expression}); it shows:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves a screenshot to the test's temporary directory and, with `UPDATE_SCREENSHOTS=1`, to
/// `tests/docs/NAME`.
async fn screenshot(browser: &Browser, name: &str) {
    // From the top: clicking an entry low in the page scrolls the window.
    js(browser, "window.scrollTo(0, 0)").await;
    let png = browser.screenshot().await.expect("screenshot");
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&scratch, &png).unwrap();
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(name), &png).unwrap();
    }
}

fn client(sandbox: &Sandbox, token: &str, kind: TokenKind) -> Client {
    Client::builder(token)
        .base_url(sandbox.base_url())
        .token_kind(kind)
        .no_rate_limit()
        // One attempt: the injected 503 must reach the caller as it was answered.
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

/// The JSON of the newest journal entry shown: `[id, method, path, status, fault]`.
const NEWEST: &str = "(() => { const d = document.querySelector('#journal details'); \
     return d && [d.dataset.requestId, d.querySelector('.method').textContent, \
     d.querySelector('.path').textContent, d.dataset.status, d.dataset.fault]; })()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_requests_and_state_and_injects_faults() {
    let sandbox = Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
        .await
        .unwrap();
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, profile.path()).await;
    browser.goto(&format!("{}/_sandbox/", sandbox.base_url())).await.unwrap();
    assert_eq!(browser.title().await.unwrap(), "flxpoint sandbox");

    // The seed's tables, live.
    wait_for(
        &browser,
        "live polling",
        "document.querySelector('#connection').dataset.state === 'live'",
    )
    .await;
    wait_for(
        &browser,
        "request 1388412",
        "document.querySelector('#fulfillment-requests tr[data-id=\"1388412\"]')",
    )
    .await;
    wait_for(&browser, "order 3001", "document.querySelector('#orders tr[data-id=\"3001\"]')")
        .await;
    wait_for(&browser, "no shipments yet", "document.querySelector('#shipments td.empty')").await;

    // Requests from flxpoint-ext appear in the journal (newest first) and in the tables.
    let source =
        client(&sandbox, seed::SOURCE_TOKEN, TokenKind::Source { source_id: seed::SOURCE_ID });
    let account = client(&sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account);
    let created = create(&source, "CONSOLE-1", "HG12123123").await.expect("created");
    assert!(created.is_created(), "{created:?}");
    create(&source, "CONSOLE-2", "AB-100").await.expect("created");
    account.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.expect("linked");
    wait_for(
        &browser,
        "three journal entries",
        "document.querySelectorAll('#journal details').length === 3",
    )
    .await;
    let newest = js(&browser, NEWEST).await;
    assert_eq!(newest, json!(["3", "PATCH", "/orders/link?orderId=3001", "200", ""]));
    wait_for(
        &browser,
        "shipment CONSOLE-1",
        "[...document.querySelectorAll('#shipments td[data-field=trackingNumber]')]\
         .some(td => td.textContent === 'CONSOLE-1')",
    )
    .await;
    wait_for(&browser, "order item 4001 linked", "document.querySelector('#orders tr[data-id=\"3001\"]').textContent.includes('4001 linked')")
        .await;

    // The first create, expanded: its body and its answer.
    browser
        .find(Locator::Css("#journal details[data-request-id=\"1\"] summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let body = js(&browser, "document.querySelector('#journal details[data-request-id=\"1\"] pre[data-field=body]').textContent").await;
    let body: Value =
        serde_json::from_str(body.as_str().unwrap()).expect("the body is shown as JSON");
    assert_eq!(body["shipment"]["trackingNumber"], "CONSOLE-1");
    let answer = js(&browser, "document.querySelector('#journal details[data-request-id=\"1\"] [data-field=answer]').innerText").await;
    assert!(answer.as_str().unwrap().starts_with("answered 201 — no fault"), "{answer}");
    let page = browser.source().await.unwrap();
    for token in [seed::SOURCE_TOKEN, seed::ACCOUNT_TOKEN] {
        assert!(!page.contains(token), "no token in the page");
    }
    screenshot(&browser, "console.png").await;

    // A repeated create: the 409, expanded, shows what it was answered (the error's text).
    let again =
        create(&source, "CONSOLE-1", "HG12123123").await.expect_err("a repeated tracking number");
    assert_eq!(again.status(), Some(409), "{again}");
    wait_for(
        &browser,
        "the 409",
        "document.querySelector('#journal details[data-status=\"409\"]')",
    )
    .await;
    let conflict = "#journal details[data-request-id=\"4\"]";
    browser
        .find(Locator::Css(&format!("{conflict} summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answered = js(
        &browser,
        &format!("document.querySelector('{conflict} pre[data-field=response-body]').textContent"),
    )
    .await;
    let answered: Value =
        serde_json::from_str(answered.as_str().unwrap()).expect("the answer is shown as JSON");
    assert_eq!(answered["status"], 409);
    let message = answered["message"].as_str().unwrap();
    assert!(message.contains("\"CONSOLE-1\" is already used"), "{message}");
    browser
        .find(Locator::Css(&format!("{conflict} summary")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // A fault from the form: 503 on /shipments.
    browser
        .find(Locator::Css("#fault-kind"))
        .await
        .unwrap()
        .select_by_value("status")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#fault-status"))
        .await
        .unwrap()
        .select_by_value("503")
        .await
        .unwrap();
    browser.find(Locator::Css("#fault-path")).await.unwrap().send_keys("/shipments").await.unwrap();
    browser.find(Locator::Css("#fault-retry-after")).await.unwrap().send_keys("7").await.unwrap();
    browser.find(Locator::Css("#fault-submit")).await.unwrap().click().await.unwrap();
    wait_for(
        &browser,
        "the pending fault",
        "document.querySelector('#faults li[data-kind=status]')",
    )
    .await;
    assert_eq!(
        sandbox.state()["faults"],
        json!([{"kind": "status", "status": 503, "count": 1, "retryAfter": 7, "path": "/shipments"}]),
        "the form sent the documented fault JSON"
    );
    let failed = create(&source, "CONSOLE-3", "HG12123123").await.expect_err("the injected 503");
    assert_eq!(failed.status(), Some(503), "{failed}");
    wait_for(
        &browser,
        "the faulted request",
        "document.querySelectorAll('#journal details').length === 5",
    )
    .await;
    assert_eq!(js(&browser, NEWEST).await, json!(["5", "POST", "/shipments", "503", "status 503"]));
    wait_for(&browser, "no pending fault", "document.querySelector('#faults li.empty')").await;
    browser
        .find(Locator::Css("#journal details[data-request-id=\"5\"] summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let answer = js(&browser, "document.querySelector('#journal details[data-request-id=\"5\"] [data-field=answer]').innerText").await;
    let answer = answer.as_str().unwrap();
    assert!(answer.starts_with("answered 503 — fault: status 503 — Retry-After: 7 s"), "{answer}");
    // Only the faulted request open in the picture.
    let first = "#journal details[data-request-id=\"1\"] summary";
    browser.find(Locator::Css(first)).await.unwrap().click().await.unwrap();
    screenshot(&browser, "console-fault.png").await;
    sandbox.assert_received(&RequestMatcher::post("/shipments").status(201), 2);
    sandbox.assert_received(&RequestMatcher::post("/shipments").status(503), 1);

    // A tracking number with markup: it must show as text, never as markup.
    create(&source, "<b id=\"injected\">bold</b>", "AB-100").await.expect("created");
    wait_for(
        &browser,
        "the markup as text",
        "[...document.querySelectorAll('#shipments td')].some(td => td.textContent === '<b id=\"injected\">bold</b>')",
    )
    .await;
    assert_eq!(js(&browser, "document.getElementById('injected')").await, Value::Null, "escaped");

    // Clear faults: the pending fault goes, from the sandbox and the page.
    sandbox.inject(Fault::drop_connection().on_path("/nowhere"));
    wait_for(&browser, "the drop fault", "document.querySelector('#faults li[data-kind=drop]')")
        .await;
    browser.find(Locator::Css("#faults-clear")).await.unwrap().click().await.unwrap();
    wait_for(&browser, "no pending fault again", "document.querySelector('#faults li.empty')")
        .await;
    assert_eq!(sandbox.state()["faults"], json!([]));

    // Clear (the journal): the entries go, the data stays.
    browser.find(Locator::Css("#journal-clear")).await.unwrap().click().await.unwrap();
    wait_for(&browser, "a cleared journal", "document.querySelector('#journal p.hint')").await;
    assert_eq!(js(&browser, "document.querySelectorAll('#journal details').length").await, 0);
    assert!(sandbox.requests().is_empty(), "the journal is empty");
    assert_eq!(sandbox.shipments().len(), 3, "only the journal was cleared");
    account.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.expect("linked");
    wait_for(
        &browser,
        "the next request",
        "document.querySelectorAll('#journal details').length === 1",
    )
    .await;

    // Reset from the button: back to the seed, journal empty.
    browser.find(Locator::Css("#reset")).await.unwrap().click().await.unwrap();
    wait_for(&browser, "the seed again", "document.querySelector('#shipments td.empty')").await;
    wait_for(
        &browser,
        "an empty journal",
        "document.querySelectorAll('#journal details').length === 0",
    )
    .await;
    assert!(sandbox.requests().is_empty() && sandbox.shipments().is_empty());

    browser.close().await.unwrap();
    drop(driver);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_console_is_served_with_its_assets_and_a_strict_policy() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let http = reqwest::Client::new();
    for (path, content_type) in [
        ("/_sandbox/", "text/html; charset=utf-8"),
        ("/_sandbox", "text/html; charset=utf-8"),
        ("/_sandbox/console.js", "text/javascript; charset=utf-8"),
        ("/_sandbox/console.css", "text/css; charset=utf-8"),
        ("/_sandbox/favicon.svg", "image/svg+xml"),
    ] {
        let reply = http.get(format!("{}{path}", sandbox.base_url())).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{path}");
        assert_eq!(reply.headers()["content-type"], content_type, "{path}");
        assert_eq!(reply.headers()["cache-control"], "no-store", "{path}");
        let policy = reply.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("script-src 'self'"), "{policy}");
        let text = reply.text().await.unwrap();
        for unsafe_sink in [".innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"] {
            assert!(!text.contains(unsafe_sink), "{path}: data goes in with textContent only");
        }
    }
    assert!(sandbox.requests().is_empty(), "the console is not journaled");
}

/// One shipment on fulfillment request 1388412: `tracking`, one unit of `sku`.
async fn create(
    client: &flxpoint_ext::Client,
    tracking: &str,
    sku: &str,
) -> Result<flxpoint_ext::CreateOutcome, flxpoint_ext::Error> {
    client
        .create_shipment(FulfillmentRequestRef::id(1388412), tracking)
        .line(ShipmentLine::sku(sku, 1))
        .send()
        .await
}
