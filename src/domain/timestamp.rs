//! One type for a moment in time. Stored and shown in one fixed-width UTC format
//! (`2026-11-23T18:51:44.123456Z`), so the database's text order is time order too; in Rust it
//! compares, adds and subtracts as a time.

use std::fmt;
use std::ops::{Add, Sub};

use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    pub fn at(moment: OffsetDateTime) -> Self {
        Self(moment.to_offset(UtcOffset::UTC))
    }

    /// Any RFC 3339 time, whatever its offset.
    pub fn parse(raw: &str) -> Option<Self> {
        OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339)
            .ok()
            .map(Self::at)
    }

    pub fn time(self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every UTC time `time` can hold (years up to 9999) formats; the fallback is never
        // reached, and keeps `to_string` from panicking should it be.
        match self.0.format(FORMAT) {
            Ok(text) => f.write_str(&text),
            Err(_) => f.write_str("1970-01-01T00:00:00.000000Z"),
        }
    }
}

/// How rows load it: only the stored format itself, because the database compares and orders
/// these as text; anything else is a decode error naming what was there.
impl TryFrom<String> for Timestamp {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        Self::parse(&raw)
            .filter(|stamp| stamp.to_string() == raw)
            .ok_or_else(|| format!("not a stored timestamp: {raw:?}"))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl Add<Duration> for Timestamp {
    type Output = Self;

    fn add(self, span: Duration) -> Self {
        Self(self.0 + span)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Self;

    fn sub(self, span: Duration) -> Self {
        Self(self.0 - span)
    }
}

impl Sub for Timestamp {
    type Output = Duration;

    fn sub(self, earlier: Self) -> Duration {
        self.0 - earlier.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_fixed_width_utc_and_orders_like_the_time() {
        let noon = Timestamp::parse("2026-11-23T12:00:00+02:00").expect("valid");
        assert_eq!(noon.to_string(), "2026-11-23T10:00:00.000000Z");
        let later = noon + Duration::milliseconds(1500);
        assert_eq!(later.to_string(), "2026-11-23T10:00:01.500000Z");
        assert!(later > noon);
        assert!(later.to_string() > noon.to_string());
        assert_eq!(later - noon, Duration::milliseconds(1500));
        assert_eq!(Timestamp::try_from(later.to_string()), Ok(later));
        assert!(Timestamp::try_from("yesterday".to_owned()).is_err());
        // Valid RFC 3339 that would sort wrongly as text next to the stored ones.
        assert!(Timestamp::try_from("2026-11-23T12:00:00+02:00".to_owned()).is_err());
        assert!(Timestamp::try_from("2026-11-23T10:00:01.5Z".to_owned()).is_err());
    }
}
