//! Builds the running application from configuration: something `main` serves and tests start
//! on a random port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use leptos::config::LeptosOptions;
use tokio::net::TcpListener;

use crate::audit::AuditLog;
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
}

impl Application {
    /// Opens and migrates the database and binds the listening socket.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let postgrid = Arc::new(Transport::new(
            config.postgrid_base_url.clone(),
            config.postgrid_api_key.clone(),
            ClientOptions::default(),
        )?);
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
        let leptos = LeptosOptions::builder()
            .output_name("suborg-portal")
            .site_addr(config.addr)
            .build();
        let state = AppState {
            config: Arc::new(config),
            db,
            audit,
            postgrid,
            leptos,
        };
        let router = crate::http::router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    /// The address actually bound (the port is chosen by the system when asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
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
