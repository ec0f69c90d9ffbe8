//! Sample data for `--seed demo`: enough sub-organizations to paginate, users for each, and a
//! few contacts, templates and letters. Some names carry `<`, `&`, quotes and non-ASCII text so
//! every page's escaping is exercised.

use time::{Duration, OffsetDateTime};

use serde_json::json;

use super::orders::{new_order, preview_url};
use super::store::{timestamp as stamp, Org, Store};
use crate::domain::SubOrgId;
use crate::postgrid::models::{
    Addressee, Contact, Letter, OrderContact, Postcard, SubOrganization, Template, User,
};

const SUB_ORG_COUNT: usize = 64;

const NAMES: &[&str] = &[
    "Acme Dental Group",
    "Northwind Traders",
    "<script>alert('x')</script> Printing",
    "O'Brien & Daughters",
    "\"Quoted\" Mail Co",
    "Crème Brûlée Café",
    "Zürich Druck AG",
    "東京メール株式会社",
    "Blue Harbor Realty",
    "Maple Leaf Insurance",
    "Sunrise Pediatrics",
    "Copper Kettle Bakery",
];
const COUNTRIES: &[&str] = &["US", "CA", "GB", "DE", "FR", "JP", "AU", "CH"];
const PEOPLE: &[(&str, &str)] = &[
    ("Ada Lovelace", "ada"),
    ("Grace Hopper", "grace"),
    ("José Álvarez", "jose"),
    ("Mary <b>Bold</b> Jones", "mary"),
];

fn sub_org_id(n: usize) -> Option<SubOrgId> {
    SubOrgId::parse(&format!("sub_org_demo{n:04}")).ok()
}

pub fn demo(store: &mut Store) {
    let start = OffsetDateTime::now_utc() - Duration::days(400);
    // Inserted oldest first: the store lists newest first, as PostGrid does.
    for n in 1..=SUB_ORG_COUNT {
        let Some(id) = sub_org_id(n) else { continue };
        let created = start + Duration::days(n as i64 * 6);
        let base = NAMES[(n - 1) % NAMES.len()];
        let name = if n <= NAMES.len() {
            base.to_owned()
        } else {
            format!("{base} {n}")
        };
        let limit = [500, 1000, 2500, 10_000][n % 4];
        let usage = (n as i64 * 37) % (limit + 200);
        let sub_org = SubOrganization {
            id: id.clone(),
            object: "sub_org".to_owned(),
            name,
            country_code: COUNTRIES[n % COUNTRIES.len()].to_owned(),
            limit,
            usage,
            spend: usage * 87,
            created_at: stamp(created),
            updated_at: stamp(created + Duration::days(3)),
        };
        let users = (0..1 + n % 3)
            .map(|u| {
                let (person, handle) = PEOPLE[(n + u) % PEOPLE.len()];
                User {
                    id: format!("user_demo{n:04}{u}"),
                    email: format!("{handle}.{n}@customer{n}.example"),
                    name: person.to_owned(),
                    organization: id.to_string(),
                    pending_invite: u == 2,
                    roles: vec![if u == 0 { "role_admin" } else { "role_member" }.to_owned()],
                    verified_email: u != 2,
                    email_preferences: None,
                    last_login_time: (u != 2).then(|| stamp(created + Duration::days(30))),
                    phone_number: (u == 0).then(|| format!("+1 555 01{n:02}")),
                    previous_emails: (u == 1)
                        .then(|| vec![format!("old.{handle}@customer{n}.example")]),
                }
            })
            .collect();
        store.insert_sub_org(sub_org, users);
    }
    for n in [SUB_ORG_COUNT, SUB_ORG_COUNT - 1, SUB_ORG_COUNT - 2] {
        if let Some(id) = sub_org_id(n) {
            resources(
                store,
                &Org::Sub(id.to_string()),
                &format!("demo{n:04}"),
                start,
            );
        }
    }
    resources(store, &Org::Parent, "parent", start);
}

fn resources(store: &mut Store, org: &Org, tag: &str, at: OffsetDateTime) {
    let when = stamp(at + Duration::days(300));
    let contact = |id: String, first: &str, company: &str, city: &str| Contact {
        id,
        object: "contact".to_owned(),
        live: false,
        person: Addressee {
            first_name: Some(first.to_owned()),
            last_name: Some("Example".to_owned()),
            company_name: Some(company.to_owned()),
            email: Some(format!("{}@{tag}.example", first.to_lowercase())),
            address_line1: "20 Main Street".to_owned(),
            city: Some(city.to_owned()),
            province_or_state: Some("NY".to_owned()),
            postal_or_zip: Some("10001".to_owned()),
            country_code: "US".to_owned(),
            address_status: Some("verified".to_owned()),
            skip_verification: Some(false),
            force_verified_status: Some(false),
            description: Some(format!("{company} ({tag})")),
            metadata: Some(json!({"segment": "welcome"})),
            ..Addressee::default()
        },
        created_at: when.clone(),
        updated_at: when.clone(),
    };
    let to = contact(
        format!("contact_{tag}to"),
        "Riley",
        "Customer & Co",
        "New York",
    );
    let from = contact(
        format!("contact_{tag}from"),
        "Sam",
        "Sender <Ltd>",
        "Albany",
    );
    let template = Template {
        id: format!("template_{tag}welcome"),
        object: "template".to_owned(),
        live: false,
        description: Some(format!("Welcome letter ({tag})")),
        html: Some(
            "<p>Hello {{to.firstName}}, welcome aboard! Your plan: {{plan}}.</p>".to_owned(),
        ),
        metadata: Some(json!({"campaign": "onboarding"})),
        created_at: when.clone(),
        updated_at: when.clone(),
    };
    let order = |status: &str, description: &str, id: &str| {
        let mut order = new_order(&to, false, &when);
        order.status = status.to_owned();
        order.description = Some(description.to_owned());
        order.metadata = Some(json!({"campaign": "onboarding"}));
        order.merge_variables = Some(json!({"plan": "Standard"}));
        order.url = Some(preview_url(id));
        order.page_count = Some(1);
        if status == "processed_for_delivery" || status == "completed" {
            order.imb_status = Some("entered_mail_stream".to_owned());
            order.imb_date = Some(when.clone());
            order.imb_zip_code = Some("10001".to_owned());
        }
        order
    };
    let letter = |id: String, status: &str, description: &str| Letter {
        order: order(status, description, &id),
        id,
        object: "letter".to_owned(),
        from: OrderContact::from(&from),
        template: Some(template.id.clone()),
        html: None,
        size: Some("us_letter".to_owned()),
        color: Some(false),
        double_sided: Some(false),
        address_placement: Some("top_first_page".to_owned()),
        envelope: Some("standard".to_owned()),
    };
    let letters = [
        letter(
            format!("letter_{tag}mailed"),
            "completed",
            "Spring newsletter",
        ),
        letter(
            format!("letter_{tag}printing"),
            "printing",
            "Renewal notice",
        ),
        letter(
            format!("letter_{tag}first"),
            "ready",
            "First welcome letter",
        ),
    ];
    let postcard_id = format!("postcard_{tag}hello");
    let postcard = Postcard {
        order: order("processed_for_delivery", "Hello postcard", &postcard_id),
        id: postcard_id,
        object: "postcard".to_owned(),
        from: Some(OrderContact::from(&from)),
        size: Some("6x4".to_owned()),
        front_template: Some(template.id.clone()),
        back_template: Some(template.id.clone()),
    };
    store.insert_contact(org, to.clone());
    store.insert_contact(org, from.clone());
    store.insert_template(org, template.clone());
    for letter in letters {
        store.insert_letter(org, letter);
    }
    store.insert_postcard(org, postcard);
}
