//! Times as people read them: in the time zone each staff member chose on `/account`
//! ("2 Dec 2026, 22:04 CET"), with the exact UTC in the `title`; and how long ago, where
//! recency is what matters. Stored times and exports stay UTC.

use jiff::tz::TimeZone;
use jiff::Timestamp;
use leptos::prelude::*;

use crate::app::request::current_staff;

/// The zone an IANA name names, if it is one.
pub fn zone_named(name: &str) -> Option<TimeZone> {
    jiff::tz::db().get(name.trim()).ok()
}

/// The signed-in person's zone (UTC when they chose none, or theirs is no longer known).
pub fn my_zone() -> TimeZone {
    current_staff()
        .and_then(|me| me.time_zone)
        .and_then(|name| zone_named(&name))
        .unwrap_or(TimeZone::UTC)
}

/// Every IANA zone name, sorted, for the chooser.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .collect();
    names.sort();
    names
}

/// `2 Dec 2026, 22:04 CET`.
pub fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%-d %b %Y, %H:%M %Z")
        .to_string()
}

/// `2026-12-02 21:04:05 UTC`.
pub fn exact_utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `just now`, `3 min ago`, `in 5 min`, `2 h ago`, `4 days ago`.
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let seconds = now.as_second() - at.as_second();
    let (amount, future) = (seconds.unsigned_abs(), seconds < 0);
    let span = match amount {
        0..=44 => return "just now".to_owned(),
        45..=3_599 => format!("{} min", amount.div_ceil(60).max(1)),
        3_600..=86_399 => format!("{} h", amount / 3_600),
        _ => match amount / 86_400 {
            1 => "1 day".to_owned(),
            days => format!("{days} days"),
        },
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

fn parse(at: &str) -> Option<Timestamp> {
    at.trim().parse().ok()
}

/// A stored time in the reader's zone, the exact UTC in its title.
#[component]
pub fn When(#[prop(into)] at: String) -> impl IntoView {
    match parse(&at) {
        Some(ts) => view! {
            <time datetime=at.clone() title=exact_utc(ts)>{local(ts, &my_zone())}</time>
        }
        .into_any(),
        None => view! { <span>{at}</span> }.into_any(),
    }
}

/// A stored time as how long ago (or how soon), the time itself in the reader's zone in its
/// title.
#[component]
pub fn Ago(#[prop(into)] at: String, now: time::OffsetDateTime) -> impl IntoView {
    let now = Timestamp::from_second(now.unix_timestamp()).unwrap_or_else(|_| Timestamp::now());
    match parse(&at) {
        Some(ts) => view! {
            <time datetime=at.clone() title=format!("{} ({})", local(ts, &my_zone()), exact_utc(ts))>{relative(ts, now)}</time>
        }
        .into_any(),
        None => view! { <span>{at}</span> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_chosen_zone() {
        let at: Timestamp = "2026-12-02T21:04:05.123456Z".parse().expect("time");
        let berlin = zone_named("Europe/Berlin").expect("a known zone");
        assert_eq!(local(at, &berlin), "2 Dec 2026, 22:04 CET");
        assert_eq!(local(at, &TimeZone::UTC), "2 Dec 2026, 21:04 UTC");
        let summer: Timestamp = "2026-07-01T10:00:00Z".parse().expect("time");
        assert_eq!(local(summer, &berlin), "1 Jul 2026, 12:00 CEST");
        assert_eq!(exact_utc(at), "2026-12-02 21:04:05 UTC");
        assert!(zone_named("Mars/Olympus_Mons").is_none());
        assert!(zone_names().iter().any(|n| n == "America/New_York"));
    }

    #[test]
    fn relative_times() {
        let now: Timestamp = "2026-12-02T12:00:00Z".parse().expect("time");
        let ago = |s: i64| relative(Timestamp::from_second(now.as_second() - s).expect("t"), now);
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(180), "3 min ago");
        assert_eq!(ago(-300), "in 5 min");
        assert_eq!(ago(7_200), "2 h ago");
        assert_eq!(ago(86_400 * 4), "4 days ago");
    }
}
