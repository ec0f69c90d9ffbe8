//! Where the audit log streams to, read from the environment: `PORTAL_AUDIT_SYSLOG`
//! (`tcp://host:port` or `tls://host:port`, with `PORTAL_AUDIT_SYSLOG_CA` to trust a private
//! CA), and `PORTAL_AUDIT_WEBHOOK` (`https://…`) with `PORTAL_AUDIT_WEBHOOK_SECRET` (and
//! `PORTAL_AUDIT_WEBHOOK_CA`).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use secrecy::SecretString;
use url::Url;

use crate::config::ConfigError;

/// The shortest webhook secret accepted: a receiver checks signatures with it.
const MIN_SECRET_CHARS: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct StreamSettings {
    pub syslog: Option<SyslogTarget>,
    pub webhook: Option<WebhookTarget>,
}

#[derive(Debug, Clone)]
pub struct SyslogTarget {
    pub host: String,
    pub port: u16,
    /// `Some` for `tls://`: the anchors to trust (a private CA, or the public roots).
    pub tls: Option<Arc<tokio_rustls::rustls::RootCertStore>>,
}

impl fmt::Display for SyslogTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls.is_some() { "tls" } else { "tcp" };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// Its `Debug` shows the URL as [`WebhookTarget::shown`] does, and never the secret.
#[derive(Clone)]
pub struct WebhookTarget {
    pub url: Url,
    pub secret: SecretString,
    /// Certificates to trust beside the public roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
}

impl fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.shown())
            .field("secret", &"[redacted]")
            .field("extra_roots", &self.extra_roots.len())
            .finish()
    }
}

impl WebhookTarget {
    /// The URL as shown on pages and in errors: no credentials, no query.
    pub fn shown(&self) -> String {
        let mut url = self.url.clone();
        let _ = url.set_username("");
        let _ = url.set_password(None);
        url.set_query(None);
        url.set_fragment(None);
        url.to_string()
    }
}

impl StreamSettings {
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let syslog = match get("PORTAL_AUDIT_SYSLOG") {
            Some(raw) => Some(syslog_target(raw.trim(), get("PORTAL_AUDIT_SYSLOG_CA"))?),
            None if get("PORTAL_AUDIT_SYSLOG_CA").is_some() => {
                return Err(ConfigError::invalid(
                    "PORTAL_AUDIT_SYSLOG_CA",
                    "is set, but PORTAL_AUDIT_SYSLOG is not",
                ))
            }
            None => None,
        };
        let webhook = match get("PORTAL_AUDIT_WEBHOOK") {
            Some(raw) => Some(webhook_target(
                raw.trim(),
                get("PORTAL_AUDIT_WEBHOOK_SECRET"),
                get("PORTAL_AUDIT_WEBHOOK_CA"),
            )?),
            None => None,
        };
        Ok(Self { syslog, webhook })
    }

    pub fn is_empty(&self) -> bool {
        self.syslog.is_none() && self.webhook.is_none()
    }
}

fn syslog_target(raw: &str, ca: Option<String>) -> Result<SyslogTarget, ConfigError> {
    const NAME: &str = "PORTAL_AUDIT_SYSLOG";
    let shape = || ConfigError::invalid(NAME, "must be tcp://host:port or tls://host:port");
    let url = Url::parse(raw).map_err(|_| shape())?;
    let tls = match url.scheme() {
        "tcp" => false,
        "tls" => true,
        _ => return Err(shape()),
    };
    let (Some(host), Some(port)) = (url.host_str(), url.port()) else {
        return Err(shape());
    };
    if url.path() != "" && url.path() != "/" || url.query().is_some() || !url.username().is_empty()
    {
        return Err(shape());
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tls = match (tls, ca) {
        (false, Some(_)) => {
            return Err(ConfigError::invalid(
                "PORTAL_AUDIT_SYSLOG_CA",
                "applies to tls:// only; PORTAL_AUDIT_SYSLOG is tcp://",
            ))
        }
        (false, None) => None,
        (true, ca) => {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            match ca {
                Some(path) => {
                    for cert in certificates("PORTAL_AUDIT_SYSLOG_CA", path.trim())? {
                        roots.add(cert).map_err(|e| {
                            ConfigError::invalid("PORTAL_AUDIT_SYSLOG_CA", e.to_string())
                        })?;
                    }
                }
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            }
            Some(Arc::new(roots))
        }
    };
    Ok(SyslogTarget { host, port, tls })
}

fn webhook_target(
    raw: &str,
    secret: Option<String>,
    ca: Option<String>,
) -> Result<WebhookTarget, ConfigError> {
    const NAME: &str = "PORTAL_AUDIT_WEBHOOK";
    let url = Url::parse(raw)
        .ok()
        .filter(|u| u.scheme() == "https" && u.host_str().is_some())
        .ok_or_else(|| ConfigError::invalid(NAME, "must be an https:// URL"))?;
    let secret = secret.ok_or(ConfigError::Missing("PORTAL_AUDIT_WEBHOOK_SECRET"))?;
    if secret.trim().chars().count() < MIN_SECRET_CHARS {
        return Err(ConfigError::invalid(
            "PORTAL_AUDIT_WEBHOOK_SECRET",
            format!("must be at least {MIN_SECRET_CHARS} characters"),
        ));
    }
    let extra_roots = match ca {
        Some(path) => certificates("PORTAL_AUDIT_WEBHOOK_CA", path.trim())?,
        None => Vec::new(),
    };
    Ok(WebhookTarget {
        url,
        secret: SecretString::from(secret.trim().to_owned()),
        extra_roots,
    })
}

/// The certificates in the PEM file at `path`: at least one.
fn certificates(
    name: &'static str,
    path: &str,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let certs = CertificateDer::pem_file_iter(Path::new(path))
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| ConfigError::invalid(name, format!("cannot read {path}: {e}")))?;
    if certs.is_empty() {
        return Err(ConfigError::invalid(
            name,
            format!("{path} holds no PEM certificate"),
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<StreamSettings, ConfigError> {
        StreamSettings::from_lookup(&|name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn syslog_takes_tcp_or_tls_with_a_port() {
        let s = settings(&[("PORTAL_AUDIT_SYSLOG", "tcp://127.0.0.1:6514")]).expect("tcp");
        let target = s.syslog.expect("syslog");
        assert_eq!(target.to_string(), "tcp://127.0.0.1:6514");
        assert!(target.tls.is_none());
        let s = settings(&[("PORTAL_AUDIT_SYSLOG", "tls://siem.example:6514")]).expect("tls");
        assert!(s.syslog.expect("syslog").tls.is_some(), "public roots");
        for bad in [
            "udp://127.0.0.1:514",
            "tcp://127.0.0.1",
            "127.0.0.1:514",
            "tcp://u:p@h:1",
        ] {
            let err = settings(&[("PORTAL_AUDIT_SYSLOG", bad)]).err();
            assert!(
                err.is_some_and(|e| e.to_string().contains("PORTAL_AUDIT_SYSLOG")),
                "{bad}"
            );
        }
        let err = settings(&[
            ("PORTAL_AUDIT_SYSLOG", "tcp://127.0.0.1:514"),
            ("PORTAL_AUDIT_SYSLOG_CA", "/nonexistent.pem"),
        ])
        .err();
        assert!(err.is_some_and(|e| e.to_string().contains("tls:// only")));
    }

    #[test]
    fn a_webhook_is_https_with_a_long_secret() {
        let secret = "s".repeat(MIN_SECRET_CHARS);
        let s = settings(&[
            (
                "PORTAL_AUDIT_WEBHOOK",
                "https://user:pw@siem.example/in?token=x",
            ),
            ("PORTAL_AUDIT_WEBHOOK_SECRET", &secret),
        ])
        .expect("webhook");
        assert_eq!(
            s.webhook.expect("webhook").shown(),
            "https://siem.example/in",
            "credentials and query are never shown"
        );
        let plain = settings(&[
            ("PORTAL_AUDIT_WEBHOOK", "http://siem.example/in"),
            ("PORTAL_AUDIT_WEBHOOK_SECRET", &secret),
        ]);
        assert!(plain.is_err(), "https only");
        let short = settings(&[
            ("PORTAL_AUDIT_WEBHOOK", "https://siem.example/in"),
            ("PORTAL_AUDIT_WEBHOOK_SECRET", "short"),
        ]);
        assert!(short.is_err());
        let missing = settings(&[("PORTAL_AUDIT_WEBHOOK", "https://siem.example/in")]);
        assert!(matches!(
            missing.err(),
            Some(ConfigError::Missing("PORTAL_AUDIT_WEBHOOK_SECRET"))
        ));
    }
}
