//! The sender: one lane per token, a few calls in flight per lane (the client's rate limiter
//! paces them), every state change committed to the journal around each call.

use super::journal::UnitState;
use super::{Counts, ImportError, JobKind, Journal, TokenLabel, TokenRouter, shipment};
use crate::{Client, CreateOutcome, Error};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;

/// How a run sends.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RunOptions {
    /// Calls in flight at once per token (at least 1; default 4). Each token's client paces
    /// its own calls (2 requests/second by default); a few in flight keep its bucket busy
    /// while answers are on their way.
    pub concurrency_per_token: usize,
    /// Send the units that failed in an earlier run again (default false).
    pub retry_failed: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { concurrency_per_token: 4, retry_failed: false }
    }
}

impl RunOptions {
    /// The defaults: 4 calls in flight per token, failed work not retried.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls in flight at once per token (0 is taken as 1).
    pub fn concurrency_per_token(mut self, n: usize) -> Self {
        self.concurrency_per_token = n.max(1);
        self
    }

    /// Whether to send failed work again.
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.retry_failed = retry;
        self
    }
}

/// What a finished call means for its unit: the state, the shipment id, the error text.
type Outcome = (UnitState, Option<i64>, Option<String>);

/// A lane: the work of one token.
struct Lane {
    key: String,
    client: Client,
    /// The last unit taken (units are taken in id order).
    cursor: i64,
    in_flight: usize,
    exhausted: bool,
}

impl Journal {
    /// Sends everything still to send (pending, `in_flight` from a stopped run, and failed
    /// with [`RunOptions::retry_failed`]) and returns the final counts. `progress` gets the
    /// counts at the start and after each unit finishes.
    ///
    /// Every unit's `in_flight` state is committed before its call and its outcome right
    /// after, so the future may be dropped at any point (Ctrl-C): the journal stays
    /// consistent and the calls that were under way are sent again by the next run. A journal
    /// error ends the run the same way. The tokens needed are checked first: work whose token
    /// the router lacks is an [`ImportError::MissingToken`] before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(mut journal: flxpoint_ext::import::Journal, router: flxpoint_ext::import::TokenRouter) -> Result<(), flxpoint_ext::import::ImportError> {
    /// use flxpoint_ext::import::RunOptions;
    /// let options = RunOptions::new().concurrency_per_token(4).retry_failed(true);
    /// let summary = journal
    ///     .run(&router, &options, |c| eprint!("\r{}/{} ({} failed)", c.done(), c.total, c.failed))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(
        &mut self,
        router: &TokenRouter,
        options: &RunOptions,
        mut progress: impl FnMut(&Counts),
    ) -> Result<Counts, ImportError> {
        let retry = options.retry_failed;
        let mut lanes = Vec::new();
        for (key, units) in self.tokens_to_send(retry)? {
            let label = TokenLabel::resolve(&key, router);
            let client = label.and_then(|l| router.client(l));
            let Some(client) = client else {
                let token =
                    label.or_else(|| TokenLabel::from_key(&key)).unwrap_or(TokenLabel::Account);
                return Err(ImportError::MissingToken { token, units });
            };
            lanes.push(Lane {
                key,
                client: client.clone(),
                cursor: 0,
                in_flight: 0,
                exhausted: false,
            });
        }
        let mut counts = self.counts()?;
        // During the run, everything it will send counts as pending.
        counts.pending += counts.in_flight;
        counts.in_flight = 0;
        if retry {
            counts.pending += counts.failed;
            counts.failed = 0;
        }
        progress(&counts);
        let bound = options.concurrency_per_token.max(1);
        let mut calls: FuturesUnordered<BoxFuture<'static, (usize, i64, Outcome)>> =
            FuturesUnordered::new();
        loop {
            for (index, lane) in lanes.iter_mut().enumerate() {
                while lane.in_flight < bound && !lane.exhausted {
                    let Some((id, _)) = self.next_to_send(&lane.key, lane.cursor, retry)? else {
                        lane.exhausted = true;
                        break;
                    };
                    lane.cursor = id;
                    match self.prepare(id, &lane.client)? {
                        Prepared::Refused(outcome) => {
                            self.record(id, outcome.0, outcome.1, outcome.2.as_deref())?;
                            counts.pending = counts.pending.saturating_sub(1);
                            counts.add(outcome.0, 1);
                            counts.finished_this_run += 1;
                            progress(&counts);
                        }
                        Prepared::Send(call) => {
                            let earlier = self.mark_in_flight(id)?;
                            counts.pending = counts.pending.saturating_sub(1);
                            counts.in_flight += 1;
                            lane.in_flight += 1;
                            calls.push(Box::pin(async move { (index, id, call(earlier).await) }));
                        }
                    }
                }
            }
            let Some((index, id, outcome)) = calls.next().await else { break };
            lanes[index].in_flight -= 1;
            self.record(id, outcome.0, outcome.1, outcome.2.as_deref())?;
            counts.sub(UnitState::InFlight);
            counts.add(outcome.0, 1);
            counts.finished_this_run += 1;
            progress(&counts);
        }
        Ok(counts)
    }

    /// The call for a unit, built and checked (not sent), or its outcome if it cannot be sent.
    fn prepare(&self, id: i64, client: &Client) -> Result<Prepared, ImportError> {
        match self.kind() {
            JobKind::Shipments => {
                let (_, head, items) = self.shipment(id)?;
                let builder = shipment::builder(client, &head, &items);
                if let Err(e) = builder.to_request() {
                    return Ok(Prepared::Refused(failed(&e)));
                }
                Ok(Prepared::Send(Box::new(move |earlier| {
                    Box::pin(async move { shipment_outcome(builder.send().await, earlier) })
                })))
            }
            JobKind::Flags => {
                let (_, entries) = self.flag_batch(id)?;
                let call = client.flag_shipments_with_errors(entries);
                if let Err(e) = call.to_request() {
                    return Ok(Prepared::Refused(failed(&e)));
                }
                Ok(Prepared::Send(Box::new(move |_| {
                    Box::pin(async move {
                        match call.send().await {
                            Ok(()) => (UnitState::Flagged, None, None),
                            Err(e) => failed(&e),
                        }
                    })
                })))
            }
        }
    }
}

/// A unit ready to go: the call, given how many attempts earlier runs made.
enum Prepared {
    Send(Box<dyn FnOnce(u32) -> BoxFuture<'static, Outcome> + Send>),
    Refused(Outcome),
}

/// A failure's outcome; the error's text never holds the token (the library redacts it).
fn failed(e: &Error) -> Outcome {
    (UnitState::Failed, None, Some(e.to_string()))
}

/// A create's outcome. A 409 for a shipment an earlier run already sent (it was left
/// `in_flight`, or failed in a way that may have reached the server) means that send created
/// it: `already_exists`, like the library's own [`CreateOutcome::AlreadyExists`]. A 409 on a
/// shipment never sent before is a real conflict (the tracking number was used by someone
/// else): failed.
fn shipment_outcome(result: Result<CreateOutcome, Error>, earlier_attempts: u32) -> Outcome {
    match result {
        Ok(CreateOutcome::Created(shipment)) => (UnitState::Created, shipment.id, None),
        Ok(_) => (UnitState::AlreadyExists, None, None),
        Err(Error::Conflict(_)) if earlier_attempts > 0 => (UnitState::AlreadyExists, None, None),
        Err(e) => failed(&e),
    }
}
