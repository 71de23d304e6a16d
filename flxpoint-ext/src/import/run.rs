//! The sender: one lane per token, a few calls in flight per lane (the client's rate limiter
//! paces them), every state change committed to the journal around each call.

use super::destination::Check;
use super::journal::UnitState;
use super::{Counts, ImportError, JobKind, Journal, TokenLabel, TokenRouter};
use crate::{Client, CreateOutcome, Error, Processing, Validate, types};
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
    /// Take a token whose fingerprint differs from the one the journal recorded for the same
    /// account or source (on the same server) as that token rotated, and record it (default
    /// false: such a run is refused with [`ImportError::JournalMismatch`]).
    pub accept_rotated_tokens: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { concurrency_per_token: 4, retry_failed: false, accept_rotated_tokens: false }
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

    /// Whether a token that differs from the journal's record for the same label is a rotated
    /// token to accept (see [`RunOptions::accept_rotated_tokens`](Self#structfield.accept_rotated_tokens)).
    pub fn accept_rotated_tokens(mut self, accept: bool) -> Self {
        self.accept_rotated_tokens = accept;
        self
    }
}

/// What a finished call means for its unit.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) state: UnitState,
    pub(crate) shipment_id: Option<i64>,
    /// The error's text (never the token).
    pub(crate) error: Option<String>,
    /// Whether this call may have reached the server without its outcome being known.
    pub(crate) maybe_sent: bool,
}

impl Outcome {
    fn done(state: UnitState, shipment_id: Option<i64>) -> Self {
        Self { state, shipment_id, error: None, maybe_sent: false }
    }
}

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
    /// error ends the run the same way. The destination is checked first: a journal whose work
    /// went to another server or with another token is an [`ImportError::JournalMismatch`]
    /// (the first run records the server and a fingerprint of each token); then the tokens
    /// needed: work whose token the router lacks is an [`ImportError::MissingToken`]. Either
    /// way nothing is sent.
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
        let check = Check::Run { accept_rotated: options.accept_rotated_tokens };
        self.check_destination(router, check)?;
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
        self.note_interrupted_sends()?;
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
                            self.record(id, &outcome)?;
                            counts.pending = counts.pending.saturating_sub(1);
                            counts.add(outcome.state, 1);
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
            self.record(id, &outcome)?;
            counts.sub(UnitState::InFlight);
            counts.add(outcome.state, 1);
            counts.finished_this_run += 1;
            progress(&counts);
        }
        Ok(counts)
    }

    /// The call for a unit, built and checked (not sent), or its outcome if it cannot be sent.
    fn prepare(&self, id: i64, client: &Client) -> Result<Prepared, ImportError> {
        match self.kind() {
            JobKind::Shipments => {
                let (_, request) = self.shipment(id)?;
                let builder =
                    match types::CreateShipmentRequest::from_json(request, client.token_kind()) {
                        Ok(request) => client.create_shipment_request(request),
                        Err(e) => return Ok(Prepared::Refused(failed(&e))),
                    };
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
                            Ok(()) => Outcome::done(UnitState::Flagged, None),
                            Err(e) => failed(&e),
                        }
                    })
                })))
            }
        }
    }
}

/// A unit ready to go: the call, given whether an earlier send may have reached the server.
enum Prepared {
    Send(Box<dyn FnOnce(bool) -> BoxFuture<'static, Outcome> + Send>),
    Refused(Outcome),
}

/// A failure's outcome; the error's text never holds the token (the library redacts it).
/// Whether the call may have reached the server is the library's [`Processing`] verdict: only
/// a definite refusal (a 4xx, a validation error, a refused connection) rules it out.
fn failed(e: &Error) -> Outcome {
    Outcome {
        state: UnitState::Failed,
        shipment_id: None,
        error: Some(e.to_string()),
        maybe_sent: e.processing() != Processing::NotProcessed,
    }
}

/// A create's outcome. A 409 is `already_exists` only with evidence that this journal's own
/// earlier send may have created the shipment (`maybe_sent`: it was left in flight by a stopped
/// run, or failed in a way that leaves it open), or when the library saw its own lost attempt
/// answered by the 409 ([`CreateOutcome::AlreadyExists`]). Otherwise the tracking number is
/// taken by another shipment: a real conflict, failed, however often it is retried.
fn shipment_outcome(result: Result<CreateOutcome, Error>, maybe_sent: bool) -> Outcome {
    match result {
        Ok(CreateOutcome::Created(shipment)) => Outcome::done(UnitState::Created, shipment.id),
        Ok(_) => Outcome::done(UnitState::AlreadyExists, None),
        Err(Error::Conflict(_)) if maybe_sent => Outcome::done(UnitState::AlreadyExists, None),
        Err(e @ Error::Conflict(_)) => Outcome {
            error: Some(format!(
                "conflict: no earlier send of this shipment may have reached the server, so the \
                 shipment holding this tracking number is not this import's; {e}"
            )),
            ..failed(&e)
        },
        Err(e) => failed(&e),
    }
}
