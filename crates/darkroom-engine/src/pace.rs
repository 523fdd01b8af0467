//! Per-provider rate limits: a provider's `rate_limit` (calls per minute) spaces its calls
//! evenly, whatever the concurrency. Each call reserves the next free slot and waits for it,
//! so a burst of 16 workers against a 60/min limit still sends one call a second.
//!
//! Written here rather than taken from `governor`: the engine needs one even spacing per
//! provider (no burst allowance, no keyed limiters) and a pure slot function it can test
//! without a clock; that is a dozen lines.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces one provider's calls.
#[derive(Debug)]
pub(crate) struct Pacer {
    every: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pacer {
    /// A pacer for `per_minute` calls a minute (validated to be positive).
    pub fn new(per_minute: f64) -> Pacer {
        Pacer {
            every: Duration::from_secs_f64(60.0 / per_minute.max(1e-3)),
            next: Mutex::new(None),
        }
    }

    /// Reserves the next slot at or after `now` and returns it.
    pub fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let slot = match *next {
            Some(t) if t > now => t,
            _ => now,
        };
        *next = Some(slot + self.every);
        slot
    }

    /// Waits for this call's slot.
    pub async fn wait(&self) {
        let slot = self.reserve(Instant::now());
        tokio::time::sleep_until(tokio::time::Instant::from_std(slot)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_spaced_evenly_and_an_idle_provider_starts_at_once() {
        let p = Pacer::new(120.0); // one call every 0.5 s
        let t0 = Instant::now();
        let slots: Vec<Duration> = (0..4).map(|_| p.reserve(t0) - t0).collect();
        assert_eq!(
            slots,
            [0, 500, 1000, 1500].map(Duration::from_millis).to_vec()
        );
        // Long after the burst, the next call goes at once.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(p.reserve(later), later);
        assert_eq!(p.reserve(later) - later, Duration::from_millis(500));
    }
}
