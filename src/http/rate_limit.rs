//! Rate limits: budgets of cost points per minute for GraphQL callers (per client, or
//! per address for anonymous callers) and of requests per minute at the token endpoint
//! (per `client_id` and per address).
//!
//! A budget is a token bucket (`governor`'s GCRA): it holds at most the points of one
//! minute and refills continuously, one point every `60 s / budget`. The buckets live in
//! this process's memory, so each replica keeps its own.
//!
//! Each GraphQL operation is charged its calculated cost before it runs
//! (`graphql::extensions`), through the per-request `RequestBudget` here; a request
//! that ran no operation (refused before execution: malformed, unauthenticated, a
//! document that does not parse or validate) costs one point, so floods of bad
//! requests drain the budget too. Every answer of `/graphql` says what is left in
//! `x-ratelimit-*` headers.

use crate::auth::Principal;
use crate::config::RateLimits;
use crate::error::{AppError, AppResult};
use crate::graphql::CostBudget;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use governor::clock::{Clock, MonotonicClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Whose budget is charged.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A client, by `client_id`.
    Client(Arc<str>),
    /// An anonymous caller, by address (`None`: no connection, only in-process).
    Address(Option<IpAddr>),
}

impl Key {
    /// The key of an address. IPv6 callers are keyed by their /64 network: one host
    /// usually holds a whole /64 and could otherwise take a fresh budget per address.
    pub fn address(addr: Option<IpAddr>) -> Key {
        Key::Address(addr.map(|ip| match ip.to_canonical() {
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
            v4 => v4,
        }))
    }

    /// The key of a `client_id` named in a request (bounded, as it may be anything).
    pub fn client(client_id: &str) -> Key {
        let end = client_id
            .char_indices()
            .nth(128)
            .map_or(client_id.len(), |(i, _)| i);
        Key::Client(Arc::from(&client_id[..end]))
    }

    /// The caller of a GraphQL request: its client, else its address.
    pub fn of(principal: &Principal, addr: Option<IpAddr>) -> Key {
        match principal.client() {
            Some(client) => Key::client(&client.client_id),
            None => Key::address(addr),
        }
    }
}

/// The outcome of taking points from a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Taken; `remaining` points are left.
    Admitted { remaining: u32 },
    /// Not taken: the points are there again after `retry_after`.
    Refused {
        remaining: u32,
        retry_after: Duration,
    },
}

impl Taken {
    fn remaining(&self) -> u32 {
        match self {
            Taken::Admitted { remaining } | Taken::Refused { remaining, .. } => *remaining,
        }
    }
}

type Buckets =
    RateLimiter<Key, DefaultKeyedStateStore<Key>, MonotonicClock, StateInformationMiddleware>;

/// Budgets of `per_minute` points, one per key.
pub struct Limiter {
    per_minute: NonZeroU32,
    buckets: Buckets,
    clock: MonotonicClock,
    /// Seconds after `started` of the last removal of full buckets.
    cleaned: AtomicU64,
    started: Instant,
}

/// How often buckets that are full again (indistinguishable from new ones) are dropped,
/// so that the memory held is bounded by the callers of the last minute or so.
const CLEANUP_EVERY_SECS: u64 = 60;

impl Limiter {
    /// A limiter of `per_minute` points per key; `None` for 0 (no limit).
    pub fn new(per_minute: u32) -> Option<Limiter> {
        let per_minute = NonZeroU32::new(per_minute)?;
        let clock = MonotonicClock;
        Some(Limiter {
            per_minute,
            buckets: Buckets::new(
                Quota::per_minute(per_minute),
                DefaultKeyedStateStore::default(),
                clock.clone(),
            ),
            clock,
            cleaned: AtomicU64::new(0),
            started: Instant::now(),
        })
    }

    /// The budget per minute.
    pub fn per_minute(&self) -> u32 {
        self.per_minute.get()
    }

    /// Time to refill one point.
    fn point(&self) -> Duration {
        Duration::from_secs(60) / self.per_minute.get()
    }

    /// Takes `points` (at least 1) from `key`'s budget, all or nothing. More than a
    /// whole budget counts as the whole budget: such an operation runs when the budget
    /// is full, and empties it.
    pub fn take(&self, key: &Key, points: u64) -> Taken {
        self.clean_up();
        let n = u32::try_from(points)
            .unwrap_or(u32::MAX)
            .clamp(1, self.per_minute.get());
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        match self.buckets.check_key_n(key, n) {
            Ok(Ok(snapshot)) => Taken::Admitted {
                remaining: snapshot.remaining_burst_capacity(),
            },
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(self.clock.now());
                // `n` points fit after `wait`, one point refilling every `point()`:
                // what is there now is `n` less what `wait` refills.
                let point = self.point().as_nanos().max(1);
                let owed = wait.as_nanos().div_ceil(point);
                let remaining = u128::from(n.get()).saturating_sub(owed) as u32;
                Taken::Refused {
                    remaining,
                    retry_after: wait,
                }
            }
            // Unreachable with `n` at most the budget; refuse for a minute rather than
            // trust that.
            Err(_) => Taken::Refused {
                remaining: 0,
                retry_after: Duration::from_secs(60),
            },
        }
    }

    /// Drops the buckets that are full again, at most once per `CLEANUP_EVERY_SECS`.
    fn clean_up(&self) {
        let now = self.started.elapsed().as_secs();
        let last = self.cleaned.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= CLEANUP_EVERY_SECS
            && self
                .cleaned
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.buckets.retain_recent();
            self.buckets.shrink_to_fit();
        }
    }

    /// Time until a budget with `remaining` points is full again.
    fn refill_time(&self, remaining: u32) -> Duration {
        self.point() * self.per_minute.get().saturating_sub(remaining)
    }
}

/// Whole seconds to wait, at least 1 (what `Retry-After` says).
pub fn retry_after_secs(wait: Duration) -> u64 {
    u64::try_from(wait.as_nanos().div_ceil(1_000_000_000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The hub's limiters, built once from the configuration.
pub struct Limiters {
    /// GraphQL cost points per client.
    pub clients: Option<Arc<Limiter>>,
    /// GraphQL cost points per address, for anonymous callers.
    pub anonymous: Option<Arc<Limiter>>,
    /// Token endpoint requests per `client_id`.
    pub token_clients: Option<Limiter>,
    /// Token endpoint requests per address.
    pub token_addresses: Option<Limiter>,
}

impl Limiters {
    pub fn new(config: &RateLimits) -> Limiters {
        Limiters {
            clients: Limiter::new(config.rate_limit_points_per_minute).map(Arc::new),
            anonymous: Limiter::new(config.rate_limit_anonymous_points_per_minute).map(Arc::new),
            token_clients: Limiter::new(config.token_requests_per_minute),
            token_addresses: Limiter::new(config.token_requests_per_minute_per_address),
        }
    }

    /// The budget a GraphQL request of `principal` from `addr` spends, if limited.
    pub fn graphql_budget(
        &self,
        principal: &Principal,
        addr: Option<IpAddr>,
    ) -> Option<Arc<RequestBudget>> {
        let limiter = match principal {
            Principal::Client(_) => self.clients.as_ref(),
            Principal::Anonymous => self.anonymous.as_ref(),
        }?;
        Some(Arc::new(RequestBudget {
            limiter: limiter.clone(),
            key: Key::of(principal, addr),
            spent: Mutex::default(),
        }))
    }

    /// Takes one token request of `key` from `limiter` (if any): `Err(wait)` when over.
    pub fn token_request(limiter: Option<&Limiter>, key: &Key) -> Result<(), Duration> {
        match limiter.map(|l| l.take(key, 1)) {
            Some(Taken::Refused { retry_after, .. }) => Err(retry_after),
            _ => Ok(()),
        }
    }
}

/// What one HTTP request spent of its caller's budget.
#[derive(Debug, Default)]
struct Spent {
    /// The outcome of the last charge (for the headers).
    last: Option<Taken>,
    admitted: u32,
    refused: u32,
    /// The longest wait of a refused charge.
    retry_after: Option<Duration>,
}

/// One HTTP request's view of its caller's budget: charged by every operation of the
/// request (a batch has several), and read back for the response headers.
pub struct RequestBudget {
    limiter: Arc<Limiter>,
    key: Key,
    spent: Mutex<Spent>,
}

impl CostBudget for RequestBudget {
    fn charge(&self, cost: u64) -> AppResult<()> {
        match self.take(cost) {
            Taken::Admitted { .. } => Ok(()),
            Taken::Refused { retry_after, .. } => Err(AppError::RateLimited {
                retry_after_secs: retry_after_secs(retry_after),
            }),
        }
    }
}

/// How a request fared against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every operation it charged was admitted.
    Admitted,
    /// Some operations were refused, others ran (a batch): answer normally, with
    /// `Retry-After`.
    PartlyRefused(Duration),
    /// Nothing ran because the budget is spent: 429 with `Retry-After`.
    Refused(Duration),
}

impl RequestBudget {
    fn spent(&self) -> std::sync::MutexGuard<'_, Spent> {
        // A poisoned lock still holds valid counters.
        self.spent.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, points: u64) -> Taken {
        let taken = self.limiter.take(&self.key, points);
        let mut spent = self.spent();
        spent.last = Some(taken);
        match taken {
            Taken::Admitted { .. } => spent.admitted += 1,
            Taken::Refused { retry_after, .. } => {
                spent.refused += 1;
                spent.retry_after = spent.retry_after.max(Some(retry_after));
            }
        }
        taken
    }

    /// Settles the request after it ran: a request whose operations charged nothing
    /// (refused before execution) costs one point now. Then says whether it was
    /// refused.
    pub fn settle(&self) -> Verdict {
        let charged = self.spent().last.is_some();
        if !charged {
            self.take(1);
        }
        self.verdict()
    }

    /// Whether the request was refused, from what it charged so far.
    pub fn verdict(&self) -> Verdict {
        let spent = self.spent();
        match (spent.retry_after, spent.admitted) {
            (None, _) => Verdict::Admitted,
            (Some(wait), 0) => Verdict::Refused(wait),
            (Some(wait), _) => Verdict::PartlyRefused(wait),
        }
    }

    /// `x-ratelimit-*` (as GitHub's API sends them) and, after a refusal, `Retry-After`.
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let spent = self.spent();
        let Some(last) = spent.last else {
            return;
        };
        let limit = self.limiter.per_minute();
        let remaining = last.remaining();
        let full_at = SystemTime::now() + self.limiter.refill_time(remaining);
        let reset = full_at
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0))
            .unwrap_or_default();
        let mut set = |name: &'static str, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        };
        set("x-ratelimit-limit", limit.to_string());
        set("x-ratelimit-remaining", remaining.to_string());
        set(
            "x-ratelimit-used",
            (limit - remaining.min(limit)).to_string(),
        );
        set("x-ratelimit-reset", reset.to_string());
        set("x-ratelimit-resource", "graphql".to_owned());
        if let Some(wait) = spent.retry_after {
            headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(wait)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }

    #[test]
    fn a_budget_refuses_what_does_not_fit_and_says_what_is_left() {
        let limiter = Limiter::new(10).expect("a limit");
        let key = Key::address(None);
        assert_eq!(limiter.take(&key, 4), Taken::Admitted { remaining: 6 });
        assert_eq!(limiter.take(&key, 6), Taken::Admitted { remaining: 0 });
        match limiter.take(&key, 3) {
            Taken::Refused {
                remaining,
                retry_after,
            } => {
                assert_eq!(remaining, 0);
                // Three points at six seconds each, less what passed meanwhile.
                assert!(retry_after > Duration::from_secs(17), "{retry_after:?}");
                assert!(retry_after <= Duration::from_secs(18), "{retry_after:?}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another caller has a budget of its own; more than a budget counts as all of it.
        let other = Key::client("kp_other");
        assert_eq!(
            limiter.take(&other, 1_000),
            Taken::Admitted { remaining: 0 }
        );
    }

    #[test]
    fn ipv6_callers_share_the_budget_of_their_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Key::address(Some(a)), Key::address(Some(b)));
        assert_ne!(Key::address(Some(a)), Key::address(Some(c)));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            Key::address(Some(mapped)),
            Key::address(Some("192.0.2.7".parse().unwrap()))
        );
    }
}
