//! Typed configuration, read once from the environment and validated at start.
//!
//! Every problem is reported as one line naming the variable, so an operator can fix a
//! deployment from the first error message.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretBox, SecretString};
use url::Url;

pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_POSTGRID_BASE_URL: &str = "https://api.postgrid.com/print-mail/v1";
pub const DEFAULT_DASHBOARD_URL: &str = "https://dashboard.postgrid.com/login/impersonate";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/portal.db";
pub const DEFAULT_IMPERSONATION_MAX_MINUTES: u32 = 60;
/// An HMAC-SHA256 key shorter than this offers less than the hash's strength.
pub const MIN_AUDIT_KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is required but not set")]
    Missing(&'static str),
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl ConfigError {
    pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            name,
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Whether PostGrid's key is a sandbox (`test_`) or a real (`live_`) key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgridMode {
    Test,
    Live,
}

impl PostgridMode {
    pub fn of_key(key: &str) -> Option<Self> {
        if key.starts_with("test_") {
            Some(Self::Test)
        } else if key.starts_with("live_") {
            Some(Self::Live)
        } else {
            None
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Test => "test mode",
            Self::Live => "live mode",
        }
    }
}

/// The key that signs the audit chain. Debug never shows it.
pub struct AuditKey(SecretBox<Vec<u8>>);

impl AuditKey {
    pub fn parse(raw: &str) -> Result<Self, ConfigError> {
        let bytes = raw.trim().as_bytes().to_vec();
        if bytes.len() < MIN_AUDIT_KEY_BYTES {
            return Err(ConfigError::invalid(
                "PORTAL_AUDIT_KEY",
                format!(
                    "must be at least {MIN_AUDIT_KEY_BYTES} characters (got {})",
                    bytes.len()
                ),
            ));
        }
        Ok(Self(SecretBox::new(Box::new(bytes))))
    }

    /// The key `audit` commands use: `PORTAL_AUDIT_KEY` from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let raw = std::env::var("PORTAL_AUDIT_KEY")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .ok_or(ConfigError::Missing("PORTAL_AUDIT_KEY"))?;
        Self::parse(&raw)
    }

    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey([redacted])")
    }
}

/// SendGrid's parent key and where its API is (`https://api.eu.sendgrid.com` for the EU).
#[derive(Debug, Clone)]
pub struct SendgridConfig {
    pub api_key: SecretString,
    pub base_url: Url,
}

impl SendgridConfig {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(key) = get("SENDGRID_API_KEY") else {
            return Ok(None);
        };
        let key = key.trim();
        if !key.starts_with("SG.") || key.chars().any(char::is_whitespace) {
            return Err(ConfigError::invalid(
                "SENDGRID_API_KEY",
                "must be a SendGrid API key (it starts with SG.)",
            ));
        }
        let base_url = parse_http_url(
            "SENDGRID_BASE_URL",
            get("SENDGRID_BASE_URL")
                .as_deref()
                .unwrap_or(crate::sendgrid::DEFAULT_BASE_URL),
        )?;
        Ok(Some(Self {
            api_key: SecretString::from(key.to_owned()),
            base_url,
        }))
    }
}

#[derive(Debug)]
pub struct Config {
    pub addr: SocketAddr,
    /// The origin staff open in their browsers; state-changing requests must come from it.
    pub public_url: Url,
    pub database_url: String,
    pub postgrid_api_key: SecretString,
    pub postgrid_mode: PostgridMode,
    pub postgrid_base_url: Url,
    /// SendGrid, when `SENDGRID_API_KEY` is set.
    pub sendgrid: Option<SendgridConfig>,
    pub audit_key: Arc<AuditKey>,
    pub impersonation_enabled: bool,
    pub impersonation_max_minutes: u32,
    /// Sub-organizations nobody may act for.
    pub impersonation_blocklist: std::collections::HashSet<String>,
    /// PostGrid's dashboard impersonation login, for the hand-off from a user list.
    pub postgrid_dashboard_url: Url,
    pub log_format: LogFormat,
    pub session_idle_minutes: u32,
    pub session_max_hours: u32,
    pub lockout_attempts: u32,
    pub lockout_minutes: u32,
    /// Proxies whose `X-Forwarded-For` names the client (`PORTAL_TRUSTED_PROXIES`).
    pub trusted_proxies: crate::net::TrustedProxies,
    /// Who must enrol a second factor (`PORTAL_MFA`).
    pub mfa: crate::auth::mfa::MfaPolicy,
    /// Seals second-factor secrets (`PORTAL_SECRET_KEY`); required unless `PORTAL_MFA=off`,
    /// and without it nobody can enrol.
    pub secret_key: Option<Arc<crate::auth::mfa::SecretKey>>,
    /// How long a passed second factor covers risky steps (`PORTAL_STEP_UP_MINUTES`).
    pub step_up_minutes: u32,
    /// Single sign-on, when `PORTAL_OIDC_ISSUER` is set.
    pub oidc: Option<crate::auth::sso::OidcConfig>,
    /// Who may still sign in with a password (`PORTAL_PASSWORD_SIGNIN`).
    pub password_signin: crate::auth::sso::PasswordSignin,
    /// Whether switching to write mode needs another admin's approval
    /// (`PORTAL_WRITE_APPROVAL=required`).
    pub write_approval: bool,
    /// Whether the other loopback name (`localhost` for `127.0.0.1` and back) at the same
    /// port counts as the portal's own origin too. Only the demo sets it: `serve` has one origin.
    pub loopback_alias: bool,
    /// Where the audit log streams to (`PORTAL_AUDIT_SYSLOG`, `PORTAL_AUDIT_WEBHOOK`).
    pub audit_streams: crate::audit::streams::StreamSettings,
}

impl Config {
    /// Reads the configuration `serve` needs from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));

        let addr = parse_addr(get("PORTAL_ADDR").as_deref().unwrap_or(DEFAULT_ADDR))?;
        let public_url = match get("PORTAL_PUBLIC_URL") {
            Some(raw) => parse_public_url(&raw)?,
            None => default_public_url(addr),
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        crate::db::Engine::of_url(&database_url).ok_or_else(|| {
            ConfigError::invalid("DATABASE_URL", "must start with sqlite: or postgres://")
        })?;

        let key = required("POSTGRID_API_KEY")?;
        let postgrid_mode = PostgridMode::of_key(key.trim()).ok_or_else(|| {
            ConfigError::invalid("POSTGRID_API_KEY", "must start with test_ or live_")
        })?;
        let postgrid_base_url = parse_http_url(
            "POSTGRID_BASE_URL",
            get("POSTGRID_BASE_URL")
                .as_deref()
                .unwrap_or(DEFAULT_POSTGRID_BASE_URL),
        )?;
        let sendgrid = SendgridConfig::from_lookup(&get)?;
        let audit_key = Arc::new(AuditKey::parse(&required("PORTAL_AUDIT_KEY")?)?);

        let impersonation_enabled = match get("PORTAL_IMPERSONATION").as_deref().map(str::trim) {
            None | Some("enabled") => true,
            Some("disabled") => false,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "PORTAL_IMPERSONATION",
                    "must be enabled or disabled",
                ))
            }
        };
        let impersonation_max_minutes = match get("PORTAL_IMPERSONATION_MAX_MINUTES") {
            None => DEFAULT_IMPERSONATION_MAX_MINUTES,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=24 * 60).contains(&n) => n,
                _ => {
                    return Err(ConfigError::invalid(
                        "PORTAL_IMPERSONATION_MAX_MINUTES",
                        "must be a whole number of minutes from 1 to 1440",
                    ))
                }
            },
        };
        let log_format = parse_log_format(get("PORTAL_LOG_FORMAT").as_deref())?;
        let mut impersonation_blocklist = std::collections::HashSet::new();
        for raw in get("PORTAL_IMPERSONATION_BLOCKLIST")
            .unwrap_or_default()
            .split(',')
        {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let key = match raw.strip_prefix("sendgrid:") {
                Some(account) => crate::sendgrid::Account::parse(account.trim())
                    .map(|a| format!("sendgrid:{}", a.header_value()))
                    .ok(),
                None => crate::domain::SubOrgId::parse(raw).ok().map(String::from),
            };
            let key = key.ok_or_else(|| {
                ConfigError::invalid(
                    "PORTAL_IMPERSONATION_BLOCKLIST",
                    format!(
                        "{raw:?} is neither a sub-organization id nor sendgrid:<username or account-id id>"
                    ),
                )
            })?;
            impersonation_blocklist.insert(key);
        }
        let postgrid_dashboard_url = parse_http_url(
            "POSTGRID_DASHBOARD_URL",
            get("POSTGRID_DASHBOARD_URL")
                .as_deref()
                .unwrap_or(DEFAULT_DASHBOARD_URL),
        )?;
        let number = |name: &'static str, default: u32, max: u32| match get(name) {
            None => Ok(default),
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ConfigError::invalid(
                    name,
                    format!("must be a whole number from 1 to {max}"),
                )),
            },
        };
        let session_idle_minutes = number("PORTAL_SESSION_IDLE_MINUTES", 30, 24 * 60)?;
        let session_max_hours = number("PORTAL_SESSION_MAX_HOURS", 12, 24 * 7)?;
        let lockout_attempts = number("PORTAL_LOCKOUT_ATTEMPTS", 5, 100)?;
        let lockout_minutes = number("PORTAL_LOCKOUT_MINUTES", 15, 24 * 60)?;
        let trusted_proxies = crate::net::TrustedProxies::parse(
            get("PORTAL_TRUSTED_PROXIES").as_deref().unwrap_or_default(),
        )
        .map_err(|reason| ConfigError::invalid("PORTAL_TRUSTED_PROXIES", reason))?;

        let mfa = match get("PORTAL_MFA") {
            None => crate::auth::mfa::MfaPolicy::Admins,
            Some(raw) => crate::auth::mfa::MfaPolicy::parse(&raw).ok_or_else(|| {
                ConfigError::invalid("PORTAL_MFA", "must be admins, everyone or off")
            })?,
        };
        let secret_key = match get("PORTAL_SECRET_KEY") {
            Some(raw) => Some(Arc::new(crate::auth::mfa::SecretKey::parse(&raw).map_err(
                |short| ConfigError::invalid("PORTAL_SECRET_KEY", short.to_string()),
            )?)),
            None if mfa != crate::auth::mfa::MfaPolicy::Off => {
                return Err(ConfigError::Missing("PORTAL_SECRET_KEY"))
            }
            None => None,
        };
        let step_up_minutes = number("PORTAL_STEP_UP_MINUTES", 5, 24 * 60)?;
        let oidc = oidc_from_lookup(&get)?;
        if oidc.is_some() && secret_key.is_none() {
            // The sign-in flow is sealed with it while the person is at the provider.
            return Err(ConfigError::Missing("PORTAL_SECRET_KEY"));
        }
        let password_signin = match get("PORTAL_PASSWORD_SIGNIN") {
            None => crate::auth::sso::PasswordSignin::On,
            Some(raw) => crate::auth::sso::PasswordSignin::parse(&raw).ok_or_else(|| {
                ConfigError::invalid("PORTAL_PASSWORD_SIGNIN", "must be on, break-glass or off")
            })?,
        };
        if password_signin != crate::auth::sso::PasswordSignin::On && oidc.is_none() {
            return Err(ConfigError::invalid(
                "PORTAL_PASSWORD_SIGNIN",
                "can be off or break-glass only with single sign-on (PORTAL_OIDC_ISSUER)",
            ));
        }
        let write_approval = match get("PORTAL_WRITE_APPROVAL").as_deref().map(str::trim) {
            None | Some("off") => false,
            Some("required") => true,
            Some(_) => {
                return Err(ConfigError::invalid(
                    "PORTAL_WRITE_APPROVAL",
                    "must be required or off",
                ))
            }
        };

        Ok(Self {
            addr,
            public_url,
            database_url,
            postgrid_api_key: SecretString::from(key.trim().to_owned()),
            postgrid_mode,
            postgrid_base_url,
            sendgrid,
            audit_key,
            impersonation_enabled,
            impersonation_max_minutes,
            impersonation_blocklist,
            postgrid_dashboard_url,
            log_format,
            session_idle_minutes,
            session_max_hours,
            lockout_attempts,
            lockout_minutes,
            trusted_proxies,
            mfa,
            secret_key,
            step_up_minutes,
            oidc,
            password_signin,
            write_approval,
            loopback_alias: false,
            audit_streams: crate::audit::streams::StreamSettings::from_lookup(&get)?,
        })
    }

    /// The origin (`scheme://host[:port]`) of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// The public origin, and its loopback alias when that is on.
    pub fn accepted_origins(&self) -> Vec<String> {
        let mut origins = vec![self.public_origin()];
        let alias = match self.public_url.host_str() {
            Some("127.0.0.1") => Some("localhost"),
            Some("localhost") => Some("127.0.0.1"),
            _ => None,
        };
        if let (true, Some(alias)) = (self.loopback_alias, alias) {
            let mut url = self.public_url.clone();
            if url.set_host(Some(alias)).is_ok() {
                origins.push(url.origin().ascii_serialization());
            }
        }
        origins
    }

    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The directory that holds the SQLite database and demo files, when the database is SQLite.
    pub fn data_dir(&self) -> Option<PathBuf> {
        crate::db::sqlite_file(&self.database_url).and_then(|file| file.parent().map(PathBuf::from))
    }
}

/// `PORTAL_OIDC_*`: all of issuer, client id and client secret, or none of them.
fn oidc_from_lookup(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<crate::auth::sso::OidcConfig>, ConfigError> {
    let Some(issuer) = get("PORTAL_OIDC_ISSUER") else {
        for name in ["PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_SECRET"] {
            if get(name).is_some() {
                return Err(ConfigError::Missing("PORTAL_OIDC_ISSUER"));
            }
        }
        return Ok(None);
    };
    parse_http_url("PORTAL_OIDC_ISSUER", &issuer)?;
    let issuer = issuer.trim().to_owned();
    let client_id =
        get("PORTAL_OIDC_CLIENT_ID").ok_or(ConfigError::Missing("PORTAL_OIDC_CLIENT_ID"))?;
    let client_secret = get("PORTAL_OIDC_CLIENT_SECRET")
        .ok_or(ConfigError::Missing("PORTAL_OIDC_CLIENT_SECRET"))?;
    let role_claim = get("PORTAL_OIDC_ROLE_CLAIM")
        .map(|raw| crate::auth::sso::RoleClaim::parse(&raw))
        .transpose()
        .map_err(|why| ConfigError::invalid("PORTAL_OIDC_ROLE_CLAIM", why))?;
    let trust_mfa = match get("PORTAL_OIDC_TRUST_MFA").as_deref().map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ConfigError::invalid(
                "PORTAL_OIDC_TRUST_MFA",
                "must be true or false",
            ))
        }
    };
    Ok(Some(crate::auth::sso::OidcConfig {
        issuer,
        client_id: client_id.trim().to_owned(),
        client_secret: SecretString::from(client_secret.trim().to_owned()),
        role_claim,
        trust_mfa,
    }))
}

/// `DATABASE_URL`, or the embedded default, for commands that need only the database.
pub fn database_url_from_env() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}

pub fn parse_log_format(raw: Option<&str>) -> Result<LogFormat, ConfigError> {
    match raw.map(str::trim) {
        None | Some("text") => Ok(LogFormat::Text),
        Some("json") => Ok(LogFormat::Json),
        Some(_) => Err(ConfigError::invalid(
            "PORTAL_LOG_FORMAT",
            "must be text or json",
        )),
    }
}

pub fn parse_addr(raw: &str) -> Result<SocketAddr, ConfigError> {
    raw.trim().parse().map_err(|_| {
        ConfigError::invalid(
            "PORTAL_ADDR",
            format!("{raw:?} is not an address like 127.0.0.1:3000"),
        )
    })
}

fn parse_http_url(name: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ConfigError::invalid(name, format!("{raw:?} is not a URL ({e})")))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(ConfigError::invalid(
            name,
            format!("{raw:?} must be an http:// or https:// URL"),
        )),
    }
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    let url = parse_http_url("PORTAL_PUBLIC_URL", raw)?;
    if url.path() != "/" || url.query().is_some() {
        return Err(ConfigError::invalid(
            "PORTAL_PUBLIC_URL",
            "must be an origin such as https://portal.example.com, without a path",
        ));
    }
    Ok(url)
}

/// Without `PORTAL_PUBLIC_URL` the portal is its own origin on the listening address.
pub fn default_public_url(addr: SocketAddr) -> Url {
    let host = if addr.ip().is_unspecified() {
        "localhost".to_owned()
    } else {
        match addr.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            std::net::IpAddr::V4(ip) => ip.to_string(),
        }
    };
    // Both parts are validated above, so the URL always parses.
    Url::parse(&format!("http://{host}:{}", addr.port()))
        .unwrap_or_else(|_| Url::parse("http://localhost/").expect("static URL parses"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const SECRET_KEY: &str = "secret-key-for-second-factors-0123";

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("POSTGRID_API_KEY", "test_sk_abc"),
            ("PORTAL_AUDIT_KEY", KEY),
            ("PORTAL_SECRET_KEY", SECRET_KEY),
        ]
    }

    #[test]
    fn only_the_demo_accepts_the_other_loopback_name() {
        let mut vars = minimal();
        vars.push(("PORTAL_PUBLIC_URL", "http://127.0.0.1:4010"));
        let config = load(&vars).expect("valid");
        assert_eq!(config.accepted_origins(), ["http://127.0.0.1:4010"]);
        let demo = Config {
            loopback_alias: true,
            ..config
        };
        assert_eq!(
            demo.accepted_origins(),
            ["http://127.0.0.1:4010", "http://localhost:4010"]
        );
        let mut vars = minimal();
        vars.push(("PORTAL_PUBLIC_URL", "https://portal.example.com"));
        let elsewhere = Config {
            loopback_alias: true,
            ..load(&vars).expect("valid")
        };
        assert_eq!(elsewhere.accepted_origins(), ["https://portal.example.com"]);
    }

    #[test]
    fn minimal_configuration_uses_documented_defaults() {
        let config = load(&minimal()).expect("valid");
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.postgrid_base_url.as_str(), DEFAULT_POSTGRID_BASE_URL);
        assert_eq!(config.postgrid_mode, PostgridMode::Test);
        assert_eq!(config.public_origin(), "http://127.0.0.1:3000");
        assert!(config.impersonation_enabled);
        assert_eq!(config.impersonation_max_minutes, 60);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.data_dir(), Some(PathBuf::from("data")));
        assert_eq!(config.mfa, crate::auth::mfa::MfaPolicy::Admins);
        assert_eq!(config.step_up_minutes, 5);
        assert!(!config.write_approval);
    }

    #[test]
    fn single_sign_on_takes_all_three_settings_and_keeps_its_secret() {
        let mut vars = minimal();
        vars.push(("PORTAL_OIDC_CLIENT_ID", "portal"));
        assert_eq!(
            load(&vars).unwrap_err(),
            ConfigError::Missing("PORTAL_OIDC_ISSUER")
        );
        vars.pop();
        vars.extend([
            ("PORTAL_OIDC_ISSUER", "https://idp.example.com"),
            ("PORTAL_OIDC_CLIENT_ID", "portal"),
        ]);
        assert_eq!(
            load(&vars).unwrap_err(),
            ConfigError::Missing("PORTAL_OIDC_CLIENT_SECRET")
        );
        vars.extend([
            ("PORTAL_OIDC_CLIENT_SECRET", "oidc-client-secret-value"),
            ("PORTAL_OIDC_ROLE_CLAIM", "groups"),
            ("PORTAL_OIDC_TRUST_MFA", "true"),
            ("PORTAL_PASSWORD_SIGNIN", "break-glass"),
        ]);
        let config = load(&vars).expect("valid");
        let oidc = config.oidc.as_ref().expect("on");
        assert!(oidc.trust_mfa);
        assert_eq!(
            oidc.role_claim.as_ref().map(|c| c.claim.as_str()),
            Some("groups")
        );
        assert_eq!(
            config.password_signin,
            crate::auth::sso::PasswordSignin::BreakGlass
        );
        assert!(!format!("{config:?}").contains("oidc-client-secret-value"));
    }

    #[test]
    fn second_factors_need_the_secret_key_unless_off() {
        let mut vars = minimal();
        vars.retain(|(k, _)| *k != "PORTAL_SECRET_KEY");
        assert_eq!(
            load(&vars).unwrap_err(),
            ConfigError::Missing("PORTAL_SECRET_KEY")
        );
        vars.push(("PORTAL_MFA", "off"));
        let config = load(&vars).expect("off needs no key");
        assert!(config.secret_key.is_none());
    }

    #[test]
    fn missing_api_key_is_named() {
        let err = load(&[("PORTAL_AUDIT_KEY", KEY)]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("POSTGRID_API_KEY"));
        assert!(err.to_string().contains("POSTGRID_API_KEY"));
    }

    #[test]
    fn missing_audit_key_is_named() {
        let err = load(&[("POSTGRID_API_KEY", "live_sk_x")]).unwrap_err();
        assert_eq!(err, ConfigError::Missing("PORTAL_AUDIT_KEY"));
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let cases = [
            ("PORTAL_ADDR", "not-an-address"),
            ("POSTGRID_BASE_URL", "ftp://example.com"),
            ("POSTGRID_BASE_URL", "::nonsense"),
            ("PORTAL_PUBLIC_URL", "https://portal.example.com/sub/path"),
            ("PORTAL_AUDIT_KEY", "short"),
            ("POSTGRID_API_KEY", "sk_without_mode"),
            ("PORTAL_IMPERSONATION", "maybe"),
            ("PORTAL_IMPERSONATION_MAX_MINUTES", "0"),
            ("PORTAL_LOG_FORMAT", "xml"),
            ("DATABASE_URL", "mysql://db"),
            ("SENDGRID_API_KEY", "not-a-sendgrid-key"),
            ("PORTAL_MFA", "sometimes"),
            ("PORTAL_SECRET_KEY", "too-short"),
            ("PORTAL_STEP_UP_MINUTES", "0"),
            ("PORTAL_WRITE_APPROVAL", "sometimes"),
            ("PORTAL_PASSWORD_SIGNIN", "off"),
            ("PORTAL_OIDC_ISSUER", "not a url"),
        ];
        for (name, value) in cases {
            let mut vars = minimal();
            vars.retain(|(k, _)| *k != name);
            vars.push((name, value));
            let err = load(&vars).expect_err(name);
            assert!(
                err.to_string().starts_with(name),
                "{name}={value:?} gave {err}"
            );
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let mut vars = minimal();
        vars.push(("SENDGRID_API_KEY", "SG.secret-sendgrid-key"));
        vars.push((
            "PORTAL_AUDIT_WEBHOOK",
            "https://user:webhook-password@siem.example/in?token=webhook-token",
        ));
        vars.push((
            "PORTAL_AUDIT_WEBHOOK_SECRET",
            "webhook-secret-0123456789abcdef0123456789",
        ));
        let config = load(&vars).expect("valid");
        let debug = format!("{config:?}");
        for secret in ["webhook-password", "webhook-token", "webhook-secret"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(!debug.contains("test_sk_abc"), "{debug}");
        assert!(!debug.contains(KEY), "{debug}");
        assert!(!debug.contains("secret-sendgrid-key"), "{debug}");
        assert!(!debug.contains(SECRET_KEY), "{debug}");
    }

    #[test]
    fn sendgrid_is_off_without_its_key_and_defaults_to_the_global_host() {
        assert!(load(&minimal()).expect("valid").sendgrid.is_none());
        let mut vars = minimal();
        vars.push(("SENDGRID_API_KEY", "SG.abc"));
        let sendgrid = load(&vars).expect("valid").sendgrid.expect("on");
        assert_eq!(sendgrid.base_url.as_str(), "https://api.sendgrid.com/");
        vars.push(("SENDGRID_BASE_URL", "https://api.eu.sendgrid.com"));
        let sendgrid = load(&vars).expect("valid").sendgrid.expect("on");
        assert_eq!(sendgrid.base_url.as_str(), "https://api.eu.sendgrid.com/");
        vars.pop();
        vars.push(("SENDGRID_BASE_URL", "ftp://api.sendgrid.com"));
        let err = load(&vars).expect_err("a bad URL");
        assert!(err.to_string().starts_with("SENDGRID_BASE_URL"), "{err}");
    }

    #[test]
    fn live_keys_are_live_mode_and_https_is_detected() {
        let mut vars = minimal();
        vars[0] = ("POSTGRID_API_KEY", "live_sk_abc");
        vars.push(("PORTAL_PUBLIC_URL", "https://portal.example.com"));
        let config = load(&vars).expect("valid");
        assert_eq!(config.postgrid_mode, PostgridMode::Live);
        assert!(config.is_https());
        assert_eq!(config.public_origin(), "https://portal.example.com");
    }
}
