//! The syslog sink: RFC 5424 messages over TCP, or TLS (RFC 5425), each framed by octet
//! counting (RFC 6587), the event as JSON in the message and its `seq` and hashes in
//! structured data, so the receiver can check that nothing is missing.
//!
//! Plain syslog has no acknowledgements. A batch counts as delivered once the connection is
//! seen still open a while after it was written (long enough for a reset from a receiver that
//! went away to arrive): otherwise everything since the last delivered batch is sent again on
//! a new connection. A receiver that takes messages in and then loses them before it stores
//! them is beyond what the protocol can tell; that is its own queue's business.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, pki_types::ServerName};

use super::settings::SyslogTarget;
use super::{Sink, SinkError};
use crate::audit::StoredEvent;

/// Facility 13, "log audit" (RFC 5424 §6.2.1).
const FACILITY_LOG_AUDIT: u8 = 13;
/// The structured data element's id: `name@number` with the example private enterprise
/// number of RFC 5612, as RFC 5424 §7.2.2 allows for elements nobody registered.
const SD_ID: &str = "suborg-portal@32473";
/// How long connecting, the TLS handshake, or writing one batch may take (together well
/// inside half a delivery lease).
const IO_TIMEOUT: Duration = Duration::from_secs(8);
/// How long after it was written a batch is confirmed by finding the connection still open.
const SETTLE_AFTER: Duration = Duration::from_millis(100);

trait Io: AsyncRead + AsyncWrite + Send + Sync + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin> Io for T {}

pub struct SyslogSink {
    target: SyslogTarget,
    tls: Option<tokio_rustls::TlsConnector>,
    hostname: String,
    procid: String,
    connection: Option<Box<dyn Io>>,
    /// The last `seq` of each batch written on this connection and not yet confirmed, with
    /// when it was written.
    unconfirmed: VecDeque<(i64, Instant)>,
    frames: Vec<u8>,
}

impl SyslogSink {
    pub fn new(target: SyslogTarget) -> Self {
        let tls = target.tls.as_ref().map(|roots| {
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map(|builder| {
                builder
                    .with_root_certificates(roots.clone())
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| unreachable!("ring supports the default protocol versions"));
            tokio_rustls::TlsConnector::from(Arc::new(config))
        });
        Self {
            target,
            tls,
            hostname: hostname(),
            procid: std::process::id().to_string(),
            connection: None,
            unconfirmed: VecDeque::new(),
            frames: Vec::with_capacity(256 * 1024),
        }
    }

    async fn connect(&self) -> Result<Box<dyn Io>, SinkError> {
        let address = (self.target.host.as_str(), self.target.port);
        let tcp = tokio::time::timeout(IO_TIMEOUT, TcpStream::connect(address))
            .await
            .map_err(|_| SinkError::new("connecting timed out"))?
            .map_err(|e| SinkError::new(format!("cannot connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let Some(tls) = &self.tls else {
            return Ok(Box::new(tcp));
        };
        let name = ServerName::try_from(self.target.host.clone())
            .map_err(|_| SinkError::new("the host is not a valid TLS server name"))?;
        let stream = tokio::time::timeout(IO_TIMEOUT, tls.connect(name, tcp))
            .await
            .map_err(|_| SinkError::new("the TLS handshake timed out"))?
            .map_err(|e| SinkError::new(format!("the TLS handshake failed: {e}")))?;
        Ok(Box::new(stream))
    }

    /// Whether the receiver has closed or reset the connection. A syslog receiver sends
    /// nothing, so anything readable now is the end of the stream or an error.
    fn receiver_gone(connection: &mut Box<dyn Io>) -> bool {
        let mut byte = [0u8; 64];
        match connection.read(&mut byte).now_or_never() {
            None => false,
            Some(Ok(0)) | Some(Err(_)) => true,
            Some(Ok(_)) => false,
        }
    }
}

#[async_trait::async_trait]
impl Sink for SyslogSink {
    async fn send(&mut self, events: &[StoredEvent]) -> Result<Option<i64>, SinkError> {
        let mut connection = match self.connection.take() {
            Some(mut connection) => {
                if Self::receiver_gone(&mut connection) {
                    self.unconfirmed.clear();
                    return Err(SinkError::new("the receiver closed the connection"));
                }
                connection
            }
            None => self.connect().await?,
        };
        // Batches written a while ago on this connection, which is still open, are delivered.
        let confirmed = self.settled_by(Instant::now());
        self.frames.clear();
        for event in events {
            frame(event, &self.hostname, &self.procid, &mut self.frames);
        }
        let written = tokio::time::timeout(IO_TIMEOUT, async {
            connection.write_all(&self.frames).await?;
            connection.flush().await
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(SinkError::new(format!("writing failed: {e}"))),
            Err(_) => return Err(SinkError::new("writing timed out")),
        }
        if let Some(last) = events.last() {
            self.unconfirmed.push_back((last.seq, Instant::now()));
        }
        self.connection = Some(connection);
        Ok(confirmed)
    }

    async fn settle(&mut self) -> Result<Option<i64>, SinkError> {
        let Some(&(_, newest)) = self.unconfirmed.back() else {
            return Ok(None);
        };
        tokio::time::sleep_until((newest + SETTLE_AFTER).into()).await;
        let open = self
            .connection
            .as_mut()
            .is_some_and(|connection| !Self::receiver_gone(connection));
        if open {
            Ok(self.settled_by(Instant::now()))
        } else {
            self.reset();
            Err(SinkError::new("the receiver closed the connection"))
        }
    }

    fn reset(&mut self) {
        self.connection = None;
        self.unconfirmed.clear();
    }
}

impl SyslogSink {
    /// Takes the batches written at least [`SETTLE_AFTER`] before `now` off the unconfirmed
    /// list (the connection having just been found open); returns the last one's `seq`.
    fn settled_by(&mut self, now: Instant) -> Option<i64> {
        let mut confirmed = None;
        while let Some(&(seq, written)) = self.unconfirmed.front() {
            if now.duration_since(written) < SETTLE_AFTER {
                break;
            }
            confirmed = Some(seq);
            self.unconfirmed.pop_front();
        }
        confirmed
    }
}

/// Appends `event` to `out` as one octet-counted RFC 5424 message.
pub fn frame(event: &StoredEvent, hostname: &str, procid: &str, out: &mut Vec<u8>) {
    let severity = match event.outcome.as_str() {
        "error" => 3,
        "denied" => 4,
        _ => 6,
    };
    let pri = FACILITY_LOG_AUDIT * 8 + severity;
    // Actions are short ASCII names; MSGID allows 32 printable characters.
    let msgid: String = event
        .action
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect();
    let msgid = if msgid.is_empty() {
        "-".to_owned()
    } else {
        msgid
    };
    // The parameter values are digits and hex, which need no escaping (RFC 5424 §6.3.3).
    let mut message = format!(
        "<{pri}>1 {at} {hostname} suborg-portal {procid} {msgid} [{SD_ID} seq=\"{seq}\" hash=\"{hash}\" prev_hash=\"{prev}\"] \u{feff}",
        at = event.at,
        seq = event.seq,
        hash = event.hash,
        prev = event.prev_hash,
    )
    .into_bytes();
    // A StoredEvent always serializes; should it not, the message still says which event.
    if serde_json::to_writer(&mut message, event).is_err() {
        message.extend_from_slice(b"{}");
    }
    out.extend_from_slice(message.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(&message);
}

/// This machine's name as RFC 5424's HOSTNAME allows it (printable ASCII, at most 255), or the
/// nil value.
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    if name.is_empty() || name.len() > 255 || !name.chars().all(|c| c.is_ascii_graphic()) {
        "-".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_confirmed_only_once_it_has_had_time_to_be_refused() {
        let mut sink = SyslogSink::new(SyslogTarget {
            host: "127.0.0.1".to_owned(),
            port: 1,
            tls: None,
        });
        let t0 = Instant::now();
        sink.unconfirmed.push_back((10, t0));
        sink.unconfirmed
            .push_back((20, t0 + Duration::from_millis(60)));
        assert_eq!(sink.settled_by(t0 + Duration::from_millis(50)), None);
        assert_eq!(sink.settled_by(t0 + Duration::from_millis(120)), Some(10));
        assert_eq!(sink.settled_by(t0 + Duration::from_millis(200)), Some(20));
        assert_eq!(sink.settled_by(t0 + Duration::from_millis(300)), None);
    }

    #[test]
    fn a_frame_is_octet_counted_rfc_5424_with_the_event_as_json() {
        let event: StoredEvent = serde_json::from_value(serde_json::json!({
            "seq": 7, "id": "e7", "at": "2026-12-02T21:04:05.123456Z",
            "action": "postgrid.request", "outcome": "denied", "actor_id": null,
            "actor_email": "ada@example.com", "actor_role": "admin", "sub_org_id": null,
            "impersonation_id": null, "reason": "O'Brien \"&\" ] Daughters", "call_id": null,
            "operation": null, "method": null, "upstream_path": null, "upstream_status": null,
            "upstream_request_id": null, "duration_ms": null, "client_ip": null,
            "user_agent": null, "request_id": null, "detail": {"a": 1},
            "prev_hash": "a".repeat(64), "hash": "b".repeat(64), "provider": null
        }))
        .expect("event");
        let mut out = Vec::new();
        frame(&event, "portal-1", "42", &mut out);
        frame(&event, "portal-1", "42", &mut out);
        let text = String::from_utf8(out).expect("utf-8");
        let (len, rest) = text.split_once(' ').expect("length, then a space");
        let len: usize = len.parse().expect("a decimal length");
        let message = &rest[..len];
        assert!(
            rest[len..].starts_with(&len.to_string()),
            "the next frame follows"
        );
        let expected_head = format!(
            "<108>1 2026-12-02T21:04:05.123456Z portal-1 suborg-portal 42 postgrid.request \
             [suborg-portal@32473 seq=\"7\" hash=\"{}\" prev_hash=\"{}\"] \u{feff}",
            "b".repeat(64),
            "a".repeat(64)
        );
        assert!(message.starts_with(&expected_head), "{message}");
        let json: serde_json::Value =
            serde_json::from_str(&message[expected_head.len()..]).expect("the event as JSON");
        assert_eq!(json["reason"], "O'Brien \"&\" ] Daughters");
        assert_eq!(json["detail"]["a"], 1);
    }
}
