//! The demo's SendGrid: subusers (one with hostile text everywhere, one whose username SendGrid
//! would never issue), a reseller's customer account, and what each holds.

use super::store::{Holdings, Scope, Store};
use crate::sendgrid::models::{
    Metrics, Party, Sender, Subuser, Suppression, Template, TemplateVersion,
};
use crate::sendgrid::SuppressionKind;

/// The customer account of the demo, in the shape of SendGrid's own example id.
pub const DEMO_CUSTOMER: &str = "sg2a2bcd3ef4ab5c67d8efab91c01de2fa";
/// A subuser whose every text is hostile markup.
pub const HOSTILE_SUBUSER: &str = "hostile-text";
/// Text that breaks out of an attribute, a text area or a title if not escaped.
pub const HOSTILE: &str =
    "\"'><script>alert(1)</script></textarea></title><img src=x onerror=alert(2)>";
/// The subuser most examples and tests act for.
pub const DEMO_SUBUSER: &str = "acme-mail";

/// A template's id: a UUID, as the description has it (SendGrid's guides show dynamic
/// templates' ids as `d-` and 32 hex digits; the portal takes either).
pub fn template_id(account: u32, n: u32) -> String {
    format!("{account:08x}-{n:04x}-4000-a000-000000000000")
}

/// A template version's id: a UUID, as the description has it.
pub fn version_id(account: u32, template: u32, n: u32) -> String {
    format!("{account:08x}-{template:04x}-4000-8000-{n:012x}")
}

/// The account numbers behind the demo's template ids.
pub const ACME: u32 = 1;
const GLOBEX: u32 = 2;
const RESELLER: u32 = 3;
const PARENT: u32 = 4;
pub const HOSTILE_ACCOUNT: u32 = 5;

pub fn demo(store: &mut Store) {
    let named = [
        (DEMO_SUBUSER, "ops@acme.example", false, "global"),
        ("globex.eu", "mail@globex.example", false, "eu"),
        ("initech_support", "support@initech.example", true, "global"),
        (HOSTILE_SUBUSER, "x@hostile.example", false, "global"),
        // Not a username SendGrid issues: listed, but the portal never acts for it.
        ("bad name<b>", HOSTILE, false, "global"),
    ];
    let mut id = 1000;
    for (username, email, disabled, region) in named {
        id += 1;
        store
            .subusers
            .push(subuser(id, username, email, disabled, region));
    }
    for n in 1..=30 {
        id += 1;
        let name = format!("customer-{n:03}");
        let email = format!("{name}@clients.example");
        store
            .subusers
            .push(subuser(id, &name, &email, n % 7 == 0, "global"));
    }
    store
        .customers
        .insert(DEMO_CUSTOMER.to_owned(), "activated".to_owned());

    *store.holdings(&Scope::Account(DEMO_SUBUSER.to_owned())) = holdings(ACME, "acme", "Acme");
    *store.holdings(&Scope::Account("globex.eu".to_owned())) = holdings(GLOBEX, "globex", "Globex");
    *store.holdings(&Scope::Account(HOSTILE_SUBUSER.to_owned())) = hostile();
    *store.holdings(&Scope::Account(format!("account-id {DEMO_CUSTOMER}"))) =
        holdings(RESELLER, "reseller", "Reseller customer");
    *store.holdings(&Scope::Parent) = holdings(PARENT, "parent", "Parent");
}

fn subuser(id: u64, username: &str, email: &str, disabled: bool, region: &str) -> Subuser {
    Subuser {
        id,
        username: username.to_owned(),
        email: email.to_owned(),
        disabled,
        region: Some(region.to_owned()),
    }
}

const CREATED: i64 = 1_764_547_200; // 2025-12-01

fn holdings(account: u32, tag: &str, label: &str) -> Holdings {
    let mut h = Holdings::default();
    let entry =
        |n: i64, email: String, reason: Option<&str>, status: Option<&str>, ip: Option<&str>| {
            Suppression {
                created: CREATED + n * 3600,
                email,
                reason: reason.map(str::to_owned),
                status: status.map(str::to_owned),
                ip: ip.map(str::to_owned),
            }
        };
    let mut bounces: Vec<Suppression> = (1..=24)
        .map(|n| {
            entry(
                n,
                format!("bounced{n:02}@{tag}-customers.example"),
                Some("550 5.1.1 The email account that you tried to reach does not exist."),
                Some("5.1.1"),
                None,
            )
        })
        .collect();
    bounces.push(entry(
        30,
        format!("jane.doe@{tag}-customers.example"),
        Some("552 5.2.2 Mailbox full"),
        Some("5.2.2"),
        None,
    ));
    h.suppressions.insert(SuppressionKind::Bounces, bounces);
    h.suppressions.insert(
        SuppressionKind::Blocks,
        vec![entry(
            2,
            format!("blocked@{tag}-corp.example"),
            Some("554 5.7.1 Message rejected due to local policy"),
            Some("5.7.1"),
            None,
        )],
    );
    h.suppressions.insert(
        SuppressionKind::SpamReports,
        vec![entry(
            3,
            format!("angry@{tag}-users.example"),
            None,
            None,
            Some("10.63.202.100"),
        )],
    );
    h.suppressions.insert(
        SuppressionKind::InvalidEmails,
        vec![entry(
            4,
            format!("not-an-address@{tag}"),
            Some("Mail domain mentioned in email address is unknown"),
            None,
            None,
        )],
    );
    h.suppressions.insert(
        SuppressionKind::GlobalUnsubscribes,
        vec![entry(
            5,
            format!("gone@{tag}-users.example"),
            None,
            None,
            None,
        )],
    );
    h.templates = vec![
        template(account, 1, &format!("{label} welcome"), 2),
        template(account, 2, &format!("{label} receipt"), 3),
    ];
    h.senders = vec![Sender {
        id: 1,
        nickname: format!("{label} support"),
        from: Party {
            email: format!("support@{tag}.example"),
            name: Some(format!("{label} Support")),
        },
        reply_to: Party {
            email: format!("replies@{tag}.example"),
            name: None,
        },
        address: "1 Main Street".to_owned(),
        city: "Toronto".to_owned(),
        country: "Canada".to_owned(),
        verified: true,
        locked: false,
    }];
    for (month, scale) in [("2026-10", 1), ("2026-11", 2), ("2026-12", 3)] {
        h.monthly
            .insert(month.to_owned(), metrics(scale * (tag.len() as u64 + 3)));
    }
    h
}

fn hostile() -> Holdings {
    let mut h = holdings(HOSTILE_ACCOUNT, "hostile", HOSTILE);
    for list in h.suppressions.values_mut() {
        for entry in list.iter_mut() {
            entry.reason = Some(HOSTILE.to_owned());
        }
    }
    h.templates.push(template(HOSTILE_ACCOUNT, 3, HOSTILE, 2));
    if let Some(sender) = h.senders.first_mut() {
        sender.nickname = HOSTILE.to_owned();
        sender.address = HOSTILE.to_owned();
    }
    h
}

fn template(account: u32, number: u32, name: &str, versions: u32) -> Template {
    let id = template_id(account, number);
    Template {
        id: id.clone(),
        name: name.to_owned(),
        generation: "dynamic".to_owned(),
        updated_at: "2026-11-02 10:00:00".to_owned(),
        versions: (1..=versions)
            .map(|n| TemplateVersion {
                id: version_id(account, number, n),
                template_id: id.clone(),
                active: u8::from(n == 1),
                name: format!("{name} v{n}"),
                subject: Some(format!("{{{{subject}}}} ({n})")),
                updated_at: Some(format!("2026-11-0{n} 10:00:00")),
                editor: Some("code".to_owned()),
            })
            .collect(),
    }
}

fn metrics(k: u64) -> Metrics {
    Metrics {
        requests: 100 * k,
        processed: 98 * k,
        delivered: 95 * k,
        bounces: 3 * k,
        blocks: k,
        spam_reports: k / 2,
        opens: 60 * k,
        unique_opens: 40 * k,
        clicks: 12 * k,
        unique_clicks: 9 * k,
        ..Metrics::default()
    }
}
