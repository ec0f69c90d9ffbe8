//! Every client method against the simulator, success and each error class, plus retries,
//! faults, pagination and isolation between organizations.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::SecretString;

use super::models::{Addressee, NewContact, NewLetter, NewSubOrganization, TemplateFields};
use super::sim::{Fault, Seed, Simulator, BASE_PATH};
use super::*;
use crate::domain::SubOrgId;

/// What the observer saw of each attempt.
#[derive(Debug, Clone)]
struct Seen {
    operation: &'static str,
    number: u32,
    org: Option<String>,
    status: Option<u16>,
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
    refuse: bool,
}

impl Recorder {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl crate::upstream::Recorder for Recorder {
    fn before_send<'a>(
        &'a self,
        _attempt: &'a crate::upstream::AttemptRecord<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>> {
        Box::pin(async move {
            if self.refuse {
                Err(NotRecorded("refused by the test".to_owned()))
            } else {
                Ok(())
            }
        })
    }

    fn after_attempt<'a>(
        &'a self,
        attempt: &'a crate::upstream::AttemptRecord<'a>,
        outcome: &'a crate::upstream::OutcomeRecord,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Ok(mut seen) = self.seen.lock() {
                seen.push(Seen {
                    operation: attempt.operation,
                    number: attempt.number,
                    org: attempt.acting_for.clone(),
                    status: outcome.status,
                });
            }
        })
    }
}

struct Harness {
    sim: Arc<Simulator>,
    transport: Arc<Transport>,
    recorder: Arc<Recorder>,
}

const KEY: &str = "test_sk_contract";
/// Every delegated operation, so the contract tests reach each one.
fn everything(_: OrgOperation) -> bool {
    true
}

async fn harness_with(seed: Seed, key: &str, timeout: Duration, refuse: bool) -> Harness {
    let sim = Simulator::new(Some(KEY.to_owned()), seed);
    let addr = sim
        .spawn(([127, 0, 0, 1], 0).into())
        .await
        .expect("simulator listens");
    let base = url::Url::parse(&format!("http://{addr}{BASE_PATH}")).expect("url");
    let options = ClientOptions {
        connect_timeout: Duration::from_secs(2),
        timeout,
        max_retries: 2,
        backoff_base: Duration::from_millis(5),
        retry_after_cap: Duration::from_secs(2),
    };
    let transport = Arc::new(
        Transport::new(base, SecretString::from(key.to_owned()), options).expect("client"),
    );
    let recorder = Arc::new(Recorder {
        refuse,
        ..Recorder::default()
    });
    Harness {
        sim,
        transport,
        recorder,
    }
}

async fn harness() -> Harness {
    harness_with(Seed::Demo, KEY, Duration::from_secs(5), false).await
}

impl Harness {
    fn parent(&self) -> ParentClient {
        ParentClient::new(self.transport.clone(), self.recorder.clone())
    }

    fn org(&self, id: &str) -> OrgClient {
        let id = SubOrgId::parse(id).expect("valid id");
        OrgClient::new(
            self.transport.clone(),
            self.recorder.clone(),
            OrgContext::new(id, everything),
        )
    }
}

fn sub_org(n: u32) -> SubOrgId {
    SubOrgId::parse(&format!("sub_org_demo{n:04}")).expect("valid id")
}

fn new_sub_org() -> NewSubOrganization {
    NewSubOrganization {
        organization_name: "Contract Test Org".to_owned(),
        name: "Casey Tester".to_owned(),
        email: "casey@contract.example".to_owned(),
        password: "a-strong-password".to_owned(),
        country_code: "CA".to_owned(),
        phone_number: None,
    }
}

// --- parent client ---

#[tokio::test]
async fn parent_client_lists_gets_and_lists_users_without_an_org_header() {
    let h = harness().await;
    let parent = h.parent();
    let list = parent.list_sub_orgs(&Page::default()).await.expect("list");
    assert_eq!(list.data.len(), 10);
    assert!(list.total_count >= 60);
    let one = parent.get_sub_org(&list.data[0].id).await.expect("get");
    assert_eq!(one, list.data[0]);
    let users = parent
        .list_sub_org_users(&one.id, &Page::default())
        .await
        .expect("users");
    assert!(!users.is_empty());
    assert!(users.iter().all(|u| u.organization == one.id.as_str()));
    assert!(h.recorder.seen().iter().all(|s| s.org.is_none()));
}

#[tokio::test]
async fn search_narrows_the_sub_org_list() {
    let h = harness().await;
    let page = Page::new(100, 0, Some("zürich".to_owned()));
    let list = h.parent().list_sub_orgs(&page).await.expect("list");
    assert!(list.total_count >= 1);
    assert!(list
        .data
        .iter()
        .all(|s| s.name.to_lowercase().contains("zürich")));
    let structured = Page::new(100, 0, Some(r#"{"countryCode": "JP"}"#.to_owned()));
    let list = h.parent().list_sub_orgs(&structured).await.expect("list");
    assert!(!list.data.is_empty());
    assert!(list.data.iter().all(|s| s.country_code == "JP"));
}

#[tokio::test]
async fn create_sub_org_answers_the_new_org_and_repeats_with_the_same_key_create_nothing() {
    let h = harness().await;
    let parent = h.parent();
    let before = parent
        .list_sub_orgs(&Page::default())
        .await
        .expect("list")
        .total_count;
    let first = parent
        .create_sub_org(&new_sub_org(), "form-token-1")
        .await
        .expect("created");
    assert_eq!(first.sub_organization.name, "Contract Test Org");
    assert_eq!(first.user.email, "casey@contract.example");
    let again = parent
        .create_sub_org(&new_sub_org(), "form-token-1")
        .await
        .expect("replayed");
    assert_eq!(again.sub_organization.id, first.sub_organization.id);
    let after = parent
        .list_sub_orgs(&Page::default())
        .await
        .expect("list")
        .total_count;
    assert_eq!(after, before + 1);
    let newest = parent
        .list_sub_orgs(&Page::new(1, 0, None))
        .await
        .expect("list");
    assert_eq!(newest.data[0].id, first.sub_organization.id, "newest first");
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let h = harness().await;
    for (mutate, field) in [
        (
            Box::new(|n: &mut NewSubOrganization| n.email = "nope".into())
                as Box<dyn Fn(&mut NewSubOrganization)>,
            "email",
        ),
        (
            Box::new(|n: &mut NewSubOrganization| n.country_code = "Canada".into()),
            "countryCode",
        ),
        (
            Box::new(|n: &mut NewSubOrganization| n.organization_name = " ".into()),
            "organizationName",
        ),
    ] {
        let mut new = new_sub_org();
        mutate(&mut new);
        let err = h
            .parent()
            .create_sub_org(&new, &uuid::Uuid::new_v4().to_string())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, PostgridError::Validation { field: Some(f), .. } if f == field),
            "{field}: {err:?}"
        );
    }
}

#[tokio::test]
async fn unknown_sub_org_is_not_found_and_a_wrong_key_is_invalid() {
    let h = harness().await;
    let err = h
        .parent()
        .get_sub_org(&SubOrgId::parse("sub_org_missing").expect("id"))
        .await
        .unwrap_err();
    assert!(matches!(err, PostgridError::NotFound { .. }), "{err:?}");

    let wrong = harness_with(Seed::Empty, "test_sk_wrong", Duration::from_secs(5), false).await;
    // The simulator of `wrong` accepts only KEY; this client sends another one.
    let err = wrong
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::InvalidKey);
    assert!(!format!("{err:?} {}", err.user_message()).contains("test_sk_wrong"));
}

#[tokio::test]
async fn the_api_key_never_shows_in_debug_output() {
    let h = harness().await;
    let debug = format!("{:?}", h.transport);
    assert!(!debug.contains(KEY), "{debug}");
}

// --- org-scoped client ---

#[tokio::test]
async fn org_client_always_sends_the_org_header() {
    let h = harness().await;
    let id = sub_org(64);
    let org = h.org(id.as_str());
    let contacts = org.list_contacts(&Page::default()).await.expect("contacts");
    assert!(!contacts.data.is_empty());
    let contact = org
        .get_contact(&contacts.data[0].id)
        .await
        .expect("contact");
    assert_eq!(contact.id, contacts.data[0].id);
    let templates = org
        .list_templates(&Page::default())
        .await
        .expect("templates");
    org.get_template(&templates.data[0].id)
        .await
        .expect("template");
    let letters = org.list_letters(&Page::default()).await.expect("letters");
    org.get_letter(&letters.data[0].id).await.expect("letter");
    let seen = h.recorder.seen();
    assert_eq!(
        seen.iter().map(|s| s.operation).collect::<Vec<_>>(),
        [
            "contacts.list",
            "contacts.get",
            "templates.list",
            "templates.get",
            "letters.list",
            "letters.get"
        ]
    );
    assert!(
        seen.iter().all(|s| s.org.as_deref() == Some(id.as_str())),
        "{seen:?}"
    );
}

#[tokio::test]
async fn org_client_creates_updates_and_cancels() {
    let h = harness().await;
    let org = h.org(sub_org(63).as_str());
    let contact = |first: &str| NewContact {
        person: Addressee {
            first_name: Some(first.to_owned()),
            address_line1: "1 Test Road".to_owned(),
            country_code: "US".to_owned(),
            ..Addressee::default()
        },
    };
    let to = org
        .create_contact(&contact("Tara"), "k-to")
        .await
        .expect("to");
    let from = org
        .create_contact(&contact("Finn"), "k-from")
        .await
        .expect("from");
    let template = org
        .create_template(
            &TemplateFields {
                description: Some("Contract".to_owned()),
                html: Some("<p>Hi {{to.firstName}}</p>".to_owned()),
                metadata: None,
            },
            "k-template",
        )
        .await
        .expect("template");
    let updated = org
        .update_template(
            &template.id,
            &TemplateFields {
                description: Some("Renamed".to_owned()),
                ..TemplateFields::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.description.as_deref(), Some("Renamed"));
    assert_eq!(updated.html, template.html);
    let letter = org
        .create_letter(
            &NewLetter {
                to: to.id,
                from: from.id,
                template: Some(template.id),
                ..NewLetter::default()
            },
            "k-letter",
        )
        .await
        .expect("letter");
    assert_eq!(letter.order.status, "ready");
    let cancelled = org
        .cancel_letter(&letter.id, "Wrong address")
        .await
        .expect("cancel");
    assert_eq!(cancelled.order.status, "cancelled");
    let cancellation = cancelled.order.cancellation.expect("cancellation");
    assert_eq!(cancellation.note.as_deref(), Some("Wrong address"));
    let again = org.cancel_letter(&letter.id, "again").await.unwrap_err();
    assert!(
        matches!(again, PostgridError::Rejected { status: 422, .. }),
        "{again:?}"
    );
    let invalid = org
        .create_contact(&NewContact::default(), "k-invalid")
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, PostgridError::Validation { field: Some(_), .. }),
        "{invalid:?}"
    );
}

#[tokio::test]
async fn a_foreign_org_is_forbidden() {
    let h = harness().await;
    let err = h
        .org("sub_org_notachild")
        .list_contacts(&Page::default())
        .await
        .unwrap_err();
    assert!(matches!(err, PostgridError::Forbidden { .. }), "{err:?}");
}

// --- isolation ---

#[tokio::test]
async fn organizations_cannot_see_each_others_resources() {
    let h = harness().await;
    let a = h.org(sub_org(64).as_str());
    let b = h.org(sub_org(63).as_str());
    let a_contact = a.list_contacts(&Page::default()).await.expect("a").data[0]
        .id
        .clone();
    let b_contacts = b.list_contacts(&Page::new(100, 0, None)).await.expect("b");
    assert!(b_contacts.data.iter().all(|c| c.id != a_contact));
    assert!(matches!(
        b.get_contact(&a_contact).await,
        Err(PostgridError::NotFound { .. })
    ));

    // The parent's own contacts are not visible inside a sub-org, nor the sub-org's from the parent.
    assert!(matches!(
        a.get_contact("contact_parentto").await,
        Err(PostgridError::NotFound { .. })
    ));
    let parent_list: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/contacts?limit=100", h.transport.base_url()))
        .header("x-api-key", KEY)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let ids: Vec<&str> = parent_list["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(ids.contains(&"contact_parentto"), "{ids:?}");
    assert!(!ids.contains(&a_contact.as_str()), "{ids:?}");
}

#[tokio::test]
async fn letters_refuse_references_from_another_organization() {
    let h = harness().await;
    let a = h.org(sub_org(64).as_str());
    let own = a
        .list_contacts(&Page::default())
        .await
        .expect("contacts")
        .data;
    let own_template = a
        .list_templates(&Page::default())
        .await
        .expect("templates")
        .data[0]
        .id
        .clone();
    let foreign_contact = "contact_demo0063to".to_owned();
    let foreign_template = "template_parentwelcome".to_owned();
    for (letter, field) in [
        (
            NewLetter {
                to: foreign_contact.clone(),
                from: own[0].id.clone(),
                template: Some(own_template.clone()),
                ..NewLetter::default()
            },
            "to",
        ),
        (
            NewLetter {
                to: own[0].id.clone(),
                from: foreign_contact,
                template: Some(own_template),
                ..NewLetter::default()
            },
            "from",
        ),
        (
            NewLetter {
                to: own[0].id.clone(),
                from: own[1].id.clone(),
                template: Some(foreign_template),
                ..NewLetter::default()
            },
            "template",
        ),
    ] {
        let err = a.create_letter(&letter, field).await.unwrap_err();
        let named = match field {
            "template" => letter.template.clone().unwrap_or_default(),
            "to" => letter.to.clone(),
            _ => letter.from.clone(),
        };
        match err {
            PostgridError::NotFound { message } => assert!(message.contains(&named), "{message}"),
            other => panic!("{field}: {other:?}"),
        }
    }
}

// --- pagination ---

#[tokio::test]
async fn walking_pages_visits_every_sub_org_exactly_once_whatever_the_page_size() {
    let h = harness().await;
    let parent = h.parent();
    let total = parent
        .list_sub_orgs(&Page::default())
        .await
        .expect("list")
        .total_count as usize;
    for size in [1, 2, 3, 7, 10, 13, 32, 63, 64, 65, 100] {
        let mut seen = Vec::new();
        let mut skip = 0;
        loop {
            let page = parent
                .list_sub_orgs(&Page::new(size, skip, None))
                .await
                .expect("page");
            assert!(page.data.len() <= size as usize);
            skip += page.data.len() as u32;
            seen.extend(page.data.into_iter().map(|s| s.id));
            if skip >= page.total_count || seen.len() > total {
                break;
            }
        }
        let mut unique = seen.clone();
        unique.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        unique.dedup();
        assert_eq!(seen.len(), total, "size {size}");
        assert_eq!(unique.len(), total, "size {size}: duplicates");
    }
}

// --- faults and retries ---

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let h = harness().await;
    h.sim.inject(
        Fault::on("/sub_organizations")
            .method("GET")
            .status(429)
            .retry_after(1)
            .times(1),
    );
    let list = h
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .expect("retried");
    assert!(!list.data.is_empty());
    let seen = h.recorder.seen();
    assert_eq!(
        seen.iter()
            .map(|s| (s.number, s.status))
            .collect::<Vec<_>>(),
        vec![(0, Some(429)), (1, Some(200))]
    );
    assert_eq!(h.sim.request_count(), 2);
}

#[test]
fn the_wait_before_a_retry_honours_retry_after_up_to_the_cap() {
    let options = ClientOptions {
        retry_after_cap: Duration::from_secs(10),
        backoff_base: Duration::from_millis(100),
        ..ClientOptions::default()
    };
    let transport = Transport::new(
        url::Url::parse("http://127.0.0.1:9/").expect("url"),
        SecretString::from("test_x".to_owned()),
        options,
    )
    .expect("client");
    let limited = |secs| PostgridError::RateLimited {
        retry_after: Some(Duration::from_secs(secs)),
    };
    assert_eq!(
        transport.wait_before_retry(0, &limited(3)),
        Duration::from_secs(3)
    );
    assert_eq!(
        transport.wait_before_retry(0, &limited(600)),
        Duration::from_secs(10)
    );
    let backoff = transport.wait_before_retry(1, &PostgridError::Unavailable { status: Some(503) });
    assert!(
        backoff >= Duration::from_millis(100) && backoff <= Duration::from_millis(200),
        "{backoff:?}"
    );
}

#[tokio::test]
async fn a_503_twice_then_success_succeeds() {
    let h = harness().await;
    h.sim
        .inject(Fault::on("/sub_organizations").status(503).times(2));
    h.parent()
        .list_sub_orgs(&Page::default())
        .await
        .expect("third try succeeds");
    assert_eq!(h.sim.request_count(), 3);
}

#[tokio::test]
async fn a_503_forever_ends_as_unavailable_after_bounded_retries() {
    let h = harness().await;
    h.sim.inject(Fault::on("/sub_organizations").status(503));
    let err = h
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::Unavailable { status: Some(503) });
    assert_eq!(h.sim.request_count(), 3, "one try and two retries");
}

#[tokio::test]
async fn a_post_that_times_out_is_not_retried_and_its_outcome_is_unknown() {
    let h = harness_with(Seed::Demo, KEY, Duration::from_millis(300), false).await;
    h.sim.inject(
        Fault::on("/sub_organizations")
            .method("POST")
            .latency(Duration::from_secs(2)),
    );
    let err = h
        .parent()
        .create_sub_org(&new_sub_org(), "token-timeout")
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::OutcomeUnknown);
    assert_eq!(h.sim.request_count(), 1);
}

#[tokio::test]
async fn a_post_is_never_retried_on_a_503() {
    let h = harness().await;
    h.sim
        .inject(Fault::on("/sub_organizations").method("POST").status(503));
    let err = h
        .parent()
        .create_sub_org(&new_sub_org(), "token-503")
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::Unavailable { status: Some(503) });
    assert_eq!(h.sim.request_count(), 1);
}

#[tokio::test]
async fn malformed_json_is_an_unreadable_response() {
    let h = harness().await;
    h.sim.inject(Fault::on("/sub_organizations").malformed());
    let err = h
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::UnreadableResponse { status: 200 });
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads_and_unknown_for_writes() {
    let h = harness().await;
    h.sim.inject(
        Fault::on("/sub_organizations")
            .method("GET")
            .drop_connection()
            .times(1),
    );
    h.parent()
        .list_sub_orgs(&Page::default())
        .await
        .expect("retried after the drop");
    assert_eq!(h.sim.request_count(), 2);

    h.sim
        .inject(Fault::on("/contacts").method("POST").drop_connection());
    let err = h
        .org(sub_org(64).as_str())
        .create_contact(
            &NewContact {
                person: Addressee {
                    first_name: Some("X".into()),
                    address_line1: "1 Road".into(),
                    country_code: "US".into(),
                    ..Addressee::default()
                },
            },
            "k-dropped",
        )
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::OutcomeUnknown);
}

#[tokio::test]
async fn a_rate_limit_that_persists_ends_as_rate_limited() {
    let h = harness().await;
    h.sim
        .inject(Fault::on("/sub_organizations").status(429).retry_after(0));
    let err = h
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PostgridError::RateLimited {
            retry_after: Some(Duration::ZERO)
        }
    );
}

#[tokio::test]
async fn a_call_the_observer_refuses_is_never_sent() {
    let h = harness_with(Seed::Demo, KEY, Duration::from_secs(5), true).await;
    let err = h
        .parent()
        .list_sub_orgs(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::NotRecorded);
    assert_eq!(h.sim.request_count(), 0);
}

#[tokio::test]
async fn an_operation_outside_the_context_is_never_sent() {
    let h = harness().await;
    let id = sub_org(64);
    let read_only = OrgClient::new(
        h.transport.clone(),
        h.recorder.clone(),
        OrgContext::new(id, |op| op == OrgOperation::ContactsList),
    );
    let err = read_only
        .list_templates(&Page::default())
        .await
        .unwrap_err();
    assert_eq!(err, PostgridError::NotAllowed);
    assert_eq!(h.sim.request_count(), 0);
    assert!(h.recorder.seen().is_empty());
}
