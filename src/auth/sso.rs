//! Single sign-on with OpenID Connect (issue #17): the authorization code flow with PKCE,
//! `state` and `nonce`, against the provider discovered from `PORTAL_OIDC_ISSUER`. The ID
//! token's signature, issuer, audience, expiry and nonce are checked by `openidconnect`; what
//! the portal reads from it is who the person is (a verified email), the role a claim names,
//! and whether the provider asked for a second factor (`amr`).

use std::time::{Duration, Instant};

use base64::Engine as _;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use super::role::Role;
use crate::domain::StaffId;

/// The path the provider sends people back to.
pub const CALLBACK_PATH: &str = "/login/sso/callback";
/// How long discovered metadata (and the provider's signing keys) are kept.
const METADATA_FOR: Duration = Duration::from_secs(15 * 60);
/// How long a person may take at the provider.
pub const FLOW_SECONDS: i64 = 10 * 60;
/// Authentication methods (RFC 8176) that mean a second factor was used.
const SECOND_FACTORS: &[&str] = &[
    "mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "sms",
];

/// Which claim names a role, and how its values map to roles: `groups` (values are role
/// names) or `groups:portal-admins=admin,support=viewer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleClaim {
    pub claim: String,
    map: Vec<(String, Role)>,
}

impl RoleClaim {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (claim, map) = match raw.trim().split_once(':') {
            None => (raw.trim(), ""),
            Some((claim, map)) => (claim.trim(), map),
        };
        if claim.is_empty()
            || !claim
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        {
            return Err(format!("{claim:?} is not a claim name"));
        }
        let mut pairs = Vec::new();
        for pair in map.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (value, role) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?} is not value=role"))?;
            let role = Role::parse(role)
                .ok_or_else(|| format!("{role:?} is not admin, viewer or auditor"))?;
            pairs.push((value.trim().to_owned(), role));
        }
        Ok(Self {
            claim: claim.to_owned(),
            map: pairs,
        })
    }

    /// The role the claim names in `claims` (a string or a list of them); with several, the
    /// first of admin, viewer, auditor.
    pub fn role_in(&self, claims: &Value) -> Option<Role> {
        let values: Vec<&str> = match claims.get(&self.claim)? {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        let role_of = |value: &str| {
            if self.map.is_empty() {
                Role::parse(value)
            } else {
                self.map.iter().find(|(v, _)| v == value).map(|(_, r)| *r)
            }
        };
        let named: Vec<Role> = values.into_iter().filter_map(role_of).collect();
        Role::ALL.into_iter().find(|role| named.contains(role))
    }
}

/// Who may sign in with a password (`PORTAL_PASSWORD_SIGNIN`) once single sign-on is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordSignin {
    On,
    /// Only admins marked break-glass (`staff add --break-glass`), for when the provider is down.
    BreakGlass,
    Off,
}

impl PasswordSignin {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "on" => Some(Self::On),
            "break-glass" => Some(Self::BreakGlass),
            "off" => Some(Self::Off),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// Exactly as configured: discovery requires the provider to name itself the same way, and
    /// a parsed URL would gain a trailing slash.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub role_claim: Option<RoleClaim>,
    /// Whether the provider's second factor (`amr`) stands in for the portal's own.
    pub trust_mfa: bool,
}

/// What a sign-in keeps while the person is at the provider (sealed into a cookie).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    /// Where to go once signed in (already made safe).
    pub next: String,
    /// Unix seconds.
    pub started_at: i64,
    /// A step-up: the provider was asked to authenticate the person afresh, for the session
    /// named here (the staff member and its handle), which the new one replaces.
    #[serde(default)]
    pub replaces: Option<(StaffId, String)>,
}

impl Flow {
    /// Whether `state` (from the callback) is this flow's, compared in constant time.
    pub fn state_matches(&self, state: &str) -> bool {
        constant_time_eq::constant_time_eq(self.state.as_bytes(), state.as_bytes())
    }
}

/// The person the provider vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
    /// The role the role claim names, when one is configured and names one.
    pub role: Option<Role>,
    /// The provider used a second factor (by `amr`).
    pub mfa: bool,
    pub amr: Vec<String>,
    /// How long before issuing the token the provider authenticated the person (`iat` minus
    /// `auth_time`, both on the provider's clock, so the two clocks need not agree): a session
    /// it kept from hours ago is not a fresh second factor.
    pub authenticated_seconds_ago: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the identity provider could not be reached or described itself wrongly: {0}")]
    Discovery(String),
    #[error("the code could not be exchanged for tokens: {0}")]
    Exchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {1}")]
    IdToken(&'static str, String),
    #[error("the provider vouched for no verified email")]
    Unverified,
}

impl SsoError {
    /// The reason recorded in `auth.sso_failed`.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Discovery(_) => "provider_unreachable",
            Self::Exchange(_) => "code_exchange_failed",
            Self::NoIdToken => "no_id_token",
            Self::IdToken(reason, _) => reason,
            Self::Unverified => "email_not_verified",
        }
    }
}

/// The client `openidconnect` makes from discovered metadata: authorization endpoint set,
/// token and userinfo endpoints as the provider describes them.
type ProviderClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The provider, discovered once and again every [`METADATA_FOR`].
pub struct Sso {
    config: OidcConfig,
    redirect: RedirectUrl,
    http: reqwest::Client,
    discovered: Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Sso {
    pub fn new(config: OidcConfig, public_url: &Url) -> Result<Self, String> {
        let redirect = public_url
            .join(CALLBACK_PATH)
            .map_err(|e| e.to_string())
            .map(RedirectUrl::from_url)?;
        let http = reqwest::Client::builder()
            // Following redirects would let the provider's answers send the portal anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            redirect,
            http,
            discovered: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    async fn metadata(&self) -> Result<CoreProviderMetadata, SsoError> {
        let mut discovered = self.discovered.lock().await;
        if let Some((at, metadata)) = discovered.as_ref() {
            if at.elapsed() < METADATA_FOR {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| SsoError::Discovery(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SsoError::Discovery(e.to_string()))?;
        *discovered = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    async fn forget_metadata(&self) {
        *self.discovered.lock().await = None;
    }

    async fn client(&self) -> Result<ProviderClient, SsoError> {
        let metadata = self.metadata().await?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// Where to send the person, and what to keep until they come back. `again` asks the
    /// provider to authenticate them afresh (a step-up), whatever session it holds.
    pub async fn begin(
        &self,
        next: String,
        replaces: Option<(StaffId, String)>,
        max_age: Duration,
        now: i64,
    ) -> Result<(Url, Flow), SsoError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_owned()))
            .add_scope(Scope::new("profile".to_owned()))
            .set_pkce_challenge(challenge);
        if let Some(claim) = &self.config.role_claim {
            // Providers that release a claim by a scope of its name (as `groups`) need it asked.
            request = request.add_scope(Scope::new(claim.claim.clone()));
        }
        // `max_age` makes the provider say when it authenticated the person (`auth_time`);
        // a step-up asks for it to be now.
        if replaces.is_some() {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(Duration::ZERO);
        } else {
            request = request.set_max_age(max_age);
        }
        let (url, state, nonce) = request.url();
        let flow = Flow {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
            started_at: now,
            replaces,
        };
        Ok((url, flow))
    }

    /// Exchanges the code of a flow whose state matched, and checks the ID token.
    pub async fn finish(&self, flow: &Flow, code: &str) -> Result<Identity, SsoError> {
        let client = self.client().await?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SsoError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Exchange(e.to_string()))?;
        let id_token = tokens.id_token().ok_or(SsoError::NoIdToken)?;
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &Nonce::new(flow.nonce.clone())) {
            Ok(claims) => claims,
            Err(error) => {
                let reason = match &error {
                    ClaimsVerificationError::Expired(_) => "expired_token",
                    ClaimsVerificationError::InvalidNonce(_) => "wrong_nonce",
                    ClaimsVerificationError::InvalidIssuer(_) => "wrong_issuer",
                    ClaimsVerificationError::InvalidAudience(_) => "wrong_audience",
                    ClaimsVerificationError::SignatureVerification(_) => {
                        // Perhaps the provider rotated its keys: discover them again next time.
                        self.forget_metadata().await;
                        "bad_signature"
                    }
                    _ => "invalid_token",
                };
                return Err(SsoError::IdToken(reason, error.to_string()));
            }
        };
        let email = claims
            .email()
            .filter(|_| claims.email_verified() == Some(true))
            .map(|email| email.as_str().to_owned())
            .ok_or(SsoError::Unverified)?;
        let amr: Vec<String> = claims
            .auth_method_refs()
            .map(|refs| refs.iter().map(|r| r.as_str().to_owned()).collect())
            .unwrap_or_default();
        let mfa = amr
            .iter()
            .any(|method| SECOND_FACTORS.contains(&method.as_str()));
        let name = claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned());
        // The role claim is not a standard one: read from the token already verified above.
        let role = self
            .config
            .role_claim
            .as_ref()
            .and_then(|claim| claim.role_in(&payload_of(&id_token.to_string())));
        Ok(Identity {
            subject: claims.subject().as_str().to_owned(),
            email,
            name,
            role,
            mfa,
            amr,
            authenticated_seconds_ago: claims
                .auth_time()
                .map(|at| (claims.issue_time().timestamp() - at.timestamp()).max(0)),
        })
    }
}

/// The claims of a compact JWT whose signature has been checked.
fn payload_of(jwt: &str) -> Value {
    jwt.split('.')
        .nth(1)
        .and_then(|payload| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_role_claim_names_roles_directly_or_through_a_map() {
        let direct = RoleClaim::parse("groups").expect("valid");
        assert_eq!(
            direct.role_in(&json!({"groups": ["viewer", "admin"]})),
            Some(Role::Admin)
        );
        assert_eq!(
            direct.role_in(&json!({"groups": "auditor"})),
            Some(Role::Auditor)
        );
        assert_eq!(direct.role_in(&json!({"groups": ["engineering"]})), None);
        assert_eq!(direct.role_in(&json!({"other": ["admin"]})), None);
        let mapped = RoleClaim::parse("roles: portal-admins=admin, support=viewer").expect("valid");
        assert_eq!(mapped.claim, "roles");
        assert_eq!(
            mapped.role_in(&json!({"roles": ["support"]})),
            Some(Role::Viewer)
        );
        assert_eq!(
            mapped.role_in(&json!({"roles": ["admin"]})),
            None,
            "only mapped values"
        );
        assert!(RoleClaim::parse("groups:x=owner").is_err());
        assert!(RoleClaim::parse("").is_err());
    }

    #[test]
    fn the_payload_of_a_token_is_read() {
        let payload =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"groups":["admin"]}"#);
        assert_eq!(payload_of(&format!("h.{payload}.s"))["groups"][0], "admin");
        assert_eq!(payload_of("nonsense"), Value::Null);
    }
}
