//! The one state every handler and page shares, cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::audit::refusals::RejectionTally;
use crate::audit::AuditLog;
use crate::auth::password::Hasher;
use crate::auth::session::SessionPolicy;
use crate::auth::staff::LockoutPolicy;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Database;
use crate::postgrid::Transport;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    /// The only writer of audit events.
    pub audit: AuditLog,
    /// The parent's key and the HTTP client every PostGrid call goes through.
    pub postgrid: Arc<Transport>,
    /// SendGrid's, when it is configured.
    pub sendgrid: Option<Arc<crate::sendgrid::Transport>>,
    /// The identity provider, when single sign-on is on.
    pub sso: Option<Arc<crate::auth::sso::Sso>>,
    pub leptos: LeptosOptions,
    pub clock: Arc<dyn Clock>,
    pub hasher: Hasher,
    pub session_policy: SessionPolicy,
    pub lockout: LockoutPolicy,
    /// Refused cross-origin requests counted per address and minute.
    pub origin_rejections: Arc<RejectionTally>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    /// The PostGrid parent client for one request: every call recorded in the audit log with
    /// the request's origin (who, from where).
    pub fn parent_client(&self, origin: crate::audit::Origin) -> crate::postgrid::ParentClient {
        let observer = crate::audit::AuditedCalls::new(self.audit.clone(), origin);
        crate::postgrid::ParentClient::new(self.postgrid.clone(), Arc::new(observer))
    }

    /// The SendGrid parent client for one request, every call recorded like PostGrid's.
    pub fn sendgrid_client(
        &self,
        origin: crate::audit::Origin,
    ) -> Result<crate::sendgrid::ParentClient, crate::sendgrid::SendgridError> {
        let transport = self
            .sendgrid
            .clone()
            .ok_or(crate::sendgrid::SendgridError::NotConfigured)?;
        let observer = crate::audit::AuditedCalls::new(self.audit.clone(), origin);
        Ok(crate::sendgrid::ParentClient::new(
            transport,
            Arc::new(observer),
        ))
    }

    /// The key that signs one-time form tokens, derived from the audit key.
    pub fn form_key(&self) -> &[u8] {
        self.config.audit_key.expose()
    }
}
