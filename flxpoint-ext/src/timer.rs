//! The timeouts of calls (the deadline) and of attempts, kept by one watchdog thread for the
//! whole process.
//!
//! Why not `tokio::time::timeout`: tokio wakes its parked timer driver whenever a timer is
//! registered earlier than the driver's next planned wake-up, and after an idle moment it
//! plans none, so every call paid a thread wake-up for its deadline and another for its
//! attempt's timeout (about 2–3 % of a loopback call, in the ratios benchmark). The watchdog
//! is woken only when a new timeout ends before the one it already sleeps towards: calls in a
//! steady stream register later and later timeouts, and wake nothing.
//!
//! A future that is ready at its first poll registers nothing.

use futures_util::task::AtomicWaker;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::{Context, Poll};
use std::time::Instant;

/// The timeout passed before the future finished.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Elapsed;

/// `future`'s output, or [`Elapsed`] once `at` has passed (never, for `None`); the future is
/// then dropped.
///
/// A plain function returning [`Timeout`], not an `async fn`: an `async fn` would keep
/// `future` twice (the argument, and the pinned copy it polls), and a call's futures are large.
pub(crate) fn timeout_at<F: Future>(at: Option<Instant>, future: F) -> Timeout<F> {
    Timeout { future, expiry: Expiry { at, state: State::Unregistered } }
}

pin_project_lite::pin_project! {
    /// See [`timeout`].
    pub(crate) struct Timeout<F> {
        #[pin]
        future: F,
        expiry: Expiry,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        this.expiry.poll(cx).map(|()| Err(Elapsed))
    }
}

/// What the watchdog and a waiting future share.
struct Slot {
    fired: AtomicBool,
    waker: AtomicWaker,
}

/// The end of one timeout, registered with the watchdog at its first poll.
struct Expiry {
    at: Option<Instant>,
    state: State,
}

enum State {
    Unregistered,
    Watched {
        id: u64,
        slot: Arc<Slot>,
    },
    /// The watchdog thread could not be started: tokio's own timer instead.
    Tokio(Pin<Box<tokio::time::Sleep>>),
}

impl Expiry {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(at) = self.at else { return Poll::Pending };
        if let State::Unregistered = self.state {
            self.state = match watchdog() {
                Some(watchdog) => {
                    let slot =
                        Arc::new(Slot { fired: AtomicBool::new(false), waker: AtomicWaker::new() });
                    State::Watched { id: watchdog.insert(at, slot.clone()), slot }
                }
                None => State::Tokio(Box::pin(tokio::time::sleep_until(at.into()))),
            };
        }
        match &mut self.state {
            State::Watched { slot, .. } => {
                // Registered before reading `fired`, so that a firing in between still wakes.
                slot.waker.register(cx.waker());
                if slot.fired.load(Ordering::Acquire) { Poll::Ready(()) } else { Poll::Pending }
            }
            State::Tokio(sleep) => sleep.as_mut().poll(cx),
            State::Unregistered => Poll::Pending,
        }
    }
}

impl Drop for Expiry {
    fn drop(&mut self) {
        // Only a registered timeout has anything to remove (and then the watchdog runs).
        let State::Watched { id, .. } = &self.state else { return };
        if let (Some(at), Some(watchdog)) = (self.at, watchdog()) {
            watchdog.remove(at, *id);
        }
    }
}

/// The process's watchdog: the pending timeouts by end, and the thread that fires them.
struct Watchdog {
    due: Arc<Mutex<Due>>,
    thread: std::thread::Thread,
}

#[derive(Default)]
struct Due {
    slots: BTreeMap<(Instant, u64), Arc<Slot>>,
    next_id: u64,
    /// When the thread will wake up without being woken (`None`: it sleeps until woken).
    planned: Option<Instant>,
}

fn lock(due: &Mutex<Due>) -> MutexGuard<'_, Due> {
    // The state is a map and two numbers, consistent after every statement.
    due.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The watchdog, started at the first timeout; `None` if its thread could not be started.
fn watchdog() -> Option<&'static Watchdog> {
    static WATCHDOG: OnceLock<Option<Watchdog>> = OnceLock::new();
    WATCHDOG
        .get_or_init(|| {
            let due = Arc::new(Mutex::new(Due::default()));
            let shared = due.clone();
            let thread = std::thread::Builder::new()
                .name("flxpoint-timers".into())
                .spawn(move || watch(&shared))
                .ok()?;
            Some(Watchdog { due, thread: thread.thread().clone() })
        })
        .as_ref()
}

impl Watchdog {
    fn insert(&self, at: Instant, slot: Arc<Slot>) -> u64 {
        let mut due = lock(&self.due);
        let id = due.next_id;
        due.next_id += 1;
        due.slots.insert((at, id), slot);
        let wake = due.planned.is_none_or(|planned| at < planned);
        if wake {
            due.planned = Some(at);
        }
        drop(due);
        if wake {
            self.thread.unpark();
        }
        id
    }

    fn remove(&self, at: Instant, id: u64) {
        lock(&self.due).slots.remove(&(at, id));
    }
}

/// The watchdog thread: fires what is due, then sleeps until the next end or until woken.
fn watch(due: &Mutex<Due>) {
    let mut fired: Vec<Arc<Slot>> = Vec::new();
    loop {
        let now = Instant::now();
        let next = {
            let mut due = lock(due);
            while let Some(entry) = due.slots.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                fired.push(entry.remove());
            }
            let next = due.slots.keys().next().map(|&(at, _)| at);
            due.planned = next;
            next
        };
        // Woken outside the lock: a waker may run a scheduler's code.
        for slot in fired.drain(..) {
            slot.fired.store(true, Ordering::Release);
            slot.waker.wake();
        }
        match next {
            Some(at) => std::thread::park_timeout(at.saturating_duration_since(now)),
            None => std::thread::park(),
        }
    }
}

/// How many timeouts the watchdog holds that end between `from` and `to` seconds from now:
/// each test below uses its own window, far from the timeouts of calls elsewhere in the
/// process, so that it counts only its own.
#[cfg(test)]
fn pending_between(from: u64, to: u64) -> usize {
    let now = Instant::now();
    let (from, to) =
        (now + std::time::Duration::from_secs(from), now + std::time::Duration::from_secs(to));
    watchdog()
        .map_or(0, |w| lock(&w.due).slots.keys().filter(|(at, _)| (from..to).contains(at)).count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// [`timeout_at`] `after` from now.
    fn timeout<F: Future>(after: Option<Duration>, future: F) -> Timeout<F> {
        timeout_at(after.map(|after| Instant::now() + after), future)
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn a_timeout_ends_the_future_no_sooner_than_its_time() {
        runtime().block_on(async {
            let started = Instant::now();
            let out = timeout(Some(Duration::from_millis(60)), std::future::pending::<()>()).await;
            assert_eq!(out, Err(Elapsed));
            assert!(started.elapsed() >= Duration::from_millis(60), "{:?}", started.elapsed());
        });
    }

    #[test]
    fn a_future_that_finishes_first_gives_its_output_and_leaves_nothing_behind() {
        runtime().block_on(async {
            let out = timeout(Some(Duration::from_secs(3600)), async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                7
            })
            .await;
            assert_eq!(out, Ok(7));
            // Ready at once: never registered.
            assert_eq!(timeout(Some(Duration::from_secs(3600)), async { 8 }).await, Ok(8));
        });
        assert_eq!(pending_between(3000, 4000), 0);
    }

    /// Two timeouts may end at the very same instant (two calls' deadlines computed in the same
    /// clock tick): each is kept and fired.
    #[test]
    fn two_timeouts_ending_at_the_same_instant_both_fire() {
        let watchdog = watchdog().unwrap();
        let slot = || Arc::new(Slot { fired: AtomicBool::new(false), waker: AtomicWaker::new() });
        let (first, second) = (slot(), slot());
        let at = Instant::now() + Duration::from_millis(30);
        watchdog.insert(at, first.clone());
        watchdog.insert(at, second.clone());
        let fired = |s: &Slot| s.fired.load(Ordering::Acquire);
        let started = Instant::now();
        while !(fired(&first) && fired(&second)) && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(fired(&first) && fired(&second));
    }

    #[test]
    fn without_a_limit_the_future_runs_to_its_end() {
        runtime().block_on(async {
            let slow = async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                9
            };
            assert_eq!(timeout(None, slow).await, Ok(9));
        });
    }

    #[test]
    fn a_shorter_timeout_after_a_longer_one_wakes_the_watchdog_in_time() {
        runtime().block_on(async {
            // The watchdog sleeps towards the long one's end when the short one arrives.
            let long =
                tokio::spawn(timeout(Some(Duration::from_secs(30)), std::future::pending::<()>()));
            tokio::time::sleep(Duration::from_millis(20)).await;
            let started = Instant::now();
            let out = timeout(Some(Duration::from_millis(50)), std::future::pending::<()>()).await;
            assert_eq!(out, Err(Elapsed));
            assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
            long.abort();
        });
    }

    #[test]
    fn the_timeouts_follow_the_real_clock_when_tokios_is_paused() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(async {
            // tokio's paused clock jumps the hour at once; a real 50 ms have not passed by then.
            let hour = tokio::time::sleep(Duration::from_secs(3600));
            assert_eq!(timeout(Some(Duration::from_millis(50)), hour).await, Ok(()));
        });
    }

    /// Linux shows a thread's name (up to 15 bytes, which the name fits) in `/proc`.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_watchdog_is_one_named_thread() {
        runtime().block_on(async {
            let _ = timeout(Some(Duration::from_millis(1)), std::future::pending::<()>()).await;
        });
        let named = std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|name| name.trim_end() == "flxpoint-timers")
            .count();
        assert_eq!(named, 1);
    }

    #[test]
    fn a_dropped_future_unregisters_its_timeout() {
        runtime().block_on(async {
            let waiting = timeout(Some(Duration::from_secs(7200)), std::future::pending::<()>());
            let mut waiting = std::pin::pin!(waiting);
            // Polled once (registered), then dropped.
            let polled = std::future::poll_fn(|cx| Poll::Ready(waiting.as_mut().poll(cx))).await;
            assert!(polled.is_pending());
            assert_eq!(pending_between(6000, 8000), 1);
        });
        assert_eq!(pending_between(6000, 8000), 0);
    }
}
