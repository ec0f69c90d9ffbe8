//! The PostGrid simulator: an axum router that answers the documented endpoints under
//! `/print-mail/v1` from memory, scopes resources per organization and injects faults on demand.
//!
//! Used by `demo`, by the integration tests, and on its own as `suborg-portal sim`. Where
//! POSTGRID.md leaves a behaviour open, the code says *inferred*.

mod contacts;
pub(crate) mod faults;
mod orders;
mod search;
mod seed;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

pub use faults::Fault;
use faults::{serve, Controls};
use store::{error, Kind, ListQuery, Org, Reply, Store};

pub const BASE_PATH: &str = "/print-mail/v1";

/// How the simulator starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Seed {
    /// Sample sub-organizations, users, contacts, templates and letters.
    Demo,
    /// Nothing at all.
    Empty,
}

/// The simulator's state, shared by its handlers and by the tests that drive it.
pub struct Simulator {
    api_key: Option<String>,
    store: Mutex<Store>,
    controls: Arc<Controls>,
    /// The `PostGrid-Org` header of every API request, in order (for tests).
    orgs_seen: Mutex<Vec<Option<String>>>,
}

impl Simulator {
    /// `api_key`: accept only this key; without one, any key starting `test_` or `live_`.
    pub fn new(api_key: Option<String>, seed: Seed) -> Arc<Self> {
        let mut store = Store::default();
        if seed == Seed::Demo {
            seed::demo(&mut store);
        }
        Arc::new(Self {
            api_key,
            store: Mutex::new(store),
            controls: Arc::default(),
            orgs_seen: Mutex::new(Vec::new()),
        })
    }

    pub fn inject(&self, fault: Fault) {
        self.controls.inject(fault);
    }

    pub fn clear_faults(&self) {
        self.controls.clear_faults();
    }

    /// Requests that reached the PostGrid API (not the `/__sim/` controls).
    pub fn request_count(&self) -> u64 {
        self.controls.request_count()
    }

    /// The `PostGrid-Org` header each API request carried, in order (`None`: no header).
    pub fn orgs_seen(&self) -> Vec<Option<String>> {
        lock(&self.orgs_seen).clone()
    }

    pub fn router(self: &Arc<Self>) -> Router {
        let api = Router::new()
            .route(
                "/sub_organizations",
                get(list_sub_orgs).post(create_sub_org),
            )
            .route("/sub_organizations/{id}", get(get_sub_org))
            .route("/sub_organizations/{id}/users", get(list_users))
            .route(
                "/contacts",
                get(listing(Kind::Contacts)).post(creating(Store::create_contact)),
            )
            .route(
                "/contacts/{id}",
                get(getting(Kind::Contacts)).delete(deleting(Store::delete_contact)),
            )
            .route(
                "/templates",
                get(listing(Kind::Templates)).post(creating(Store::create_template)),
            )
            .route(
                "/templates/{id}",
                get(getting(Kind::Templates))
                    .post(update_template)
                    .delete(deleting(Store::delete_template)),
            )
            .route(
                "/letters",
                get(listing(Kind::Letters)).post(creating(Store::create_letter)),
            )
            .route(
                "/letters/{id}",
                get(getting(Kind::Letters)).delete(cancel_letter),
            )
            .route("/letters/{id}/cancellation", post(cancel_letter))
            .route("/postcards", get(listing(Kind::Postcards)))
            .route("/postcards/{id}", get(getting(Kind::Postcards)))
            .fallback(|| async {
                reply(error(
                    StatusCode::NOT_FOUND,
                    "not_found_error",
                    "No such endpoint.",
                ))
            })
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate));
        Router::new()
            .nest(BASE_PATH, api)
            .with_state(self.clone())
            .merge(self.controls.routes())
    }

    /// Serves the simulator on `addr` until the process ends; returns the bound address.
    pub async fn spawn(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        serve(self.router(), addr, "PostGrid").await
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicked holder cannot leave the simulator's plain data half-written in a way that
    // matters for tests; keep serving.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn reply((status, body): Reply) -> Response {
    (status, Json(body)).into_response()
}

/// The acting organization and mode of an authenticated request.
#[derive(Debug, Clone)]
struct Caller {
    org: Org,
    live: bool,
}

/// Authentication, `PostGrid-Org`, request counting and faults, in PostGrid's order.
async fn gate(State(sim): State<Arc<Simulator>>, mut req: Request, next: Next) -> Response {
    let org_header = req
        .headers()
        .get("postgrid-org")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    lock(&sim.orgs_seen).push(org_header);
    let path = req.uri().path().to_owned();
    let fault = sim.controls.arrived(req.method().as_str(), &path);
    if let Some(fault) = &fault {
        if fault.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
        }
        if let Some(response) = faulty_response(fault) {
            return response;
        }
    }

    let key = req.headers().get("x-api-key").and_then(|v| v.to_str().ok());
    let live = match key {
        None => {
            return reply(error(
                StatusCode::UNAUTHORIZED,
                "missing_auth_error",
                "Missing API key.",
            ))
        }
        Some(key) => match (&sim.api_key, key) {
            (Some(expected), key) if key != expected => None,
            (_, key) if key.starts_with("live_") => Some(true),
            (_, key) if key.starts_with("test_") => Some(false),
            _ => None,
        },
    };
    let Some(live) = live else {
        return reply(error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key_error",
            "Invalid API key.",
        ));
    };

    let org = match req.headers().get("postgrid-org") {
        None => Org::Parent,
        Some(value) => {
            let id = value.to_str().unwrap_or_default();
            if !lock(&sim.store).has_sub_org(id) {
                // *inferred*: acting for an org that is not a child of the key's organization.
                return reply(error(
                    StatusCode::FORBIDDEN,
                    "permission_missing_error",
                    "This organization may not act for that organization.",
                ));
            }
            if path.starts_with("/sub_organizations") {
                // *inferred*: sub-organization management is for the parent itself only.
                return reply(error(
                    StatusCode::FORBIDDEN,
                    "permission_missing_error",
                    "Sub-organizations cannot be managed on behalf of a sub-organization.",
                ));
            }
            Org::Sub(id.to_owned())
        }
    };
    req.extensions_mut().insert(Caller { org, live });
    next.run(req).await
}

fn faulty_response(fault: &Fault) -> Option<Response> {
    if let Some(broken) = fault.broken_response() {
        return Some(broken);
    }
    let status = StatusCode::from_u16(fault.status?).ok()?;
    let kind = match status.as_u16() {
        400 => "validation_error",
        401 => "invalid_api_key_error",
        403 => "permission_missing_error",
        404 => "not_found_error",
        429 => "rate_limit_exceeded_error",
        503 => "service_unavailable_error",
        _ => "internal_error",
    };
    let mut response = reply(error(
        status,
        kind,
        format!("Simulated {}.", status.as_u16()),
    ));
    if let Some(seconds) = fault.retry_after {
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert("retry-after", value);
        }
    }
    Some(response)
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn json_body(body: &Bytes) -> Result<Value, Reply> {
    serde_json::from_slice(body).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "validation_error",
            "`body` must be JSON.",
        )
    })
}

type Ext = axum::Extension<Caller>;

async fn create_sub_org(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(caller): Ext,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    create_with(&sim, &caller, &headers, &body, |store, _, body, _| {
        store.create_sub_org(body)
    })
}

async fn list_sub_orgs(State(sim): State<Arc<Simulator>>, Query(q): Query<ListQuery>) -> Response {
    reply(lock(&sim.store).list_sub_orgs(&q))
}

async fn get_sub_org(State(sim): State<Arc<Simulator>>, Path(id): Path<String>) -> Response {
    reply(lock(&sim.store).get_sub_org(&id))
}

async fn list_users(
    State(sim): State<Arc<Simulator>>,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    if let Err(r) = q.bounds() {
        return reply(r);
    }
    reply(lock(&sim.store).list_users(&id, &q))
}

/// `GET` a list of one kind of the caller's resources.
fn listing(
    kind: Kind,
) -> impl Fn(State<Arc<Simulator>>, Ext, Query<ListQuery>) -> std::future::Ready<Response>
       + Clone
       + Send
       + Sync
       + 'static {
    move |State(sim), axum::Extension(caller), Query(q)| {
        std::future::ready(reply(lock(&sim.store).list(&caller.org, kind, &q)))
    }
}

/// `GET` one of the caller's resources.
fn getting(
    kind: Kind,
) -> impl Fn(State<Arc<Simulator>>, Ext, Path<String>) -> std::future::Ready<Response>
       + Clone
       + Send
       + Sync
       + 'static {
    move |State(sim), axum::Extension(caller), Path(id)| {
        std::future::ready(reply(lock(&sim.store).get(&caller.org, kind, &id)))
    }
}

type Create = fn(&mut Store, &Org, &Value, bool) -> Reply;

/// `POST` a new resource, through the `Idempotency-Key` replay like PostGrid's.
fn creating(
    create: Create,
) -> impl Fn(State<Arc<Simulator>>, Ext, HeaderMap, Bytes) -> std::future::Ready<Response>
       + Clone
       + Send
       + Sync
       + 'static {
    move |State(sim), axum::Extension(caller), headers, body| {
        std::future::ready(create_with(&sim, &caller, &headers, &body, create))
    }
}

/// `DELETE` one of the caller's resources.
fn deleting(
    delete: fn(&mut Store, &Org, &str) -> Reply,
) -> impl Fn(State<Arc<Simulator>>, Ext, Path<String>) -> std::future::Ready<Response>
       + Clone
       + Send
       + Sync
       + 'static {
    move |State(sim), axum::Extension(caller), Path(id)| {
        std::future::ready(reply(delete(&mut lock(&sim.store), &caller.org, &id)))
    }
}

/// Creates go through the `Idempotency-Key` replay like PostGrid's.
fn create_with(
    sim: &Simulator,
    caller: &Caller,
    headers: &HeaderMap,
    body: &Bytes,
    create: Create,
) -> Response {
    let body = match json_body(body) {
        Ok(b) => b,
        Err(r) => return reply(r),
    };
    let key = idempotency_key(headers);
    let mut store = lock(&sim.store);
    reply(store.idempotent(&caller.org, key.as_deref(), &body, |s| {
        create(s, &caller.org, &body, caller.live)
    }))
}

async fn update_template(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(c): Ext,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    match json_body(&body) {
        Ok(body) => reply(lock(&sim.store).update_template(&c.org, &id, &body)),
        Err(r) => reply(r),
    }
}

/// `DELETE /letters/{id}` (the published description, no note) and `POST
/// /letters/{id}/cancellation` (PostGrid's API reference and Python client: a `note`, form
/// fields or JSON) both cancel; the note is kept in the letter's `cancellation`.
async fn cancel_letter(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(c): Ext,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = headers.get("content-type").is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    let note = if body.is_empty() {
        None
    } else if form {
        url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "note")
            .map(|(_, v)| v.into_owned())
    } else {
        match json_body(&body) {
            Ok(body) => body.get("note").and_then(Value::as_str).map(str::to_owned),
            Err(r) => return reply(r),
        }
    };
    reply(lock(&sim.store).cancel_letter(&c.org, &id, note))
}
