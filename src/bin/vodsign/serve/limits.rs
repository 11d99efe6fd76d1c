//! Rate limits per user and per client address (governor's GCRA), answered with 429 and
//! `Retry-After`. An IPv6 client is counted by its /64, the block one host usually holds.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::config::{Limit, RateLimit};
use super::reply::Refusal;

pub struct Limits {
    per_user: Option<(Limit, DefaultKeyedRateLimiter<String>)>,
    per_address: Option<(Limit, DefaultKeyedRateLimiter<IpAddr>)>,
}

fn quota(l: Limit) -> Quota {
    let per_minute = NonZeroU32::new(l.per_minute).expect("checked at load");
    let burst = NonZeroU32::new(l.burst).expect("checked at load");
    Quota::per_minute(per_minute).allow_burst(burst)
}

fn same(a: Option<Limit>, b: Option<Limit>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.per_minute == b.per_minute && a.burst == b.burst,
        (None, None) => true,
        _ => false,
    }
}

fn refusal(wait: std::time::Duration, whom: &str) -> Refusal {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut r = Refusal::new(429, "rate_limited", format!("too many requests from this {whom}; retry in {secs} s"));
    r.retry_after = Some(secs.max(1));
    r
}

impl Limits {
    pub fn new(c: &RateLimit) -> Limits {
        let on = |l: Option<Limit>| l.filter(|_| c.enabled);
        Limits {
            per_user: on(c.per_user).map(|l| (l, RateLimiter::keyed(quota(l)))),
            per_address: on(c.per_address).map(|l| (l, RateLimiter::keyed(quota(l)))),
        }
    }

    /// New limits for a reloaded configuration; the counts carry over when the limits did not change.
    pub fn reload(old: &std::sync::Arc<Limits>, c: &RateLimit) -> std::sync::Arc<Limits> {
        let old_user = old.per_user.as_ref().map(|(l, _)| *l);
        let old_addr = old.per_address.as_ref().map(|(l, _)| *l);
        let on = |l: Option<Limit>| l.filter(|_| c.enabled);
        if same(old_user, on(c.per_user)) && same(old_addr, on(c.per_address)) {
            old.clone()
        } else {
            std::sync::Arc::new(Limits::new(c))
        }
    }

    pub fn check_address(&self, ip: IpAddr) -> Result<(), Refusal> {
        let Some((_, lim)) = &self.per_address else { return Ok(()) };
        let key = match ip.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        };
        lim.check_key(&key).map_err(|n| refusal(n.wait_time_from(DefaultClock::default().now()), "address"))
    }

    pub fn check_user(&self, user: &str) -> Result<(), Refusal> {
        let Some((_, lim)) = &self.per_user else { return Ok(()) };
        lim.check_key(&user.to_owned()).map_err(|n| refusal(n.wait_time_from(DefaultClock::default().now()), "user"))
    }

    /// Forgets keys whose limit has fully recovered (run now and then, so memory stays bounded).
    pub fn sweep(&self) {
        if let Some((_, l)) = &self.per_user {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some((_, l)) = &self.per_address {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refused_with_retry_after() {
        let l = Limits::new(&RateLimit { enabled: true, per_user: Some(Limit { per_minute: 1, burst: 4 }), per_address: None });
        for _ in 0..4 {
            l.check_user("u").unwrap();
        }
        let r = l.check_user("u").unwrap_err();
        assert_eq!(r.status, 429);
        assert!((1..=60).contains(&r.retry_after.unwrap()), "{:?}", r.retry_after);
        l.check_user("other").unwrap();
    }

    #[test]
    fn ipv6_counted_by_its_64() {
        let l = Limits::new(&RateLimit { enabled: true, per_user: None, per_address: Some(Limit { per_minute: 1, burst: 1 }) });
        l.check_address("2001:db8::1".parse().unwrap()).unwrap();
        assert!(l.check_address("2001:db8::2".parse().unwrap()).is_err());
        l.check_address("2001:db8:0:1::1".parse().unwrap()).unwrap();
    }
}
