//! Refused cross-origin requests, recorded without letting anyone grow the audit log at will:
//! the first refusal from an address (an IPv6 /64) in a minute is an event of its own, the
//! rest of that minute are counted and recorded as one event carrying the count once the
//! minute is over. Past a few dozen addresses in one minute, further addresses share a tally.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use serde_json::json;
use time::OffsetDateTime;

use crate::audit::{format_time, Action, AuditLog, NewEvent, Origin, Outcome};

/// Addresses counted one by one in a minute; the rest are tallied together.
const MAX_ADDRESSES_PER_MINUTE: usize = 32;

/// Where refusals from addresses beyond the per-minute limit are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    Address(IpAddr),
    Others,
}

#[derive(Default)]
struct Minute {
    /// Minutes since the Unix epoch.
    number: i64,
    /// Refusals after the first, per source.
    repeats: HashMap<Source, u64>,
}

/// The tally of this process's refusals.
#[derive(Default)]
pub struct RejectionTally {
    current: Mutex<Minute>,
}

/// A minute's repeats from one source, to be recorded as one event.
#[derive(Debug, PartialEq, Eq)]
pub struct Repeats {
    source: Option<IpAddr>,
    minute: i64,
    count: u64,
}

impl RejectionTally {
    /// Notes one refusal from `address`: whether it is the first from its source this minute
    /// (so recorded on its own), and the repeats of a minute that just ended.
    pub fn note(&self, address: IpAddr, now: OffsetDateTime) -> (bool, Vec<Repeats>) {
        let number = now.unix_timestamp().div_euclid(60);
        let Ok(mut minute) = self.current.lock() else {
            return (false, Vec::new());
        };
        let finished = if minute.number == number {
            Vec::new()
        } else {
            take(&mut minute, number)
        };
        let source = if minute.repeats.contains_key(&Source::Address(address))
            || minute.repeats.len() < MAX_ADDRESSES_PER_MINUTE
        {
            Source::Address(address)
        } else {
            Source::Others
        };
        let first = match minute.repeats.get_mut(&source) {
            Some(count) => {
                *count += 1;
                false
            }
            None => {
                minute.repeats.insert(source, 0);
                true
            }
        };
        (first, finished)
    }

    /// The repeats of a minute that has ended, if they were not taken yet.
    pub fn finished(&self, now: OffsetDateTime) -> Vec<Repeats> {
        let number = now.unix_timestamp().div_euclid(60);
        match self.current.lock() {
            Ok(mut minute) if minute.number != number => take(&mut minute, number),
            _ => Vec::new(),
        }
    }
}

fn take(minute: &mut Minute, next: i64) -> Vec<Repeats> {
    let ended = std::mem::replace(
        minute,
        Minute {
            number: next,
            repeats: HashMap::new(),
        },
    );
    ended
        .repeats
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(source, count)| Repeats {
            source: match source {
                Source::Address(address) => Some(address),
                Source::Others => None,
            },
            minute: ended.number,
            count,
        })
        .collect()
}

/// Records each minute's repeats as one `security.origin_rejected` event with the count.
pub async fn record_repeats(audit: &AuditLog, repeats: Vec<Repeats>) {
    for r in repeats {
        let started = OffsetDateTime::from_unix_timestamp(r.minute * 60)
            .map(format_time)
            .unwrap_or_default();
        let origin = Origin {
            client_ip: r.source.map(|a| a.to_string()),
            ..Origin::default()
        };
        let event = NewEvent::new(Action::OriginRejected, Outcome::Denied, origin).detail(json!({
            "repeats": r.count,
            "minute_starting": started,
            "from": match r.source {
                Some(IpAddr::V4(_)) => "this address",
                Some(IpAddr::V6(_)) => "this /64 network",
                None => "addresses beyond the per-minute limit",
            },
        }));
        if let Err(err) = audit.append_in_background(event).await {
            tracing::error!(error = %err, "repeated origin rejections could not be recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> OffsetDateTime {
        // 1_800_000_000 is a whole minute (30,000,000 of them).
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + seconds).expect("time")
    }

    #[test]
    fn a_burst_from_one_address_is_one_event_and_one_count() {
        let tally = RejectionTally::default();
        let ip: IpAddr = [203, 0, 113, 9].into();
        let (first, _) = tally.note(ip, at(1));
        assert!(first);
        for s in 0..2_999 {
            let (first, finished) = tally.note(ip, at(1 + s % 50));
            assert!(!first && finished.is_empty());
        }
        assert!(tally.finished(at(59)).is_empty(), "the minute is not over");
        let repeats = tally.finished(at(61));
        assert_eq!(repeats.len(), 1);
        assert_eq!((repeats[0].source, repeats[0].count), (Some(ip), 2_999));
        assert!(tally.finished(at(62)).is_empty(), "taken once");
    }

    #[test]
    fn many_addresses_in_one_minute_share_one_tally_past_the_limit() {
        let tally = RejectionTally::default();
        let mut firsts = 0;
        for n in 0..1_000u32 {
            let ip: IpAddr = std::net::Ipv6Addr::from(u128::from(n) + 1).into();
            firsts += usize::from(tally.note(ip, at(5)).0);
        }
        assert_eq!(firsts, MAX_ADDRESSES_PER_MINUTE + 1);
        let (first, finished) = tally.note([10, 0, 0, 1].into(), at(65));
        assert!(first, "a new minute starts afresh");
        assert_eq!(finished.len(), 1);
        assert_eq!((finished[0].source, finished[0].count), (None, 1_000 - 33));
    }
}
