//! PostGrid's values as a person reads them: money, dates, usage against a limit.

/// Cents as money: `$1,234.56`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
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
    }
}
