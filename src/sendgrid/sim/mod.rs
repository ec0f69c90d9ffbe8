//! The SendGrid simulator: an axum router that answers the v3 endpoints the portal uses, as
//! SendGrid's OpenAPI description (twilio/sendgrid-oai) writes them, from memory. Every resource
//! is scoped by the `on-behalf-of` target (the parent's own without one); an unknown target is
//! refused. Faults are injected as in the PostGrid simulator. Where the description is silent,
//! the code says *inferred*.
//!
//! Used by `demo`, by the integration tests, and on its own as `suborg-portal sim-sendgrid`.

mod seed;
mod store;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::postgrid::sim::faults::{serve, Controls};
use crate::postgrid::sim::{lock, Fault, Seed};
use crate::sendgrid::models::{DayStats, Metrics, MonthlyStats, NamedStats, TemplatePage};
use crate::sendgrid::{ErrorBody, SuppressionKind};
pub use seed::{
    template_id, version_id, ACME, DEMO_CUSTOMER, DEMO_SUBUSER, HOSTILE, HOSTILE_ACCOUNT,
    HOSTILE_SUBUSER,
};
pub use store::MailSent;
use store::{Scope, Store};

/// The allowance the simulator announces in `X-RateLimit-Limit` (*inferred*: SendGrid's
/// rate-limit page shows 500–600 per endpoint).
const RATE_LIMIT: u32 = 600;

/// One request as the simulator saw it (for tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// The `on-behalf-of` header, whatever its case on the wire.
    pub on_behalf_of: Option<String>,
}

pub struct Simulator {
    api_key: Option<String>,
    store: Mutex<Store>,
    controls: Arc<Controls>,
    seen: Mutex<Vec<Seen>>,
}

impl Simulator {
    /// `api_key`: accept only this key; without one, any key that starts `SG.`.
    pub fn new(api_key: Option<String>, seed: Seed) -> Arc<Self> {
        let mut store = Store::default();
        if seed == Seed::Demo {
            seed::demo(&mut store);
        }
        Arc::new(Self {
            api_key,
            store: Mutex::new(store),
            controls: Arc::default(),
            seen: Mutex::new(Vec::new()),
        })
    }

    pub fn inject(&self, fault: Fault) {
        self.controls.inject(fault);
    }

    pub fn clear_faults(&self) {
        self.controls.clear_faults();
    }

    pub fn request_count(&self) -> u64 {
        self.controls.request_count()
    }

    /// Every API request, in order.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.seen).clone()
    }

    /// The mail SendGrid accepted to send.
    pub fn mail_sent(&self) -> Vec<MailSent> {
        lock(&self.store).mail.clone()
    }

    /// Whether `email` is on `kind`'s list of the account `on-behalf-of` names (for tests).
    pub fn is_suppressed(&self, account: &str, kind: SuppressionKind, email: &str) -> bool {
        let mut store = lock(&self.store);
        let scope = Scope::Account(account.to_owned());
        store
            .holdings(&scope)
            .suppressions
            .get(&kind)
            .is_some_and(|list| list.iter().any(|s| s.email == email))
    }

    pub fn router(self: &Arc<Self>) -> Router {
        let api = Router::new()
            .route("/v3/subusers", get(list_subusers))
            .route("/v3/subusers/{name}", axum::routing::patch(update_subuser))
            .route("/v3/subusers/{name}/stats/monthly", get(monthly_stats))
            .route("/v3/partners/accounts/{id}/state", get(account_state))
            .route("/v3/stats", get(stats))
            .route("/v3/suppression/{list}", get(list_suppressions))
            .route("/v3/suppression/{list}/{email}", delete(remove_suppression))
            .route("/v3/asm/suppressions/global/{email}", delete(remove_global))
            .route("/v3/templates", get(list_templates))
            .route("/v3/templates/{id}", get(get_template))
            .route(
                "/v3/templates/{id}/versions/{version}/activate",
                post(activate_version),
            )
            .route("/v3/senders", get(list_senders))
            .route("/v3/mail/send", post(mail_send))
            .fallback(|| async { fail(StatusCode::NOT_FOUND, None, "not found") })
            .layer(axum::middleware::from_fn_with_state(self.clone(), gate));
        Router::new()
            .merge(api)
            .route("/__sim/mail", get(mail_log))
            .with_state(self.clone())
            .merge(self.controls.routes())
    }

    pub async fn spawn(self: &Arc<Self>, addr: SocketAddr) -> std::io::Result<SocketAddr> {
        serve(self.router(), addr, "SendGrid").await
    }
}

/// SendGrid's error body for one problem.
fn fail(status: StatusCode, field: Option<&str>, message: &str) -> Response {
    (status, Json(ErrorBody::one(field, message))).into_response()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `X-RateLimit-*` as SendGrid's rate-limit page shows them, `Reset` a Unix time.
fn rate_headers(response: &mut Response, remaining: u32, reset_in: u64) {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", RATE_LIMIT.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", (unix_now() + reset_in).to_string()),
    ] {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}

/// Paths only the parent itself may use (*inferred*: a subuser cannot manage subusers or
/// customer accounts, so `on-behalf-of` there is refused).
fn parent_only(path: &str) -> bool {
    path.starts_with("/v3/subusers") || path.starts_with("/v3/partners")
}

/// Counting, faults, authentication and the `on-behalf-of` scope, in SendGrid's order.
async fn gate(State(sim): State<Arc<Simulator>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let on_behalf_of = req
        .headers()
        .get("on-behalf-of")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    lock(&sim.seen).push(Seen {
        method: req.method().to_string(),
        path: path.clone(),
        on_behalf_of: on_behalf_of.clone(),
    });
    let fault = sim.controls.arrived(req.method().as_str(), &path);
    if let Some(fault) = &fault {
        if fault.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
        }
        if let Some(broken) = fault.broken_response() {
            return broken;
        }
        if let Some(status) = fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            let message = if status == StatusCode::TOO_MANY_REQUESTS {
                "too many requests".to_owned()
            } else {
                format!("simulated {}", status.as_u16())
            };
            let mut response = fail(status, None, &message);
            if status == StatusCode::TOO_MANY_REQUESTS {
                rate_headers(&mut response, 0, fault.retry_after.unwrap_or(1));
            }
            return response;
        }
    }

    let key = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let accepted = match (key, &sim.api_key) {
        (Some(key), Some(expected)) => key == expected,
        (Some(key), None) => key.starts_with("SG."),
        (None, _) => false,
    };
    if !accepted {
        return fail(StatusCode::UNAUTHORIZED, None, "authorization required");
    }
    let scope = match &on_behalf_of {
        None => Scope::Parent,
        // SendGrid's On Behalf Of page: Mail Send does not honour the header. Its users report
        // the mail accepted and sent as the parent (sendgrid-nodejs#886).
        Some(_) if path == "/v3/mail/send" => Scope::Parent,
        Some(_) if parent_only(&path) => {
            return fail(StatusCode::FORBIDDEN, None, "access forbidden");
        }
        Some(header) => match lock(&sim.store).scope_of(header) {
            Some(scope) => scope,
            // *inferred*: an account that is not the parent's is refused like a missing scope.
            None => return fail(StatusCode::FORBIDDEN, None, "access forbidden"),
        },
    };
    req.extensions_mut().insert(scope);
    req.extensions_mut().insert(Caller { on_behalf_of });
    let mut response = next.run(req).await;
    rate_headers(&mut response, RATE_LIMIT - 1, 60);
    response
}

#[derive(Debug, Clone)]
struct Caller {
    on_behalf_of: Option<String>,
}

type In = axum::Extension<Scope>;

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    username: Option<String>,
    email: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    include_region: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
}

/// A list parameter SendGrid refuses (400, naming the field).
struct BadParameter {
    field: &'static str,
    message: &'static str,
}

impl BadParameter {
    fn answer(self) -> Response {
        fail(StatusCode::BAD_REQUEST, Some(self.field), self.message)
    }
}

impl ListQuery {
    /// `limit` 1–500 and `offset` ≥ 0, as the suppression lists document them.
    fn bounds(&self, default_limit: usize) -> Result<(usize, usize), BadParameter> {
        let number = |raw: &Option<String>, field: &'static str, default: usize| match raw {
            None => Ok(default),
            Some(raw) => raw.parse::<usize>().map_err(|_| BadParameter {
                field,
                message: "must be a whole number",
            }),
        };
        let limit = number(&self.limit, "limit", default_limit)?;
        if !(1..=500).contains(&limit) {
            return Err(BadParameter {
                field: "limit",
                message: "limit must be between 1 and 500",
            });
        }
        Ok((limit, number(&self.offset, "offset", 0)?))
    }
}

fn page<T: Clone>(items: impl Iterator<Item = T>, limit: usize, offset: usize) -> Vec<T> {
    items.skip(offset).take(limit).collect()
}

async fn list_subusers(State(sim): State<Arc<Simulator>>, Query(q): Query<ListQuery>) -> Response {
    // *inferred*: without a limit SendGrid uses its own page size.
    let (limit, offset) = match q.bounds(100) {
        Ok(b) => b,
        Err(bad) => return bad.answer(),
    };
    let store = lock(&sim.store);
    let wanted = q.username.as_deref().unwrap_or("").to_lowercase();
    let with_region = q.include_region.as_deref() == Some("true");
    let found = page(
        store
            .subusers
            .iter()
            // *inferred*: the filter matches usernames that start with it.
            .filter(|s| s.username.to_lowercase().starts_with(&wanted))
            .cloned()
            .map(|mut s| {
                if !with_region {
                    s.region = None;
                }
                s
            }),
        limit,
        offset,
    );
    Json(found).into_response()
}

async fn update_subuser(
    State(sim): State<Arc<Simulator>>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let disabled = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("disabled").and_then(Value::as_bool));
    let Some(disabled) = disabled else {
        return fail(StatusCode::BAD_REQUEST, None, "no fields provided");
    };
    let mut store = lock(&sim.store);
    match store.subusers.iter_mut().find(|s| s.username == name) {
        Some(subuser) => {
            subuser.disabled = disabled;
            StatusCode::NO_CONTENT.into_response()
        }
        // *inferred*: the description lists only 400 "invalid username" for this.
        None => fail(StatusCode::BAD_REQUEST, None, "invalid username"),
    }
}

#[derive(Debug, Deserialize)]
struct MonthQuery {
    date: Option<String>,
}

fn month_of(date: Option<&str>) -> Option<String> {
    let date = date?;
    time::Date::parse(
        date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .map(|_| date[..7].to_owned())
}

async fn monthly_stats(
    State(sim): State<Arc<Simulator>>,
    Path(name): Path<String>,
    Query(q): Query<MonthQuery>,
) -> Response {
    let Some(month) = month_of(q.date.as_deref()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            Some("date"),
            "date is required as YYYY-MM-DD",
        );
    };
    let mut store = lock(&sim.store);
    if !store.subusers.iter().any(|s| s.username == name) {
        return fail(StatusCode::NOT_FOUND, None, "subuser not found");
    }
    let metrics = store
        .holdings(&Scope::Account(name.clone()))
        .monthly
        .get(&month)
        .copied()
        .unwrap_or_default();
    Json(MonthlyStats {
        date: format!("{month}-01"),
        stats: vec![NamedStats {
            name: Some(name),
            kind: Some("subuser".to_owned()),
            metrics,
        }],
    })
    .into_response()
}

async fn account_state(State(sim): State<Arc<Simulator>>, Path(id): Path<String>) -> Response {
    match lock(&sim.store).customers.get(&id) {
        Some(state) => Json(json!({ "state": state })).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"errors": [{"message": "No such endpoint", "field": "", "error_id": "10-40400"}]})),
        )
            .into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct StatsQuery {
    start_date: Option<String>,
}

/// `GET /v3/stats`: the scope's months from `start_date` on (aggregated by month).
async fn stats(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Query(q): Query<StatsQuery>,
) -> Response {
    let Some(from) = month_of(q.start_date.as_deref()) else {
        return fail(
            StatusCode::BAD_REQUEST,
            Some("start_date"),
            "start_date is required as YYYY-MM-DD",
        );
    };
    let mut store = lock(&sim.store);
    let mut months: Vec<(String, Metrics)> = store
        .holdings(&scope)
        .monthly
        .iter()
        .filter(|(month, _)| **month >= from)
        .map(|(m, v)| (m.clone(), *v))
        .collect();
    months.sort_by(|a, b| a.0.cmp(&b.0));
    let days: Vec<DayStats> = months
        .into_iter()
        .map(|(month, metrics)| DayStats {
            date: format!("{month}-01"),
            stats: vec![NamedStats {
                name: None,
                kind: None,
                metrics,
            }],
        })
        .collect();
    Json(days).into_response()
}

/// The list a `/v3/suppression/{list}` path names.
fn list_named(list: &str) -> Option<SuppressionKind> {
    SuppressionKind::ALL
        .into_iter()
        .find(|k| k.list_path() == format!("/v3/suppression/{list}"))
}

async fn list_suppressions(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Path(list): Path<String>,
    Query(q): Query<ListQuery>,
) -> Response {
    let Some(kind) = list_named(&list) else {
        return fail(StatusCode::NOT_FOUND, None, "not found");
    };
    let (limit, offset) = match q.bounds(500) {
        Ok(b) => b,
        Err(bad) => return bad.answer(),
    };
    let mut store = lock(&sim.store);
    let wanted = q.email.as_deref().unwrap_or("").to_lowercase();
    let entries = store
        .holdings(&scope)
        .suppressions
        .get(&kind)
        .cloned()
        .unwrap_or_default();
    let found = page(
        entries.into_iter().filter(|s| {
            s.email.to_lowercase().starts_with(&wanted)
                && q.start_time.is_none_or(|t| s.created >= t)
                && q.end_time.is_none_or(|t| s.created <= t)
        }),
        limit,
        offset,
    );
    Json(found).into_response()
}

fn remove_from(sim: &Simulator, scope: &Scope, kind: SuppressionKind, email: &str) -> bool {
    let mut store = lock(&sim.store);
    let Some(list) = store.holdings(scope).suppressions.get_mut(&kind) else {
        return false;
    };
    let before = list.len();
    list.retain(|s| s.email != email);
    list.len() < before
}

async fn remove_suppression(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Path((list, email)): Path<(String, String)>,
) -> Response {
    match list_named(&list) {
        // Global unsubscribes are removed through `/v3/asm/suppressions/global/{email}`.
        Some(SuppressionKind::GlobalUnsubscribes) | None => {
            fail(StatusCode::NOT_FOUND, None, "not found")
        }
        Some(kind) if remove_from(&sim, &scope, kind, &email) => {
            StatusCode::NO_CONTENT.into_response()
        }
        // *inferred*: the description documents only 204; an address not on the list is
        // answered as not found.
        Some(_) => fail(StatusCode::NOT_FOUND, Some("email"), "email does not exist"),
    }
}

/// Removing a global unsubscribe answers 204 whether or not the address was on the list.
async fn remove_global(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Path(email): Path<String>,
) -> StatusCode {
    remove_from(&sim, &scope, SuppressionKind::GlobalUnsubscribes, &email);
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
struct TemplateQuery {
    generations: Option<String>,
    page_size: Option<String>,
    page_token: Option<String>,
}

fn template_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"errors": [{"message": message, "error_id": "templates.page_size"}]})),
    )
        .into_response()
}

async fn list_templates(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Query(q): Query<TemplateQuery>,
) -> Response {
    let Some(size) = q.page_size.as_deref().and_then(|s| s.parse::<usize>().ok()) else {
        return template_error("page_size is required");
    };
    if !(1..=200).contains(&size) {
        return template_error("page_size must be between 1 and 200");
    }
    let generations = q.generations.as_deref().unwrap_or("legacy");
    // *inferred*: the token is opaque to clients; here it is the offset of the next page.
    let offset = q
        .page_token
        .as_deref()
        .and_then(|t| t.parse::<usize>().ok())
        .unwrap_or(0);
    let mut store = lock(&sim.store);
    let all: Vec<_> = store
        .holdings(&scope)
        .templates
        .iter()
        .filter(|t| generations.split(',').any(|g| g == t.generation))
        .cloned()
        .collect();
    let count = all.len();
    let result = page(all.into_iter(), size, offset);
    let next = (offset + size < count).then(|| {
        format!(
            "https://api.sendgrid.com/v3/templates?generations={generations}&page_size={size}&page_token={}",
            offset + size
        )
    });
    Json(TemplatePage {
        result,
        metadata: crate::sendgrid::models::PageLinks {
            next,
            count: Some(count as u64),
        },
    })
    .into_response()
}

async fn get_template(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Path(id): Path<String>,
) -> Response {
    let mut store = lock(&sim.store);
    match store.holdings(&scope).templates.iter().find(|t| t.id == id) {
        Some(template) => Json(template.clone()).into_response(),
        // *inferred*: no 404 is documented; SendGrid's other lookups answer this way.
        None => fail(
            StatusCode::NOT_FOUND,
            Some("template_id"),
            "resource not found",
        ),
    }
}

async fn activate_version(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(scope): In,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    let mut store = lock(&sim.store);
    let Some(template) = store
        .holdings(&scope)
        .templates
        .iter_mut()
        .find(|t| t.id == id)
    else {
        return fail(
            StatusCode::NOT_FOUND,
            Some("template_id"),
            "resource not found",
        );
    };
    if !template.versions.iter().any(|v| v.id == version) {
        return fail(
            StatusCode::NOT_FOUND,
            Some("version_id"),
            "resource not found",
        );
    }
    let mut activated = None;
    for v in &mut template.versions {
        v.active = u8::from(v.id == version);
        if v.id == version {
            activated = Some(v.clone());
        }
    }
    Json(activated).into_response()
}

async fn list_senders(State(sim): State<Arc<Simulator>>, axum::Extension(scope): In) -> Response {
    let mut store = lock(&sim.store);
    let result = store.holdings(&scope).senders.clone();
    Json(json!({ "result": result })).into_response()
}

/// Accepted (202) and sent as the parent, whatever `on-behalf-of` says.
async fn mail_send(
    State(sim): State<Arc<Simulator>>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> StatusCode {
    lock(&sim.store).mail.push(MailSent {
        on_behalf_of: caller.on_behalf_of,
        sent_as: "parent".to_owned(),
    });
    StatusCode::ACCEPTED
}

// --- the mail log, for end-to-end tests ---

async fn mail_log(State(sim): State<Arc<Simulator>>) -> Json<Value> {
    Json(json!({"mail": sim.mail_sent()}))
}
