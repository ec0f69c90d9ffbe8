//! Free text the portal takes from staff, bounded: every field has a maximum (listed in the
//! README), refused beside the field with what was typed kept.

use std::fmt;

/// An impersonation's reason and the reason for write mode.
pub const REASON_MIN_CHARS: usize = 10;
pub const REASON_MAX_CHARS: usize = 1_000;
/// A ticket reference.
pub const TICKET_MAX_CHARS: usize = 100;
/// Names of people and organizations, descriptions, and each line of a contact.
pub const LINE_MAX_CHARS: usize = 200;
/// A template's HTML.
pub const TEMPLATE_HTML_MAX_CHARS: usize = 100_000;
/// The largest request body the portal reads (a form with a template at its maximum fits).
pub const BODY_MAX_BYTES: usize = 1024 * 1024;

/// The sentence shown beside a field whose text is longer than `max` characters, if it is.
pub fn too_long(text: &str, max: usize) -> Option<String> {
    let typed = text.chars().count();
    (typed > max).then(|| format!("Use at most {max} characters; this has {typed}."))
}

/// A reason written by a person, trimmed, of 10 to 1,000 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonProblem {
    TooShort,
    TooLong { typed: usize },
}

impl fmt::Display for ReasonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort => write!(
                f,
                "Write the reason in at least {REASON_MIN_CHARS} characters."
            ),
            Self::TooLong { typed } => write!(
                f,
                "Write the reason in at most {REASON_MAX_CHARS} characters; this has {typed}."
            ),
        }
    }
}

impl Reason {
    pub fn parse(raw: &str) -> Result<Self, ReasonProblem> {
        let reason = raw.trim();
        let typed = reason.chars().count();
        if typed < REASON_MIN_CHARS {
            Err(ReasonProblem::TooShort)
        } else if typed > REASON_MAX_CHARS {
            Err(ReasonProblem::TooLong { typed })
        } else {
            Ok(Self(reason.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What was typed for a reason that was refused, trimmed and cut to the longest reason
    /// there can be, for the record of the refusal.
    pub fn as_typed(raw: &str) -> String {
        raw.trim().chars().take(REASON_MAX_CHARS).collect()
    }
}

/// A ticket reference: optional, trimmed, at most 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Use at most {TICKET_MAX_CHARS} characters for the ticket.")]
pub struct TicketTooLong;

impl Ticket {
    /// No ticket when nothing (or only blanks) was typed.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, TicketTooLong> {
        match raw.map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) if t.chars().count() > TICKET_MAX_CHARS => Err(TicketTooLong),
            Some(t) => Ok(Some(Self(t.to_owned()))),
        }
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A phone number as people write one: 7 to 15 digits with spaces, `+`, `-`, `(`, `)` or `.`.
pub fn is_phone(raw: &str) -> bool {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && raw.len() <= 25
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_has_ten_to_a_thousand_characters() {
        assert_eq!(Reason::parse("  too short "), Err(ReasonProblem::TooShort));
        assert_eq!(
            Reason::parse(&"é".repeat(1_001)),
            Err(ReasonProblem::TooLong { typed: 1_001 })
        );
        let longest = "é".repeat(1_000);
        assert_eq!(
            Reason::parse(&format!(" {longest} ")).map(|r| r.0),
            Ok(longest)
        );
    }

    #[test]
    fn a_ticket_is_optional_trimmed_and_bounded() {
        assert_eq!(Ticket::parse(None), Ok(None));
        assert_eq!(Ticket::parse(Some("   ")), Ok(None));
        assert_eq!(
            Ticket::parse(Some(" T-42 ")).map(|t| t.map(Ticket::into_string)),
            Ok(Some("T-42".to_owned()))
        );
        assert!(Ticket::parse(Some(&"é".repeat(100))).is_ok());
        assert_eq!(Ticket::parse(Some(&"é".repeat(101))), Err(TicketTooLong));
        assert_eq!(
            Reason::as_typed(&format!(" {} ", "x".repeat(1_200))).len(),
            1_000
        );
    }

    #[test]
    fn too_long_counts_characters_not_bytes() {
        assert_eq!(too_long("ééé", 3), None);
        assert_eq!(
            too_long("éééé", 3).as_deref(),
            Some("Use at most 3 characters; this has 4.")
        );
    }

    #[test]
    fn phone_numbers_are_plain() {
        assert!(super::is_phone("+1 555 010 0199"));
        assert!(super::is_phone("(020) 7946-0958"));
        assert!(!super::is_phone("555"));
        assert!(!super::is_phone("call me maybe"));
    }
}
