//! Faults a simulator (PostGrid's or SendGrid's) can inject, per route, for tests of the
//! clients and the pages.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// What goes wrong, on which requests, how many times.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fault {
    /// Only requests with this method (any when absent).
    pub method: Option<String>,
    /// Only requests whose API path starts with this (`/sub_organizations` below PostGrid's
    /// `/print-mail/v1`; `/v3/suppression` for SendGrid).
    pub path_prefix: String,
    /// Added before answering (or before the fault below).
    pub latency_ms: u64,
    /// Answer with this status and the provider's error body for it.
    pub status: Option<u16>,
    /// With a 429: the `Retry-After` header, in seconds.
    pub retry_after: Option<u64>,
    /// Answer 200 with a body that is not JSON.
    pub malformed: bool,
    /// Break the connection instead of answering.
    pub drop_connection: bool,
    /// How many requests it applies to before it wears off (forever when absent).
    pub times: Option<u32>,
}

impl Fault {
    pub fn on(path_prefix: &str) -> Self {
        Self {
            path_prefix: path_prefix.to_owned(),
            ..Self::default()
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency_ms = latency.as_millis().try_into().unwrap_or(u64::MAX);
        self
    }

    pub fn malformed(mut self) -> Self {
        self.malformed = true;
        self
    }

    pub fn drop_connection(mut self) -> Self {
        self.drop_connection = true;
        self
    }

    pub fn times(mut self, times: u32) -> Self {
        self.times = Some(times);
        self
    }

    /// The answer of a fault that breaks the connection or the body, if this is one.
    pub fn broken_response(&self) -> Option<Response> {
        if self.drop_connection {
            // A body that fails at once: the connection breaks without a complete answer.
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other(
                    "connection dropped by the simulator",
                ))
            });
            return Some(Response::new(Body::from_stream(broken)));
        }
        self.malformed.then(|| {
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"object\": \"list\", \"data\": [",
            )
                .into_response()
        })
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method) && path.starts_with(&self.path_prefix)
    }
}

/// The faults in force, first match wins.
#[derive(Debug, Default)]
pub struct FaultPlan {
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub fn add(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// The fault for this request, if any, counting it against its `times`.
    pub fn take(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = self.faults[index].clone();
        if let Some(times) = &mut self.faults[index].times {
            *times = times.saturating_sub(1);
            if *times == 0 {
                self.faults.remove(index);
            }
        }
        Some(fault)
    }
}

/// What a simulator's tests steer and count, the same for PostGrid's and SendGrid's: the
/// faults in force and the API requests served, with the `/__sim/` endpoints over them.
#[derive(Debug, Default)]
pub struct Controls {
    faults: std::sync::Mutex<FaultPlan>,
    requests: std::sync::atomic::AtomicU64,
}

impl Controls {
    pub fn inject(&self, fault: Fault) {
        super::lock(&self.faults).add(fault);
    }

    pub fn clear_faults(&self) {
        super::lock(&self.faults).clear();
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Counts an API request and takes the fault for it, if any.
    pub fn arrived(&self, method: &str, path: &str) -> Option<Fault> {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        super::lock(&self.faults).take(method, path)
    }

    /// `POST`/`DELETE /__sim/faults` and `GET /__sim/requests`, for end-to-end tests.
    pub fn routes(self: &std::sync::Arc<Self>) -> axum::Router {
        use axum::extract::State;
        use axum::routing::{get, post};
        use axum::Json;
        type Shared = State<std::sync::Arc<Controls>>;
        async fn add(State(c): Shared, Json(fault): Json<Fault>) -> StatusCode {
            c.inject(fault);
            StatusCode::NO_CONTENT
        }
        async fn clear(State(c): Shared) -> StatusCode {
            c.clear_faults();
            StatusCode::NO_CONTENT
        }
        async fn count(State(c): Shared) -> Json<serde_json::Value> {
            Json(serde_json::json!({"requests": c.request_count()}))
        }
        axum::Router::new()
            .route("/__sim/faults", post(add).delete(clear))
            .route("/__sim/requests", get(count))
            .with_state(self.clone())
    }
}

/// Serves `router` on `addr` until the process ends; the bound address.
pub async fn serve(
    router: axum::Router,
    addr: std::net::SocketAddr,
    what: &'static str,
) -> std::io::Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!(error = %err, simulator = what, "simulator stopped");
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_wears_off_after_its_times() {
        let mut plan = FaultPlan::default();
        plan.add(
            Fault::on("/sub_organizations")
                .method("get")
                .status(503)
                .times(2),
        );
        assert!(plan.take("POST", "/sub_organizations").is_none());
        assert!(plan.take("GET", "/contacts").is_none());
        assert_eq!(
            plan.take("GET", "/sub_organizations")
                .and_then(|f| f.status),
            Some(503)
        );
        assert!(plan.take("GET", "/sub_organizations/sub_org_x").is_some());
        assert!(plan.take("GET", "/sub_organizations").is_none());
    }
}
