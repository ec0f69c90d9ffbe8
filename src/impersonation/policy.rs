//! What may be done as a sub-organization, by mode: a `match` over every operation, so the
//! compiler asks about each new one. Anything refused never reaches PostGrid; sub-organization
//! management, API keys, billing and users are not operations of an org client at all.

use super::Mode;
use crate::postgrid::OrgOperation;
use crate::sendgrid::ActingOperation;

/// Whether `mode` allows `operation`.
pub fn allows(mode: Mode, operation: OrgOperation) -> bool {
    use OrgOperation::*;
    match operation {
        ContactsList | ContactsGet | TemplatesList | TemplatesGet | LettersList | LettersGet
        | PostcardsList | PostcardsGet => true,
        ContactsCreate | ContactsDelete | TemplatesCreate | TemplatesUpdate | TemplatesDelete
        | LettersCreate | LettersCancel => mode == Mode::Write,
    }
}

fn read_only(operation: OrgOperation) -> bool {
    allows(Mode::ReadOnly, operation)
}

fn write(operation: OrgOperation) -> bool {
    allows(Mode::Write, operation)
}

/// The check an org client of this mode applies before every call.
pub fn allowed(mode: Mode) -> fn(OrgOperation) -> bool {
    match mode {
        Mode::ReadOnly => read_only,
        Mode::Write => write,
    }
}

/// Whether `mode` allows `operation` as a SendGrid sub-account. Subuser management, API keys
/// and Mail Send are not operations of an acting client at all.
pub fn sendgrid_allows(mode: Mode, operation: ActingOperation) -> bool {
    use ActingOperation::*;
    match operation {
        Stats | Suppressions(_) | Templates | Template | Senders => true,
        RemoveSuppression(_) | ActivateVersion => mode == Mode::Write,
    }
}

fn sendgrid_read_only(operation: ActingOperation) -> bool {
    sendgrid_allows(Mode::ReadOnly, operation)
}

fn sendgrid_write(operation: ActingOperation) -> bool {
    sendgrid_allows(Mode::Write, operation)
}

/// The check an acting SendGrid client of this mode applies before every call.
pub fn sendgrid_allowed(mode: Mode) -> fn(ActingOperation) -> bool {
    match mode {
        Mode::ReadOnly => sendgrid_read_only,
        Mode::Write => sendgrid_write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_reads_sendgrid_and_write_mode_does_everything() {
        for operation in ActingOperation::all() {
            let reads = operation.spec().method == reqwest::Method::GET;
            assert_eq!(
                sendgrid_allows(Mode::ReadOnly, operation),
                reads,
                "{operation:?}"
            );
            assert_eq!(sendgrid_allowed(Mode::ReadOnly)(operation), reads);
            assert!(sendgrid_allowed(Mode::Write)(operation), "{operation:?}");
        }
    }

    #[test]
    fn read_only_reads_and_write_mode_does_everything() {
        for operation in OrgOperation::ALL {
            let reads = operation.spec().method == reqwest::Method::GET;
            assert_eq!(allows(Mode::ReadOnly, operation), reads, "{operation:?}");
            assert!(allows(Mode::Write, operation), "{operation:?}");
            assert_eq!(allowed(Mode::ReadOnly)(operation), reads);
            assert!(allowed(Mode::Write)(operation));
        }
    }
}
