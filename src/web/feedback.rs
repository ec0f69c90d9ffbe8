//! What a page needs to show a form again after a POST: which form, what was typed (never a
//! password) and the problem beside each field.

use std::collections::BTreeMap;

/// Every form the portal renders. A page shows feedback only for its own form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormId {
    Login,
    /// The second step of signing in: the code.
    LoginCode,
    /// Setting up a second factor.
    MfaEnrol,
    OwnPassword,
    StaffAdd,
    /// A change to one staff member's row (role, disable, password).
    StaffRow,
    SubOrgNew,
    ImpersonationStart,
    ImpersonationMode,
    Contact,
    ContactDelete,
    Template,
    TemplateDelete,
    Letter,
    LetterCancel,
    Handoff,
    /// Enabling or disabling a SendGrid subuser.
    SubuserStatus,
    /// Taking an address off a SendGrid suppression list.
    SuppressionRemove,
    /// Activating a SendGrid template version.
    VersionActivate,
    /// Granting or denying a request for write mode.
    Approval,
    /// The time zone a person reads times in.
    TimeZone,
}

/// A way forward the page offers beside the message, when the refusal has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// An impersonation is already open (perhaps in another tab): offer to stop it.
    StopActing,
}

/// What a page needs to show a form again: which form, the values typed and the problems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFeedback {
    pub form: FormId,
    pub values: BTreeMap<String, String>,
    /// Field name → message; `""` for a message about the whole form.
    pub errors: BTreeMap<String, String>,
    pub next: Option<NextStep>,
}

impl FormFeedback {
    pub fn new(form: FormId) -> Self {
        Self {
            form,
            values: BTreeMap::new(),
            errors: BTreeMap::new(),
            next: None,
        }
    }

    pub fn next(mut self, step: NextStep) -> Self {
        self.next = Some(step);
        self
    }

    pub fn value(mut self, field: &str, value: &str) -> Self {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    pub fn error(mut self, field: &str, message: impl Into<String>) -> Self {
        self.errors
            .entry(field.to_owned())
            .or_insert(message.into());
        self
    }

    /// Refuses `value` beside `field` when it is longer than `max` characters (unless the
    /// field already has a message).
    pub fn within(self, field: &str, value: &str, max: usize) -> Self {
        match crate::domain::text::too_long(value.trim(), max) {
            Some(message) => self.error(field, message),
            None => self,
        }
    }

    /// What was typed in `field` (empty when nothing).
    /// This feedback with what `other` has that it lacks: the token a form settled on and the
    /// message that came with renewing it, beside the problems found in its fields.
    pub fn merged(mut self, other: &FormFeedback) -> Self {
        for (field, value) in &other.values {
            self.values
                .entry(field.clone())
                .or_insert_with(|| value.clone());
        }
        for (field, message) in &other.errors {
            self.errors
                .entry(field.clone())
                .or_insert_with(|| message.clone());
        }
        self
    }

    pub fn typed(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }

    /// The message for `field`; `""` names the whole form.
    pub fn problem(&self, field: &str) -> Option<String> {
        self.errors.get(field).cloned()
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}
