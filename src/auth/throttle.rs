//! Slows down repeated failed sign-ins from one address, whatever accounts they try.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

/// Failures from one address allowed within the window before it must wait.
const MAX_FAILURES: u32 = 10;
const WINDOW: Duration = Duration::minutes(15);

#[derive(Default)]
pub struct AddressThrottle {
    failures: Mutex<HashMap<IpAddr, (u32, OffsetDateTime)>>,
}

impl AddressThrottle {
    /// Whether `ip` must wait before trying again.
    pub fn is_throttled(&self, ip: IpAddr, now: OffsetDateTime) -> bool {
        self.failures.lock().is_ok_and(|map| {
            map.get(&ip)
                .is_some_and(|(count, since)| *count >= MAX_FAILURES && now - *since < WINDOW)
        })
    }

    pub fn record_failure(&self, ip: IpAddr, now: OffsetDateTime) {
        if let Ok(mut map) = self.failures.lock() {
            // Forget addresses whose window has passed, so the map cannot grow without bound.
            map.retain(|_, (_, since)| now - *since < WINDOW);
            let entry = map.entry(ip).or_insert((0, now));
            entry.0 += 1;
        }
    }

    pub fn record_success(&self, ip: IpAddr) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&ip);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_waits_after_many_failures_until_the_window_passes() {
        let throttle = AddressThrottle::default();
        let ip: IpAddr = [10, 0, 0, 1].into();
        let now = OffsetDateTime::now_utc();
        for _ in 0..MAX_FAILURES {
            assert!(!throttle.is_throttled(ip, now));
            throttle.record_failure(ip, now);
        }
        assert!(throttle.is_throttled(ip, now));
        assert!(!throttle.is_throttled([10, 0, 0, 2].into(), now));
        assert!(!throttle.is_throttled(ip, now + WINDOW));
    }
}
