//! One rate-limit bucket per token per process, served first come, first served: against a
//! real loopback server (wiremock) that records when each request arrives.
//!
//! Timing margins are wide on purpose (a loaded 2-core CI machine): shared and separate
//! buckets differ by a factor of two in the spans measured here.

mod common;

use common::TOKEN;
use flxpoint_ext::{Client, RetryPolicy};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Records each request's arrival time and its `error` query value (the caller's label).
#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<(Instant, String)>>>);

impl Respond for Arrivals {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let label = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "error")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        self.0.lock().unwrap().push((Instant::now(), label));
        ResponseTemplate::new(204)
    }
}

impl Arrivals {
    /// Seconds from the first arrival to the last.
    fn span(&self) -> f64 {
        let all = self.0.lock().unwrap();
        let first = all.iter().map(|(t, _)| *t).min().unwrap();
        let last = all.iter().map(|(t, _)| *t).max().unwrap();
        (last - first).as_secs_f64()
    }

    fn labels(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|(_, l)| l.clone()).collect()
    }
}

async fn recording_server() -> (MockServer, Arrivals) {
    let server = MockServer::start().await;
    let arrivals = Arrivals::default();
    Mock::given(any()).respond_with(arrivals.clone()).mount(&server).await;
    (server, arrivals)
}

/// A client at 5 requests/second, burst 1.
fn at_five_per_second(server: &MockServer, token: &str) -> Client {
    Client::builder(token)
        .base_url(server.uri())
        .rate_limit(5.0, 1)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// `n` calls from each client, all at once; waits for all.
async fn burst(clients: &[Client], n: usize) {
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        for i in 0..n {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client.fail_fulfillment_request(5, format!("c{c}-{i}")).send().await.unwrap()
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_built_apart_with_one_token_share_its_bucket() {
    let (server, arrivals) = recording_server().await;
    let clients = [at_five_per_second(&server, TOKEN), at_five_per_second(&server, TOKEN)];
    burst(&clients, 5).await;
    // 10 requests through one bucket of 5/s: at least 9 periods (≈ 1.84 s); two buckets would
    // finish in ≈ 0.82 s.
    let span = arrivals.span();
    println!("one token, two clients, 10 calls: {span:.2} s");
    assert!(span >= 1.6, "{span}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_tokens_each_get_their_full_rate() {
    let (server, arrivals) = recording_server().await;
    let first = at_five_per_second(&server, "token-one");
    let clients = [
        first.clone(),
        first.with_token("token-two", None).unwrap(),
        at_five_per_second(&server, "token-three"),
    ];
    burst(&clients, 5).await;
    // 5 requests per bucket: 4 periods (≈ 0.82 s); one shared bucket would need ≈ 2.9 s.
    let span = arrivals.span();
    println!("three tokens, 15 calls: {span:.2} s");
    assert!(span < 1.6, "{span}");
    assert!(span >= 0.7, "each bucket still spaces its own requests: {span}");
}

/// On one thread, so that arrival order is certain: each task runs until it parks in the queue
/// (nothing before the queue waits on the network) before the next one is spawned.
#[tokio::test]
async fn waiters_on_one_token_are_served_first_come_first_served() {
    let (server, arrivals) = recording_server().await;
    let client = Client::builder("fifo-token")
        .base_url(server.uri())
        .rate_limit(4.0, 1)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    // Take the first slot, so that everyone after queues.
    client.fail_fulfillment_request(5, "first").send().await.unwrap();
    let mut tasks = Vec::new();
    for place in 0..8u32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let asked = Instant::now();
            client.fail_fulfillment_request(5, format!("p{place}")).send().await.unwrap();
            (place, asked.elapsed())
        }));
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }
    let mut waits = Vec::new();
    for t in tasks {
        waits.push(t.await.unwrap());
    }
    for (place, wait) in &waits {
        println!("place {place}: waited {} ms", wait.as_millis());
    }
    let served: Vec<String> = arrivals.labels().into_iter().skip(1).collect();
    let expected: Vec<String> = (0..8).map(|p| format!("p{p}")).collect();
    assert_eq!(served, expected, "served in arrival order");
    let longest = waits.iter().max_by_key(|(_, w)| *w).unwrap();
    assert_eq!(longest.0, 7, "the last in the queue waits longest: {waits:?}");
}
