//! Everything the portal can ask SendGrid to do, by name. Parent operations manage subusers;
//! acting operations run for one sub-account. Mail Send is neither: the portal has no way to
//! send mail, as itself or as anyone else.

use crate::operation;
use crate::upstream::Operation;

pub const SUBUSERS_LIST: Operation = operation!("subusers.list", GET, "/v3/subusers");
pub const SUBUSERS_UPDATE: Operation =
    operation!("subusers.update", PATCH, "/v3/subusers/{subuser_name}");
pub const SUBUSERS_MONTHLY: Operation = operation!(
    "subusers.stats.monthly",
    GET,
    "/v3/subusers/{subuser_name}/stats/monthly"
);
pub const ACCOUNT_STATE: Operation = operation!(
    "accounts.state.get",
    GET,
    "/v3/partners/accounts/{accountID}/state"
);

/// SendGrid's suppression lists, as the support pages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuppressionKind {
    Bounces,
    Blocks,
    SpamReports,
    InvalidEmails,
    GlobalUnsubscribes,
}

impl SuppressionKind {
    pub const ALL: [SuppressionKind; 5] = [
        Self::Bounces,
        Self::Blocks,
        Self::SpamReports,
        Self::InvalidEmails,
        Self::GlobalUnsubscribes,
    ];

    /// The portal's URL segment.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Bounces => "bounces",
            Self::Blocks => "blocks",
            Self::SpamReports => "spam-reports",
            Self::InvalidEmails => "invalid-emails",
            Self::GlobalUnsubscribes => "global-unsubscribes",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Bounces => "Bounces",
            Self::Blocks => "Blocks",
            Self::SpamReports => "Spam reports",
            Self::InvalidEmails => "Invalid emails",
            Self::GlobalUnsubscribes => "Global unsubscribes",
        }
    }

    fn list(self) -> Operation {
        match self {
            Self::Bounces => operation!("suppression.bounces.list", GET, "/v3/suppression/bounces"),
            Self::Blocks => operation!("suppression.blocks.list", GET, "/v3/suppression/blocks"),
            Self::SpamReports => operation!(
                "suppression.spam_reports.list",
                GET,
                "/v3/suppression/spam_reports"
            ),
            Self::InvalidEmails => operation!(
                "suppression.invalid_emails.list",
                GET,
                "/v3/suppression/invalid_emails"
            ),
            Self::GlobalUnsubscribes => operation!(
                "suppression.unsubscribes.list",
                GET,
                "/v3/suppression/unsubscribes"
            ),
        }
    }

    /// Global unsubscribes are removed through the ASM API: SendGrid has no `DELETE` under
    /// `/v3/suppression/unsubscribes`.
    fn remove(self) -> Operation {
        match self {
            Self::Bounces => operation!(
                "suppression.bounces.delete",
                DELETE,
                "/v3/suppression/bounces/{email}"
            ),
            Self::Blocks => operation!(
                "suppression.blocks.delete",
                DELETE,
                "/v3/suppression/blocks/{email}"
            ),
            Self::SpamReports => operation!(
                "suppression.spam_reports.delete",
                DELETE,
                "/v3/suppression/spam_reports/{email}"
            ),
            Self::InvalidEmails => operation!(
                "suppression.invalid_emails.delete",
                DELETE,
                "/v3/suppression/invalid_emails/{email}"
            ),
            Self::GlobalUnsubscribes => operation!(
                "asm.suppressions.global.delete",
                DELETE,
                "/v3/asm/suppressions/global/{email}"
            ),
        }
    }

    /// The path of the list, and of one address on it.
    pub fn list_path(self) -> &'static str {
        self.list().path_template
    }

    pub fn remove_path(self, email: &str) -> String {
        let template = self.remove().path_template;
        template.replace("{email}", &crate::upstream::path_segment(email))
    }
}

/// What may be done as a sub-account. The impersonation policy matches on every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActingOperation {
    Stats,
    Suppressions(SuppressionKind),
    RemoveSuppression(SuppressionKind),
    Templates,
    Template,
    ActivateVersion,
    Senders,
}

impl ActingOperation {
    /// Every acting operation, for the tests that go through each.
    pub fn all() -> Vec<ActingOperation> {
        let mut all = vec![
            Self::Stats,
            Self::Templates,
            Self::Template,
            Self::ActivateVersion,
            Self::Senders,
        ];
        for kind in SuppressionKind::ALL {
            all.push(Self::Suppressions(kind));
            all.push(Self::RemoveSuppression(kind));
        }
        all
    }

    pub fn spec(self) -> Operation {
        match self {
            Self::Stats => operation!("stats.get", GET, "/v3/stats"),
            Self::Suppressions(kind) => kind.list(),
            Self::RemoveSuppression(kind) => kind.remove(),
            Self::Templates => operation!("templates.list", GET, "/v3/templates"),
            Self::Template => operation!("templates.get", GET, "/v3/templates/{template_id}"),
            Self::ActivateVersion => operation!(
                "templates.versions.activate",
                POST,
                "/v3/templates/{template_id}/versions/{version_id}/activate"
            ),
            Self::Senders => operation!("senders.list", GET, "/v3/senders"),
        }
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_operation_reaches_mail_send() {
        let mut paths: Vec<&str> = ActingOperation::all()
            .into_iter()
            .map(|op| op.spec().path_template)
            .collect();
        paths.extend(
            [
                SUBUSERS_LIST,
                SUBUSERS_UPDATE,
                SUBUSERS_MONTHLY,
                ACCOUNT_STATE,
            ]
            .map(|op| op.path_template),
        );
        for path in paths {
            assert!(!path.starts_with("/v3/mail"), "{path}");
        }
    }

    #[test]
    fn an_address_stays_in_its_path_segment() {
        assert_eq!(
            SuppressionKind::Bounces.remove_path("a/../b@x.com"),
            "/v3/suppression/bounces/a%2F%2E%2E%2Fb%40x%2Ecom"
        );
        assert_eq!(
            SuppressionKind::GlobalUnsubscribes.remove_path("x@y.z"),
            "/v3/asm/suppressions/global/x%40y%2Ez"
        );
    }
}
