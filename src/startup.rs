//! Builds the running application from configuration: something `main` serves and tests start
//! on a random port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use time::Duration;

use crate::audit::AuditLog;
use crate::auth::password::Hasher;
use crate::auth::session::SessionPolicy;
use crate::auth::staff::LockoutPolicy;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::{Database, DbError};
use crate::postgrid::{ClientOptions, Transport};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("could not set up the PostGrid client: {0}")]
    Postgrid(#[from] reqwest::Error),
    #[error("could not set up the session store: {0}")]
    Sessions(#[source] sqlx::Error),
    #[error("could not set up single sign-on: {0}")]
    Sso(String),
    #[error("could not set up the audit streams: {0}")]
    Streams(#[from] crate::audit::streams::SinkError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    state: AppState,
    streams: crate::audit::streams::Streams,
}

impl Application {
    /// Opens and migrates the database and binds the listening socket.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], on a clock the caller controls (tests move it).
    pub async fn build_with_clock(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartupError> {
        let postgrid = Arc::new(Transport::new(
            config.postgrid_base_url.clone(),
            config.postgrid_api_key.clone(),
            ClientOptions::default(),
        )?);
        let sendgrid = match &config.sendgrid {
            Some(sg) => Some(Arc::new(crate::sendgrid::Transport::new(
                sg.base_url.clone(),
                sg.api_key.clone(),
                ClientOptions::default(),
            )?)),
            None => None,
        };
        let db = Database::connect(&config.database_url).await?;
        db.migrate().await?;
        let audit = AuditLog::start(db.clone(), config.audit_key.clone());
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let mut config = config;
        if config.public_url.port() == Some(0) {
            // Asked for any free port and no public URL: the portal is its own origin.
            if let Ok(bound) = listener.local_addr() {
                config.public_url = crate::config::default_public_url(bound);
            }
        }
        let sso = match &config.oidc {
            Some(oidc) => Some(Arc::new(
                crate::auth::sso::Sso::new(oidc.clone(), &config.public_url)
                    .map_err(StartupError::Sso)?,
            )),
            None => None,
        };
        let leptos = LeptosOptions::builder()
            .output_name("suborg-portal")
            .site_addr(config.addr)
            .build();
        let session_policy = SessionPolicy {
            idle: Duration::minutes(config.session_idle_minutes.into()),
            absolute: Duration::hours(config.session_max_hours.into()),
        };
        let lockout = LockoutPolicy {
            max_failures: config.lockout_attempts.into(),
            window: Duration::minutes(config.lockout_minutes.into()),
            lock_for: Duration::minutes(config.lockout_minutes.into()),
        };
        // Leave a core for pages while sign-ins hash.
        let hashing_slots =
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
        let state = AppState {
            config: Arc::new(config),
            db,
            audit,
            postgrid,
            sendgrid,
            sso,
            leptos,
            clock,
            hasher: Hasher::new(hashing_slots),
            session_policy,
            lockout,
            origin_rejections: Arc::default(),
        };
        tokio::spawn(sweep_periodically(state.clone()));
        let streams = crate::audit::streams::Streams::start(
            &state.config.audit_streams,
            &state.db,
            &state.audit,
            state.clock.clone(),
        )?;
        let sessions = crate::http::sessions(&state)
            .await
            .map_err(StartupError::Sessions)?;
        let router = crate::http::router(state.clone(), sessions);
        Ok(Self {
            listener,
            router,
            state,
            streams,
        })
    }

    /// The address actually bound (the port is chosen by the system when asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight, writes the
    /// audit events still queued (the answers to the last PostGrid calls) and stops streaming
    /// them, giving the streams' leases to the other processes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let audit = self.state.audit.clone();
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Err(err) = audit.flush().await {
            tracing::error!(error = %err, "queued audit events could not be written at shutdown");
        }
        self.streams.stop().await;
        served
    }
}

/// How often impersonations whose sessions are gone and old sign-in failures are cleared.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Every minute: ends impersonations past their time or idle (their sessions ended without
/// anyone seeing it), expires requests for write mode nobody decided, records the last
/// minute's repeated origin refusals, and forgets sign-in failures older than the throttle's
/// window.
async fn sweep_periodically(state: AppState) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let now = state.clock.now();
        let idle = state.session_policy.idle;
        if let Err(err) =
            crate::impersonation::sweep(&state.db, &state.audit, now, idle, None).await
        {
            tracing::error!(error = %err, "open impersonations could not be swept");
        }
        if let Err(err) = crate::approvals::expire_overdue(&state.db, &state.audit, now).await {
            tracing::error!(error = %err, "overdue write-mode requests could not be expired");
        }
        let repeats = state.origin_rejections.finished(now);
        crate::audit::refusals::record_repeats(&state.audit, repeats).await;
        if let Err(err) =
            crate::auth::session_registry::prune(&state.db, state.session_policy, now).await
        {
            tracing::error!(error = %err, "old session rows could not be pruned");
        }
        if let Err(err) = crate::auth::throttle::prune(&state.db, state.lockout, now).await {
            tracing::error!(error = %err, "old sign-in failures could not be pruned");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
