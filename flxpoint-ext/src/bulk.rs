//! Many calls at once: bounded concurrency that keeps the rate limiter busy, results in input
//! order, and progress as calls finish.

use crate::{Client, CreateOutcome, CreateShipment, Error};
use futures_util::StreamExt;
use std::future::Future;

/// Progress of a bulk run, reported after each call finishes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Calls finished so far.
    pub done: usize,
    /// Of them, failed.
    pub failed: usize,
    /// Of them, succeeded without this call being known to have done the work (a shipment
    /// that [`CreateOutcome::AlreadyExists`]); never counted as created.
    pub existing: usize,
    /// Calls in the run.
    pub total: usize,
}

impl Progress {
    /// A run of `total` calls with none finished: for testing a progress callback, with the
    /// `with_*` setters. (The struct is `#[non_exhaustive]`, so fields may be added.)
    ///
    /// ```
    /// use flxpoint_ext::bulk::Progress;
    /// let p = Progress::new(10).with_done(4).with_failed(1).with_existing(2);
    /// assert_eq!((p.done, p.failed, p.existing, p.total), (4, 1, 2, 10));
    /// ```
    #[must_use]
    pub const fn new(total: usize) -> Self {
        Self { done: 0, failed: 0, existing: 0, total }
    }

    /// With `done` calls finished.
    #[must_use]
    pub const fn with_done(self, done: usize) -> Self {
        Self { done, ..self }
    }

    /// With `failed` of the finished calls failed.
    #[must_use]
    pub const fn with_failed(self, failed: usize) -> Self {
        Self { failed, ..self }
    }

    /// With `existing` of the finished calls finding their shipment already there.
    #[must_use]
    pub const fn with_existing(self, existing: usize) -> Self {
        Self { existing, ..self }
    }
}

/// Runs `calls` with at most `concurrency` in flight; returns each result at its input's index.
///
/// Unordered completion keeps `concurrency` calls in flight (an ordered buffer would stall
/// behind a slow first call); the rate limiter, shared by every clone of the client, decides
/// the actual pace.
pub async fn run<T, F>(
    calls: impl IntoIterator<Item = F>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<Result<T, Error>>
where
    F: Future<Output = Result<T, Error>>,
{
    run_counting(calls, concurrency, |_| false, progress).await
}

/// [`run`], counting the successes `is_existing` picks out as [`Progress::existing`].
async fn run_counting<T, F>(
    calls: impl IntoIterator<Item = F>,
    concurrency: usize,
    is_existing: impl Fn(&T) -> bool,
    mut progress: impl FnMut(Progress),
) -> Vec<Result<T, Error>>
where
    F: Future<Output = Result<T, Error>>,
{
    let calls: Vec<F> = calls.into_iter().collect();
    let total = calls.len();
    let mut results: Vec<Option<Result<T, Error>>> =
        std::iter::repeat_with(|| None).take(total).collect();
    let mut stream = futures_util::stream::iter(
        calls.into_iter().enumerate().map(|(i, f)| async move { (i, f.await) }),
    )
    .buffer_unordered(concurrency.max(1));
    let (mut done, mut failed, mut existing) = (0, 0, 0);
    while let Some((i, result)) = stream.next().await {
        done += 1;
        failed += usize::from(result.is_err());
        existing += usize::from(result.as_ref().is_ok_and(&is_existing));
        results[i] = Some(result);
        progress(Progress { done, failed, existing, total });
    }
    results.into_iter().map(|r| r.expect("every call yields once")).collect()
}

impl Client {
    /// Creates many shipments with at most `concurrency` calls in flight; results come back in
    /// input order, each as [`CreateShipment::send`] would return it. Progress counts
    /// [`CreateOutcome::AlreadyExists`] as `existing`, apart from the shipments created.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) {
    /// use flxpoint_ext::{FulfillmentRequestRef, ShipmentLine};
    /// let shipments = [("T-1", 5), ("T-2", 6)].map(|(tracking, request)| {
    ///     client
    ///         .create_shipment(FulfillmentRequestRef::id(request), tracking)
    ///         .line(ShipmentLine::sku("SKU-1", 1))
    /// });
    /// let results = client
    ///     .create_shipments(shipments, 4, |p| eprintln!("{}/{} done", p.done, p.total))
    ///     .await;
    /// for result in results {
    ///     match result {
    ///         Ok(outcome) if outcome.is_created() => {}
    ///         Ok(_) => eprintln!("already there: not created by this call"),
    ///         Err(e) => eprintln!("failed: {e}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn create_shipments(
        &self,
        shipments: impl IntoIterator<Item = CreateShipment>,
        concurrency: usize,
        progress: impl FnMut(Progress),
    ) -> Vec<Result<CreateOutcome, Error>> {
        let sends = shipments.into_iter().map(CreateShipment::send);
        run_counting(sends, concurrency, |o: &CreateOutcome| !o.is_created(), progress).await
    }
}
