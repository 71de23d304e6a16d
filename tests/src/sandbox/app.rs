//! The shared server state every handler gets: data, faults, limiter and counters.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};

use super::auth::Tokens;
use super::faults::{Fault, FaultQueue};
use super::journal::{Journal, MAX_JOURNAL_LIMIT};
use super::rate_limit::RateLimit;
use super::server::SandboxConfig;
use super::state::State;

/// Shared by all handlers behind an `Arc`; every lock is short and never held across `.await`.
pub(crate) struct App {
    config: SandboxConfig,
    state: Mutex<State>,
    faults: Mutex<FaultQueue>,
    limiter: Mutex<Arc<RateLimit>>,
    journal: Mutex<Journal>,
    pub(crate) counters: Counters,
    // Not in the state dump: token values are secrets, and the admin routes have no auth.
    tokens: Tokens,
}

/// What the sandbox has seen since start (or the last reset).
#[derive(Default)]
pub(crate) struct Counters {
    /// API requests received, including rejected ones (admin routes excluded).
    pub(crate) requests: AtomicU64,
    /// 429s sent by the rate limiter.
    pub(crate) rate_limited: AtomicU64,
    /// All 429s sent (rate limiter and injected faults).
    pub(crate) too_many_requests: AtomicU64,
    /// Faults taken from the queue.
    pub(crate) faults_applied: AtomicU64,
    /// API requests being answered now, and the most at once: what a client's concurrency
    /// really was.
    pub(crate) in_flight: AtomicU64,
    pub(crate) max_in_flight: AtomicU64,
    /// Creates that reached the handler, per tracking number, refused ones (400, 404, 409,
    /// 412) included: how often a client sent each shipment, whatever the answer.
    creates: Mutex<BTreeMap<String, u64>>,
}

/// One API request being answered: counted in `in_flight` until dropped.
pub(crate) struct InFlight<'a>(&'a Counters);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Counters {
    /// Adds one to `counter`.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a request until the returned guard is dropped.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts a create of `tracking_number` that reached the handler.
    pub(crate) fn note_create(&self, tracking_number: &str) {
        let mut creates = self.creates.lock().unwrap_or_else(PoisonError::into_inner);
        *creates.entry(tracking_number.to_owned()).or_default() += 1;
    }

    /// Creates received per tracking number.
    pub(crate) fn creates(&self) -> BTreeMap<String, u64> {
        self.creates.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn reset(&self) {
        for counter in [
            &self.requests,
            &self.rate_limited,
            &self.too_many_requests,
            &self.faults_applied,
            &self.max_in_flight,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
        self.creates.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    fn dump(&self) -> Value {
        json!({
            "requestsReceived": self.requests.load(Ordering::Relaxed),
            "rateLimited": self.rate_limited.load(Ordering::Relaxed),
            "tooManyRequests": self.too_many_requests.load(Ordering::Relaxed),
            "faultsApplied": self.faults_applied.load(Ordering::Relaxed),
        })
    }

    /// What the clients' traffic looked like (`traffic` of the state dump).
    fn traffic(&self) -> Value {
        json!({
            "maxInFlight": self.max_in_flight.load(Ordering::Relaxed),
            "createsReceived": self.creates(),
        })
    }
}

impl App {
    /// Validates the configuration and loads the seed.
    pub(crate) fn new(config: SandboxConfig) -> io::Result<App> {
        let limiter = RateLimit::new(config.rate_per_second, config.burst)?;
        // Decision: a bound, so the journal's memory has one too (see `journal::ENTRY_BOUND`).
        if config.journal_limit > MAX_JOURNAL_LIMIT {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "journal_limit must be at most {MAX_JOURNAL_LIMIT}, got {}",
                    config.journal_limit
                ),
            ));
        }
        // Decision: a seed built in Rust is checked too; a bad one is never half-loaded.
        config.seed.validate().map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(App {
            tokens: Tokens::new(&config.seed.tokens),
            state: Mutex::new(State::from_seed(&config.seed)),
            faults: Mutex::new(FaultQueue::default()),
            limiter: Mutex::new(Arc::new(limiter)),
            journal: Mutex::new(Journal::new(config.journal_limit)),
            counters: Counters::default(),
            config,
        })
    }

    /// The seed's tokens.
    pub(crate) fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// Locks the data (a poisoned lock is taken over: handlers never leave it half-changed).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the fault queue.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks the request journal.
    pub(crate) fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current limiter (replaced on reset).
    pub(crate) fn limiter(&self) -> Arc<RateLimit> {
        Arc::clone(&self.limiter.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Validates and queues a fault.
    pub(crate) fn inject(&self, fault: Fault) -> Result<(), String> {
        fault.validate()?;
        self.faults().push(fault);
        Ok(())
    }

    /// Back to the seed: data, id sequences, faults, limiter, counters and request journal.
    pub(crate) fn reset(&self) {
        *self.state() = State::from_seed(&self.config.seed);
        self.faults().clear();
        if let Ok(fresh) = RateLimit::new(self.config.rate_per_second, self.config.burst) {
            *self.limiter.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        }
        self.counters.reset();
        self.journal().clear();
    }

    /// The JSON of `GET /_sandbox/state`.
    pub(crate) fn dump(&self) -> Value {
        let mut dump = self.state().dump();
        if let Value::Object(map) = &mut dump {
            map.insert("counters".to_owned(), self.counters.dump());
            map.insert("traffic".to_owned(), self.counters.traffic());
            map.insert("faults".to_owned(), json!(self.faults().snapshot()));
        }
        dump
    }
}
