//! The SendGrid clients against the simulator: scoping by `on-behalf-of`, paging, retries,
//! faults and the audit seam.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use secrecy::SecretString;

use super::sim::{Simulator, DEMO_SUBUSER};
use super::*;
use crate::postgrid::sim::{Fault, Seed};
use crate::postgrid::ClientOptions;
use crate::upstream::{AttemptRecord, NotRecorded, OutcomeRecord, Recorder, Unobserved};

const KEY: &str = "SG.contract";

struct Refusing;

impl Recorder for Refusing {
    fn before_send<'a>(
        &'a self,
        _attempt: &'a AttemptRecord<'a>,
    ) -> BoxFuture<'a, Result<(), NotRecorded>> {
        Box::pin(async { Err(NotRecorded("refused by the test".to_owned())) })
    }

    fn after_attempt<'a>(
        &'a self,
        _attempt: &'a AttemptRecord<'a>,
        _outcome: &'a OutcomeRecord,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
}

async fn harness() -> (Arc<Simulator>, Arc<Transport>) {
    let sim = Simulator::new(Some(KEY.to_owned()), Seed::Demo);
    let addr = sim
        .spawn(([127, 0, 0, 1], 0).into())
        .await
        .expect("listens");
    let options = ClientOptions {
        backoff_base: Duration::from_millis(1),
        ..ClientOptions::default()
    };
    let url = url::Url::parse(&format!("http://{addr}")).expect("url");
    let transport = Transport::new(url, SecretString::from(KEY.to_owned()), options).expect("t");
    (sim, Arc::new(transport))
}

fn acting(transport: &Arc<Transport>, who: &str, write: bool) -> ActingClient {
    let account = Account::parse(who).expect("account");
    let allows: fn(ActingOperation) -> bool = if write {
        |_| true
    } else {
        |op| op.spec().method == reqwest::Method::GET
    };
    ActingClient::new(
        transport.clone(),
        Arc::new(Unobserved),
        ActingContext::new(account, allows),
    )
}

#[tokio::test]
async fn subusers_page_until_a_short_page() {
    let (_, transport) = harness().await;
    let parent = ParentClient::new(transport, Arc::new(Unobserved));
    let first = parent
        .list_subusers(&Page::new(20, 0, None))
        .await
        .expect("page");
    assert_eq!(first.len(), 20);
    assert!(Page::new(20, 0, None).has_next(first.len()));
    let second = parent
        .list_subusers(&Page::new(20, 20, None))
        .await
        .expect("page");
    assert_eq!(second.len(), 15);
    assert!(!Page::new(20, 20, None).has_next(second.len()));
    assert_eq!(
        first[0].region.as_deref(),
        Some("global"),
        "include_region is asked for"
    );
    let name = Username::parse(DEMO_SUBUSER).expect("name");
    assert_eq!(parent.find_subuser(&name).await.expect("found").id, 1001);
    let missing = Username::parse("acme").expect("name");
    assert!(
        matches!(
            parent.find_subuser(&missing).await,
            Err(SendgridError::NotFound { .. })
        ),
        "a prefix is not the subuser"
    );
}

#[tokio::test]
async fn each_sub_account_sees_only_its_own_lists_and_an_unknown_one_is_refused() {
    let (sim, transport) = harness().await;
    let page = Page::default();
    let acme = acting(&transport, DEMO_SUBUSER, false)
        .suppressions(SuppressionKind::Bounces, &page)
        .await
        .expect("acme");
    let globex = acting(&transport, "globex.eu", false)
        .suppressions(SuppressionKind::Bounces, &page)
        .await
        .expect("globex");
    assert!(acme.iter().all(|s| s.email.contains("acme")));
    assert!(globex.iter().all(|s| s.email.contains("globex")));
    let stranger = acting(&transport, "not-ours", false)
        .suppressions(SuppressionKind::Bounces, &page)
        .await;
    assert!(
        matches!(stranger, Err(SendgridError::Forbidden { .. })),
        "{stranger:?}"
    );
    let seen: Vec<_> = sim.seen().into_iter().map(|s| s.on_behalf_of).collect();
    assert_eq!(
        seen,
        [
            Some(DEMO_SUBUSER.to_owned()),
            Some("globex.eu".to_owned()),
            Some("not-ours".to_owned())
        ]
    );
}

#[tokio::test]
async fn reads_are_retried_after_a_503_and_writes_are_not() {
    let (sim, transport) = harness().await;
    let client = acting(&transport, DEMO_SUBUSER, true);
    sim.inject(Fault::on("/v3/senders").status(503).times(1));
    assert!(client.senders().await.is_ok(), "the second try succeeds");
    sim.inject(Fault::on("/v3/suppression/bounces/").status(503).times(1));
    let removed = client
        .remove_suppression(SuppressionKind::Bounces, "bounced01@acme-customers.example")
        .await;
    assert_eq!(
        removed,
        Err(SendgridError::Unavailable { status: Some(503) })
    );
    let deletes = sim.seen().iter().filter(|s| s.method == "DELETE").count();
    assert_eq!(deletes, 1, "a write is sent once");
    sim.inject(
        Fault::on("/v3/suppression/bounces/")
            .drop_connection()
            .times(1),
    );
    let dropped = client
        .remove_suppression(SuppressionKind::Bounces, "bounced01@acme-customers.example")
        .await;
    assert_eq!(dropped, Err(SendgridError::OutcomeUnknown));
    sim.inject(Fault::on("/v3/templates").malformed().times(3));
    assert!(matches!(
        client.templates(None).await,
        Err(SendgridError::UnreadableResponse { status: 200 })
    ));
}

#[tokio::test]
async fn read_only_and_unrecorded_calls_are_never_sent() {
    let (sim, transport) = harness().await;
    let reader = acting(&transport, DEMO_SUBUSER, false);
    assert_eq!(
        reader
            .activate_version(
                &super::sim::template_id(super::sim::ACME, 1),
                &super::sim::version_id(super::sim::ACME, 1, 2)
            )
            .await,
        Err(SendgridError::NotAllowed)
    );
    let unrecorded = ParentClient::new(transport, Arc::new(Refusing));
    assert_eq!(
        unrecorded.list_subusers(&Page::default()).await,
        Err(SendgridError::NotRecorded)
    );
    assert_eq!(sim.request_count(), 0);
}

#[tokio::test]
async fn the_wrong_key_is_named_as_the_key() {
    let (sim, _) = harness().await;
    let url = url::Url::parse(&format!(
        "http://{}",
        sim.spawn(([127, 0, 0, 1], 0).into())
            .await
            .expect("listens")
    ))
    .expect("url");
    let wrong = Transport::new(
        url,
        SecretString::from("SG.wrong".to_owned()),
        ClientOptions::default(),
    )
    .expect("t");
    let parent = ParentClient::new(Arc::new(wrong), Arc::new(Unobserved));
    assert_eq!(
        parent.list_subusers(&Page::default()).await,
        Err(SendgridError::InvalidKey)
    );
}
