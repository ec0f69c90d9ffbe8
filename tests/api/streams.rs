//! Streaming the audit log to a SIEM: a real syslog server (Debian's rsyslog, on a loopback port
//! with a configuration written here), over TCP and TLS, and a local HTTPS receiver for the
//! signed webhook. Receivers go away and come back, the portal restarts, two portals share one
//! database: every `seq` still arrives, in order, with no gap.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use suborg_portal::audit::{Action, NewEvent, Origin, Outcome};

use crate::helpers::TestApp;
use crate::instances::free_port;

const RSYSLOGD: &str = "/usr/sbin/rsyslogd";

/// A CA and a server certificate for 127.0.0.1 that it signed, made with openssl.
struct Certs {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

impl Certs {
    fn make(dir: &Path, name: &str) -> Self {
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir).expect("certificate directory");
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .expect("openssl runs (the test command installs it)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        run(&[
            &[
                "req",
                "-x509",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=test-ca",
            ][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ]
        .concat());
        run(&[
            &["req", "-nodes", "-subj", "/CN=127.0.0.1"][..],
            &ec,
            &["-keyout", "key.pem", "-out", "server.csr"],
        ]
        .concat());
        std::fs::write(
            dir.join("server.ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .expect("extensions written");
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ]);
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// One message as rsyslog parsed it.
#[derive(Debug)]
struct Received {
    app_name: String,
    msgid: String,
    seq: i64,
    event: Value,
}

/// rsyslog on a loopback port, writing what it parsed of each message to a file.
struct Rsyslog {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Rsyslog {
    fn start(dir: &Path, tls: Option<&Certs>) -> Self {
        assert!(
            Path::new(RSYSLOGD).exists(),
            "rsyslog is not installed (the test command installs it)"
        );
        let dir = dir.join("rsyslog");
        std::fs::create_dir_all(&dir).expect("rsyslog directory");
        let mut receiver = Self {
            dir,
            port: free_port(),
            child: None,
        };
        let driver = match tls {
            Some(certs) => format!(
                "global(defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"{}\" \
                 defaultNetstreamDriverCertFile=\"{}\" defaultNetstreamDriverKeyFile=\"{}\")\n\
                 module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\" \
                 streamDriver.authMode=\"anon\")\n",
                certs.ca.display(),
                certs.cert.display(),
                certs.key.display()
            ),
            None => "module(load=\"imtcp\")\n".to_owned(),
        };
        let config = format!(
            "global(workDirectory=\"{dir}\" maxMessageSize=\"64k\")\n{driver}\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{port}\")\n\
             template(name=\"fields\" type=\"string\" string=\"%app-name%|%msgid%|%structured-data%|%msg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{dir}/received.log\" template=\"fields\")\n",
            dir = receiver.dir.display(),
            port = receiver.port,
        );
        std::fs::write(receiver.dir.join("rsyslog.conf"), config).expect("config written");
        receiver.resume();
        receiver
    }

    /// Starts rsyslog (again) on the same port and file, and waits until it listens.
    fn resume(&mut self) {
        let child = Command::new(RSYSLOGD)
            .arg("-n")
            .arg("-f")
            .arg(self.dir.join("rsyslog.conf"))
            .arg("-i")
            .arg(self.dir.join("rsyslog.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsyslogd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "rsyslog does not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops rsyslog as its service would (SIGTERM: it writes what it took in, then exits).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
    }

    fn received(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(self.dir.join("received.log")).unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let mut parts = line.splitn(4, '|');
                let app_name = parts.next()?.to_owned();
                let msgid = parts.next()?.to_owned();
                let data = parts.next()?;
                let seq = data
                    .split("seq=\"")
                    .nth(1)?
                    .split('"')
                    .next()?
                    .parse()
                    .ok()?;
                let message = parts.next()?.trim_start_matches('\u{feff}');
                let event = serde_json::from_str(message).ok()?;
                Some(Received {
                    app_name,
                    msgid,
                    seq,
                    event,
                })
            })
            .collect()
    }

    /// Waits until every seq through `head` has arrived; returns what did.
    async fn wait_for(&self, head: i64) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let received = self.received();
            let seen: BTreeSet<i64> = received.iter().map(|r| r.seq).collect();
            if (1..=head).all(|seq| seen.contains(&seq)) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "rsyslog got {} distinct of {head} events",
                seen.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Writes `n` events through the portal's own log; returns the head after them.
async fn write_events(app: &TestApp, n: usize) -> i64 {
    let mut last = 0;
    for i in 0..n {
        let event = NewEvent::new(Action::AuditExported, Outcome::Ok, Origin::default())
            .detail(serde_json::json!({ "n": i, "name": "O'Brien & \"Daughters\" | <x>" }));
        last = app.state.audit.append(event).await.expect("appended").seq;
    }
    last
}

/// Every seq in `seqs` (as received, in order) is there once, ascending, from 1 through `head`;
/// a re-sent stretch after an outage (at least once) may repeat seqs already seen, but never
/// skips one.
fn assert_in_order_without_gaps(seqs: &[i64], head: i64) {
    let mut next = 1;
    for &seq in seqs {
        assert!(seq <= next, "seq {seq} arrived before {next}: {seqs:?}");
        if seq == next {
            next += 1;
        }
    }
    assert_eq!(next, head + 1, "every seq through {head} arrived");
}

#[tokio::test]
async fn syslog_over_tcp_delivers_every_event_in_order_across_an_outage_and_a_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut receiver = Rsyslog::start(dir.path(), None);
    let target = format!("tcp://127.0.0.1:{}", receiver.port);
    let db_url = crate::helpers::fresh_database_url(dir.path()).await;
    let app = TestApp::spawn_on(&db_url, &[("PORTAL_AUDIT_SYSLOG", &target)]).await;
    let head = write_events(&app, 40).await;
    let received = receiver.wait_for(head).await;
    for r in &received {
        assert_eq!(r.app_name, "suborg-portal", "rsyslog parsed RFC 5424");
        assert_eq!(r.msgid, r.event["action"], "MSGID is the action");
        assert_eq!(r.seq, r.event["seq"]);
    }
    let exported = app.audit_events().await;
    let first = received.iter().find(|r| r.seq == 1).expect("seq 1");
    assert_eq!(
        first.event, exported[0],
        "the message holds the event as exported"
    );

    // The receiver goes away; events keep coming; it comes back and gets them all.
    receiver.stop();
    let head = write_events(&app, 60).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut browser = app.signed_in(suborg_portal::auth::Role::Auditor).await;
    let page = browser.page("/audit/streams").await;
    assert!(page.contains(&target), "{page}");
    assert!(
        page.contains("cannot connect") || page.contains("closed the connection"),
        "the streams page says why delivery stalls: {page}"
    );
    receiver.resume();
    receiver.wait_for(head).await;

    // The portal restarts; what is written meanwhile goes out when it is back.
    app.stop().await;
    let app = TestApp::spawn_on(&db_url, &[]).await;
    let head = write_events(&app, 25).await;
    app.stop().await;
    let app = TestApp::spawn_on(&db_url, &[("PORTAL_AUDIT_SYSLOG", &target)]).await;
    let head = head.max(write_events(&app, 5).await);
    let received = receiver.wait_for(head).await;
    let seqs: Vec<i64> = received.iter().map(|r| r.seq).collect();
    assert_in_order_without_gaps(&seqs, head);
    let mut browser = app.signed_in(suborg_portal::auth::Role::Auditor).await;
    // The sign-in itself is an event: wait for it too before reading the page.
    let head = app.state.audit.head_seq().await.expect("head");
    receiver.wait_for(head).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = browser.page("/audit/streams").await;
    assert!(page.contains("Up to date"), "{page}");
    app.stop().await;
}

#[tokio::test]
async fn syslog_over_tls_trusts_only_the_configured_ca() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = Certs::make(dir.path(), "receiver");
    let other = Certs::make(dir.path(), "other");
    let receiver = Rsyslog::start(dir.path(), Some(&certs));
    let target = format!("tls://127.0.0.1:{}", receiver.port);

    let wrong_ca = other.ca.display().to_string();
    let distrusting = TestApp::spawn_with(&[
        ("PORTAL_AUDIT_SYSLOG", &target),
        ("PORTAL_AUDIT_SYSLOG_CA", &wrong_ca),
    ])
    .await;
    write_events(&distrusting, 3).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        receiver.received().is_empty(),
        "nothing goes to a receiver the CA did not sign"
    );
    let mut browser = distrusting
        .signed_in(suborg_portal::auth::Role::Admin)
        .await;
    let page = browser.page("/audit/streams").await;
    assert!(page.contains("TLS handshake failed"), "{page}");
    distrusting.stop().await;

    let ca = certs.ca.display().to_string();
    let app = TestApp::spawn_with(&[
        ("PORTAL_AUDIT_SYSLOG", &target),
        ("PORTAL_AUDIT_SYSLOG_CA", &ca),
    ])
    .await;
    let head = write_events(&app, 30).await;
    let received = receiver.wait_for(head).await;
    let seqs: Vec<i64> = received.iter().map(|r| r.seq).collect();
    assert_in_order_without_gaps(&seqs, head);
    app.stop().await;
}

#[tokio::test]
async fn two_portals_on_one_database_deliver_each_event_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let receiver = Rsyslog::start(dir.path(), None);
    let target = format!("tcp://127.0.0.1:{}", receiver.port);
    let db_url = crate::helpers::fresh_database_url(dir.path()).await;
    let one = TestApp::spawn_on(&db_url, &[("PORTAL_AUDIT_SYSLOG", &target)]).await;
    let two = TestApp::spawn_on(&db_url, &[("PORTAL_AUDIT_SYSLOG", &target)]).await;
    let (a, b) = tokio::join!(write_events(&one, 40), write_events(&two, 40));
    let head = a.max(b);
    let received = receiver.wait_for(head).await;
    let seqs: Vec<i64> = received.iter().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        (1..=head).collect::<Vec<_>>(),
        "one deliverer at a time: each seq once, in order"
    );
    // Whichever delivered stops; the other takes over where the cursor stands.
    one.stop().await;
    let head = write_events(&two, 20).await;
    let received = receiver.wait_for(head).await;
    let seqs: Vec<i64> = received.iter().map(|r| r.seq).collect();
    assert_in_order_without_gaps(&seqs, head);
    two.stop().await;
}

/// A local HTTPS receiver for the webhook: checks each batch's signature, keeps the events, and
/// answers 503 while it is "down".
struct WebhookReceiver {
    url: String,
    down: Arc<AtomicBool>,
    batches: Arc<Mutex<Vec<(bool, Value)>>>,
}

const WEBHOOK_SECRET: &str = "webhook-secret-for-the-tests-0123456789";

impl WebhookReceiver {
    async fn start(certs: &Certs) -> Self {
        use rustls_pki_types::pem::PemObject;
        use tokio_rustls::rustls;
        let chain = rustls_pki_types::CertificateDer::pem_file_iter(&certs.cert)
            .expect("certificate")
            .collect::<Result<Vec<_>, _>>()
            .expect("certificate");
        let key = rustls_pki_types::PrivateKeyDer::from_pem_file(&certs.key).expect("key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocols")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listens");
        let port = listener.local_addr().expect("address").port();
        let down = Arc::new(AtomicBool::new(false));
        let batches = Arc::new(Mutex::new(Vec::new()));
        let state = (down.clone(), batches.clone());
        let app = axum::Router::new()
            .route("/in", axum::routing::post(receive))
            .with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(TlsListener { listener, acceptor }, app).await;
        });
        Self {
            url: format!("https://127.0.0.1:{port}/in?token=not-for-pages"),
            down,
            batches,
        }
    }

    fn seqs(&self) -> Vec<i64> {
        let batches = self.batches.lock().expect("batches");
        batches
            .iter()
            .flat_map(|(_, body)| {
                body["events"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["seq"].as_i64())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

type ReceiverState = (Arc<AtomicBool>, Arc<Mutex<Vec<(bool, Value)>>>);

async fn receive(
    axum::extract::State((down, batches)): axum::extract::State<ReceiverState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    if down.load(Ordering::SeqCst) {
        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
    }
    let signed = headers
        .get("x-suborg-signature")
        .and_then(|v| v.to_str().ok())
        == Some(
            suborg_portal::audit::streams::webhook::signature(WEBHOOK_SECRET.as_bytes(), &body)
                .as_str(),
        );
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return axum::http::StatusCode::BAD_REQUEST;
    };
    batches.lock().expect("batches").push((signed, body));
    axum::http::StatusCode::NO_CONTENT
}

/// TCP with a TLS handshake on each connection, for axum to serve.
struct TlsListener {
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.listener.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

#[tokio::test]
async fn the_webhook_signs_batches_and_retries_until_the_receiver_takes_them() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let certs = Certs::make(dir.path(), "webhook");
    let receiver = WebhookReceiver::start(&certs).await;
    receiver.down.store(true, Ordering::SeqCst);
    let ca = certs.ca.display().to_string();
    let app = TestApp::spawn_with(&[
        ("PORTAL_AUDIT_WEBHOOK", &receiver.url),
        ("PORTAL_AUDIT_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("PORTAL_AUDIT_WEBHOOK_CA", &ca),
    ])
    .await;
    write_events(&app, 30).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut browser = app.signed_in(suborg_portal::auth::Role::Auditor).await;
    let page = browser.page("/audit/streams").await;
    assert!(page.contains("the receiver answered 503"), "{page}");
    assert!(
        !page.contains("not-for-pages"),
        "the webhook's query is never shown"
    );
    assert!(receiver.seqs().is_empty());

    receiver.down.store(false, Ordering::SeqCst);
    let head = write_events(&app, 30).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while !(1..=head).all(|seq| receiver.seqs().contains(&seq)) {
        assert!(Instant::now() < deadline, "got {:?}", receiver.seqs());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_in_order_without_gaps(&receiver.seqs(), head);
    let batches = receiver.batches.lock().expect("batches").clone();
    assert!(
        batches.iter().all(|(signed, _)| *signed),
        "every batch carries the body's HMAC"
    );
    let exported = app.audit_events().await;
    let first = batches[0].1["events"][0].clone();
    assert_eq!(first, exported[0], "events as exported");
    app.stop().await;
}
