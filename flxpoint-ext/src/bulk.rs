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
