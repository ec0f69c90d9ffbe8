//! PostGrid's and SendGrid's values as a person reads them: money, dates, counts, usage
//! against a limit.

/// Cents as money: `$1,234.56`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}${}.{:02}", count(cents / 100), cents % 100)
}

/// The date part of PostGrid's timestamps (`2020-11-12T23:23:47.974Z` → `2020-11-12`).
pub fn date(timestamp: &str) -> String {
    timestamp.split('T').next().unwrap_or(timestamp).to_owned()
}

/// "268 of 500 (53%)": whole percent, rounded down.
pub fn usage(usage: i64, limit: i64) -> String {
    if limit > 0 {
        format!("{usage} of {limit} ({}%)", usage * 100 / limit)
    } else {
        format!("{usage} (no limit set)")
    }
}

/// A Unix time (SendGrid's `created`) in UTC: `2025-12-01 00:00 UTC`; the number itself when
/// it is out of range.
pub fn unix_time(seconds: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|at| at.format(&format).ok())
        .unwrap_or_else(|| seconds.to_string())
}

/// A count with thousands separators: `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_dates_and_usage_read_plainly() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(23316), "$233.16");
        assert_eq!(money(123456789), "$1,234,567.89");
        assert_eq!(date("2020-11-12T23:23:47.974Z"), "2020-11-12");
        assert_eq!(usage(268, 500), "268 of 500 (53%)");
        assert_eq!(unix_time(1_764_547_200), "2025-12-01 00:00 UTC");
        assert_eq!(unix_time(i64::MAX), i64::MAX.to_string());
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
    }
}
