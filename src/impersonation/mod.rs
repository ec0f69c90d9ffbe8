//! Acting on behalf of a sub-organization (DESIGN §5), or of a SendGrid subuser or customer
//! account (§4b): one state machine, its checks and the only place an org-scoped PostGrid
//! client or an acting SendGrid client is minted.
//!
//! State lives in the portal's database, bound to the staff member's session by id (the session
//! holds the id only). Every request re-checks it: absolute expiry, idle timeout, the staff
//! member still an admin, impersonation still switched on. A failed check ends the
//! impersonation, with its reason recorded, before anything is sent as the sub-organization.

pub mod history;
pub mod policy;

use std::sync::Arc;

use serde_json::json;
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;

use crate::audit::{Action, AuditError, AuditLog, AuditedCalls, NewEvent, Origin, Outcome};
use crate::auth::session::Ended;
use crate::auth::{CurrentStaff, Permission};
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::text::{Ticket, TicketTooLong};
use crate::domain::{ImpersonationId, Reason, ReasonProblem, StaffId, SubOrgId, Timestamp};
use crate::postgrid::{OrgClient, OrgContext, PostgridError};
use crate::sendgrid::{Account, ActingClient, ActingContext, SendgridError};
use crate::state::AppState;
use crate::upstream::Provider;

pub const SESSION_KEY: &str = "impersonation";
/// Without a request for this long, an impersonation ends.
pub const IDLE_LIMIT: Duration = Duration::minutes(15);
/// Refresh `last_activity_at` at most this often.
const TOUCH_EVERY: Duration = Duration::seconds(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum Mode {
    ReadOnly,
    Write,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::Write => "write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ReadOnly => "read-only",
            Self::Write => "write",
        }
    }
}

/// How rows and forms read it, by the names of [`Mode::as_str`]: a mode the portal does not
/// know is an error, never read-only by accident or write by mistake.
impl TryFrom<String> for Mode {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        [Self::ReadOnly, Self::Write]
            .into_iter()
            .find(|mode| mode.as_str() == raw)
            .ok_or_else(|| format!("not an impersonation mode: {raw:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    Stopped,
    Expired,
    Idle,
    Logout,
    Revoked,
    Disabled,
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stopped => "stopped",
            Self::Expired => "expired",
            Self::Idle => "idle",
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::Disabled => "disabled",
        }
    }

    /// What the person is told when it ended without them asking.
    pub fn message(self) -> &'static str {
        match self {
            Self::Stopped | Self::Logout => "You stopped acting on the customer's behalf.",
            Self::Expired => "Your time acting on the customer's behalf ran out.",
            Self::Idle => {
                "Acting on the customer's behalf ended after 15 minutes without activity."
            }
            Self::Revoked => {
                "Acting on the customer's behalf ended: your permission to do so changed."
            }
            Self::Disabled => "Acting on the customer's behalf ended: your account was disabled.",
        }
    }
}

/// A session's end ends its impersonation for the same reason.
impl From<Ended> for EndReason {
    fn from(ended: Ended) -> Self {
        match ended {
            Ended::Idle => Self::Idle,
            Ended::Expired => Self::Expired,
            Ended::Revoked => Self::Revoked,
        }
    }
}

/// Whom an impersonation acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A PostGrid sub-organization (`PostGrid-Org`).
    Postgrid(SubOrgId),
    /// A SendGrid subuser or customer account (`on-behalf-of`).
    Sendgrid(Account),
}

impl Target {
    pub fn provider(&self) -> Provider {
        match self {
            Self::Postgrid(_) => Provider::Postgrid,
            Self::Sendgrid(_) => Provider::Sendgrid,
        }
    }

    /// The header value sent for it, as stored and as audit events carry it in `sub_org_id`.
    pub fn acting_for(&self) -> String {
        match self {
            Self::Postgrid(id) => id.to_string(),
            Self::Sendgrid(account) => account.header_value(),
        }
    }

    /// How `PORTAL_IMPERSONATION_BLOCKLIST` names it: a sub-organization by its id, a SendGrid
    /// sub-account as `sendgrid:<on-behalf-of value>`.
    pub fn block_key(&self) -> String {
        match self {
            Self::Postgrid(id) => id.to_string(),
            Self::Sendgrid(account) => format!("sendgrid:{}", account.header_value()),
        }
    }

    /// What acting for it is called on pages: a sub-organization or a SendGrid sub-account.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Postgrid(_) => "sub-organization",
            Self::Sendgrid(_) => "SendGrid sub-account",
        }
    }

    fn load(provider: &str, acting_for: &str) -> Result<Self, String> {
        match Provider::parse(provider) {
            Some(Provider::Postgrid) => SubOrgId::parse(acting_for)
                .map(Self::Postgrid)
                .map_err(|e| e.to_string()),
            Some(Provider::Sendgrid) => Account::parse(acting_for)
                .map(Self::Sendgrid)
                .map_err(|e| e.to_string()),
            None => Err(format!("not a provider: {provider:?}")),
        }
    }
}

/// An impersonation as stored: one row of `impersonations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impersonation {
    pub id: ImpersonationId,
    pub staff_id: StaffId,
    pub target: Target,
    /// The name to show: the sub-organization's, or the subuser's with its email.
    pub sub_org_name: String,
    pub reason: String,
    pub ticket: Option<String>,
    pub mode: Mode,
    pub started_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_activity_at: Timestamp,
}

/// The columns of `impersonations` as they are read, before the target is checked.
#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(try_from = "String")]
    id: ImpersonationId,
    staff_id: StaffId,
    provider: String,
    sub_org_id: String,
    sub_org_name: String,
    reason: String,
    ticket: Option<String>,
    #[sqlx(try_from = "String")]
    mode: Mode,
    #[sqlx(try_from = "String")]
    started_at: Timestamp,
    #[sqlx(try_from = "String")]
    expires_at: Timestamp,
    #[sqlx(try_from = "String")]
    last_activity_at: Timestamp,
}

/// A row whose target does not load (an unknown provider, a malformed id) is an error, never
/// an impersonation of something else.
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for Impersonation
where
    Row: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Row::from_row(row)?.try_into()
    }
}

impl TryFrom<Row> for Impersonation {
    type Error = sqlx::Error;

    fn try_from(row: Row) -> Result<Self, sqlx::Error> {
        let target = Target::load(&row.provider, &row.sub_org_id)
            .map_err(|e| sqlx::Error::Decode(e.into()))?;
        Ok(Self {
            id: row.id,
            staff_id: row.staff_id,
            target,
            sub_org_name: row.sub_org_name,
            reason: row.reason,
            ticket: row.ticket,
            mode: row.mode,
            started_at: row.started_at,
            expires_at: row.expires_at,
            last_activity_at: row.last_activity_at,
        })
    }
}

impl Impersonation {
    /// Whole minutes left before the absolute limit (at least 0).
    pub fn minutes_left(&self, now: OffsetDateTime) -> i64 {
        ((self.expires_at - Timestamp::at(now))
            .whole_seconds()
            .max(0)
            + 59)
            / 60
    }
}

/// An impersonation checked on this request: only [`check`] makes one, and an org client is
/// had only for one, so nothing is sent as a sub-organization without this request's check.
#[derive(Debug, Clone)]
pub struct InForce(Impersonation);

impl std::ops::Deref for InForce {
    type Target = Impersonation;

    fn deref(&self) -> &Impersonation {
        &self.0
    }
}

/// Why a start was refused; each is recorded as `impersonation.denied`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    NotAdmin,
    AlreadyActive,
    SwitchedOff,
    Blocked,
    BadReason(ReasonProblem),
    TicketTooLong,
    BadDuration {
        max: u32,
    },
    /// PostGrid does not confirm the sub-organization as the parent's.
    NotAChild(PostgridError),
    /// SendGrid does not confirm the subuser or customer account as the parent's.
    NotASubAccount(SendgridError),
    /// The refusal or the start could not be recorded.
    Unrecorded,
}

impl Denial {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAdmin => "not_admin",
            Self::AlreadyActive => "already_impersonating",
            Self::SwitchedOff => "impersonation_disabled",
            Self::Blocked => "blocked_sub_org",
            Self::BadReason(ReasonProblem::TooShort) => "reason_too_short",
            Self::BadReason(ReasonProblem::TooLong { .. }) => "reason_too_long",
            Self::TicketTooLong => "ticket_too_long",
            Self::BadDuration { .. } => "bad_duration",
            Self::NotAChild(_) | Self::NotASubAccount(_) => "not_a_child",
            Self::Unrecorded => "audit_unavailable",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NotAdmin => "Only admins may act on a customer's behalf.".to_owned(),
            Self::AlreadyActive => "You are already acting for a sub-organization or a SendGrid sub-account. Stop that first.".to_owned(),
            Self::SwitchedOff => "Acting on customers' behalf is switched off for this portal.".to_owned(),
            Self::Blocked => "This customer is on the portal's block list: nobody may act for it.".to_owned(),
            Self::BadReason(problem) => problem.to_string(),
            Self::TicketTooLong => TicketTooLong.to_string(),
            Self::BadDuration { max } => format!("Choose a duration from 1 to {max} minutes."),
            Self::NotAChild(PostgridError::NotFound { .. } | PostgridError::Forbidden { .. }) => {
                "PostGrid does not confirm this sub-organization as one of yours, so the portal may not act for it.".to_owned()
            }
            Self::NotAChild(other) => format!("The portal could not confirm the sub-organization with PostGrid. {}", other.user_message()),
            Self::NotASubAccount(SendgridError::NotFound { .. } | SendgridError::Forbidden { .. }) => {
                "SendGrid does not confirm this as one of the parent account's subusers or customer accounts, so the portal may not act for it.".to_owned()
            }
            Self::NotASubAccount(other) => format!("The portal could not confirm the sub-account with SendGrid. {}", other.user_message()),
            Self::Unrecorded => "The portal could not record this in its audit log, so it did not start.".to_owned(),
        }
    }
}

pub struct StartRequest {
    pub target: Target,
    pub reason: String,
    pub ticket: Option<String>,
    pub minutes: u32,
}

const COLUMNS: &str = "id, staff_id, provider, sub_org_id, sub_org_name, reason, ticket, mode, \
    started_at, expires_at, last_activity_at";

async fn find_active(
    state: &AppState,
    id: ImpersonationId,
) -> Result<Option<Impersonation>, sqlx::Error> {
    find(&state.db, id, true).await
}

/// Impersonation `id`, if it exists (and, with `open_only`, has not ended).
pub async fn find(
    db: &Database,
    id: ImpersonationId,
    open_only: bool,
) -> Result<Option<Impersonation>, sqlx::Error> {
    let open = if open_only {
        " and ended_at is null"
    } else {
        ""
    };
    on_engine!(db, |pool| sqlx::query_as(&format!(
        "select {COLUMNS} from impersonations where id = $1{open}"
    ))
    .bind(id.to_string())
    .fetch_optional(pool)
    .await)
}

/// The event every impersonation event starts from.
/// An event about `imp`: its provider, target, id and reason filled in.
pub(crate) fn event(
    action: Action,
    outcome: Outcome,
    origin: &Origin,
    imp: &Impersonation,
) -> NewEvent {
    let mut event = NewEvent::new(action, outcome, origin.clone());
    event.provider = Some(imp.target.provider());
    event.sub_org_id = Some(imp.target.acting_for());
    event.impersonation_id = Some(imp.id.to_string());
    event.reason = Some(imp.reason.clone());
    event
}

async fn deny(
    state: &AppState,
    origin: &Origin,
    target: &Target,
    reason: &str,
    denial: Denial,
) -> Denial {
    let mut event = NewEvent::new(Action::ImpersonationDenied, Outcome::Denied, origin.clone())
        .detail(json!({"refusal": denial.code()}));
    event.provider = Some(target.provider());
    event.sub_org_id = Some(target.acting_for());
    event.reason = Some(reason.to_owned());
    match state.audit.append(event).await {
        Ok(_) => denial,
        Err(_) => Denial::Unrecorded,
    }
}

/// Starts acting for a sub-organization, or refuses (recorded) and leaves nothing behind.
pub async fn start(
    state: &AppState,
    me: &CurrentStaff,
    session: &Session,
    origin: &Origin,
    request: StartRequest,
) -> Result<Impersonation, Denial> {
    let imp = match admit(state, me, session, origin, &request).await {
        Ok(imp) => imp,
        // The database or the audit log failed: the refusal could not be recorded either.
        Err(Denial::Unrecorded) => return Err(Denial::Unrecorded),
        Err(denial) => {
            let typed = Reason::as_typed(&request.reason);
            return Err(deny(state, origin, &request.target, &typed, denial).await);
        }
    };
    open(state, session, origin, &imp).await?;
    Ok(imp)
}

/// Every check a start passes, in order, ending with PostGrid confirming the sub-organization
/// as the parent's: the impersonation it would open, not yet stored.
async fn admit(
    state: &AppState,
    me: &CurrentStaff,
    session: &Session,
    origin: &Origin,
    request: &StartRequest,
) -> Result<Impersonation, Denial> {
    if !me.can(Permission::Impersonate) {
        return Err(Denial::NotAdmin);
    }
    if !state.config.impersonation_enabled {
        return Err(Denial::SwitchedOff);
    }
    if acting_already(state, me, session).await? {
        return Err(Denial::AlreadyActive);
    }
    if state
        .config
        .impersonation_blocklist
        .contains(&request.target.block_key())
    {
        return Err(Denial::Blocked);
    }
    let reason = Reason::parse(&request.reason).map_err(Denial::BadReason)?;
    let ticket = Ticket::parse(request.ticket.as_deref()).map_err(|_| Denial::TicketTooLong)?;
    let max = state.config.impersonation_max_minutes;
    if request.minutes == 0 || request.minutes > max {
        return Err(Denial::BadDuration { max });
    }
    let (target, name) = confirm(state, origin, &request.target).await?;
    let now = Timestamp::at(state.clock.now());
    Ok(Impersonation {
        id: ImpersonationId::new(),
        staff_id: me.id,
        target,
        sub_org_name: name,
        reason: reason.as_str().to_owned(),
        ticket: ticket.map(Ticket::into_string),
        mode: Mode::ReadOnly,
        started_at: now,
        expires_at: now + Duration::minutes(request.minutes.into()),
        last_activity_at: now,
    })
}

/// The upstream confirms the target as the parent's own: the target as it answered, and the
/// name to show for it.
async fn confirm(
    state: &AppState,
    origin: &Origin,
    target: &Target,
) -> Result<(Target, String), Denial> {
    match target {
        Target::Postgrid(id) => {
            let sub_org = state
                .parent_client(origin.clone())
                .get_sub_org(id)
                .await
                .map_err(Denial::NotAChild)?;
            Ok((Target::Postgrid(sub_org.id), sub_org.name))
        }
        Target::Sendgrid(account) => {
            let name = state
                .sendgrid_client(origin.clone())
                .map_err(Denial::NotASubAccount)?
                .confirm(account)
                .await
                .map_err(Denial::NotASubAccount)?;
            Ok((target.clone(), name))
        }
    }
}

/// "Already acting" is about the person, in any session: open impersonations whose session is
/// gone end first, so only one still in use counts.
async fn acting_already(
    state: &AppState,
    me: &CurrentStaff,
    session: &Session,
) -> Result<bool, Denial> {
    let now = state.clock.now();
    sweep(
        &state.db,
        &state.audit,
        now,
        state.session_policy.idle,
        Some(me.id),
    )
    .await
    .map_err(|_| Denial::Unrecorded)?;
    let open_elsewhere = find_open_for(&state.db, me.id)
        .await
        .map_err(|_| Denial::Unrecorded)?;
    Ok(open_elsewhere.is_some() || current_id(session).await.is_some())
}

/// Stores `imp`, records its start and binds it to the session, in that order: an
/// impersonation that is not on record is never usable.
async fn open(
    state: &AppState,
    session: &Session,
    origin: &Origin,
    imp: &Impersonation,
) -> Result<(), Denial> {
    // The row claims the person's one open impersonation (a unique index), so two starts at
    // the same moment from two sessions cannot both succeed.
    match insert(&state.db, imp).await {
        Ok(()) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(deny(
                state,
                origin,
                &imp.target,
                &imp.reason,
                Denial::AlreadyActive,
            )
            .await);
        }
        Err(_) => return Err(Denial::Unrecorded),
    }
    // Recorded before the session can use it: an impersonation that is not on record does
    // not start (its row is closed again, and no client was ever minted for it).
    let started = event(Action::ImpersonationStarted, Outcome::Ok, origin, imp).detail(json!({
        "ticket": imp.ticket,
        "mode": imp.mode.as_str(),
        "expires_at": imp.expires_at,
        "sub_org_name": imp.sub_org_name,
    }));
    if state.audit.append(started).await.is_err() {
        let _ = close_unrecorded(&state.db, imp, imp.started_at.time()).await;
        return Err(Denial::Unrecorded);
    }
    let bound = async {
        session.cycle_id().await?;
        session.insert(SESSION_KEY, imp.id).await
    }
    .await
    .is_ok();
    if !bound {
        let _ = end(state, imp, EndReason::Revoked, origin).await;
        return Err(Denial::Unrecorded);
    }
    Ok(())
}

async fn insert(db: &Database, imp: &Impersonation) -> Result<(), sqlx::Error> {
    execute_on_engine!(db, |pool| {
        sqlx::query(
            "insert into impersonations (id, staff_id, provider, sub_org_id, sub_org_name, reason, \
             ticket, mode, started_at, expires_at, last_activity_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(imp.id.to_string())
        .bind(imp.staff_id)
        .bind(imp.target.provider().as_str())
        .bind(imp.target.acting_for())
        .bind(&imp.sub_org_name)
        .bind(&imp.reason)
        .bind(&imp.ticket)
        .bind(imp.mode.as_str())
        .bind(imp.started_at.to_string())
        .bind(imp.expires_at.to_string())
        .bind(imp.last_activity_at.to_string())
        .execute(pool)
        .await
    })?;
    Ok(())
}

/// Closes a row whose start could not be recorded; it was never usable, so there is nothing
/// to record about its end either.
async fn close_unrecorded(
    db: &Database,
    imp: &Impersonation,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    mark_ended(db, imp, EndReason::Revoked, now).await
}

/// Marks `imp` ended, once: how many rows changed (0 when it had already ended).
async fn mark_ended(
    db: &Database,
    imp: &Impersonation,
    reason: EndReason,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    execute_on_engine!(db, |pool| {
        sqlx::query(
            "update impersonations set ended_at = $1, end_reason = $2 \
             where id = $3 and ended_at is null",
        )
        .bind(Timestamp::at(now).to_string())
        .bind(reason.as_str())
        .bind(imp.id.to_string())
        .execute(pool)
        .await
    })
}

/// The person's open impersonation, in whichever session.
pub async fn find_open_for(
    db: &Database,
    staff_id: StaffId,
) -> Result<Option<Impersonation>, sqlx::Error> {
    on_engine!(db, |pool| sqlx::query_as(&format!(
        "select {COLUMNS} from impersonations where staff_id = $1 and ended_at is null"
    ))
    .bind(staff_id)
    .fetch_optional(pool)
    .await)
}

/// Ends every open impersonation (of `staff`, or of everyone) whose time is up or that has
/// seen no request for longer than the impersonation's idle limit or the session's, whichever
/// is shorter: its session has ended or is about to, whether or not anyone saw it end. Run
/// by a periodic sweep and before anything asks whether a person is acting.
pub async fn sweep(
    db: &Database,
    audit: &AuditLog,
    now: OffsetDateTime,
    session_idle: Duration,
    staff: Option<StaffId>,
) -> Result<usize, AuditError> {
    let expired_by = Timestamp::at(now);
    let idle_since = expired_by - IDLE_LIMIT.min(session_idle);
    let sql = format!(
        "select {COLUMNS} from impersonations where ended_at is null \
         and (expires_at <= $1 or last_activity_at < $2) and ($3 < 1 or staff_id = $3)"
    );
    let stale: Vec<Impersonation> = on_engine!(db, |pool| sqlx::query_as(&sql)
        .bind(expired_by.to_string())
        .bind(idle_since.to_string())
        .bind(staff.map_or(0, StaffId::get))
        .fetch_all(pool)
        .await)?;
    for imp in &stale {
        let reason = if imp.expires_at <= expired_by {
            EndReason::Expired
        } else {
            EndReason::Idle
        };
        end_one(db, audit, now, imp, reason, &Origin::default()).await?;
    }
    Ok(stale.len())
}

/// Ends the impersonation bound to a session that has just ended (idle, past its absolute
/// limit, or revoked), with the matching reason.
pub async fn end_bound_to_ended_session(
    state: &AppState,
    id: ImpersonationId,
    reason: EndReason,
    origin: &Origin,
) -> Result<(), AuditError> {
    match find_active(state, id).await? {
        Some(imp) => end(state, &imp, reason, origin).await,
        None => Ok(()),
    }
}

/// The id of the impersonation bound to `session`, if any.
pub async fn current_id(session: &Session) -> Option<ImpersonationId> {
    session
        .get::<ImpersonationId>(SESSION_KEY)
        .await
        .ok()
        .flatten()
}

/// Ends `imp` with `reason` and records it (once, however many processes try).
pub async fn end(
    state: &AppState,
    imp: &Impersonation,
    reason: EndReason,
    origin: &Origin,
) -> Result<(), AuditError> {
    end_one(
        &state.db,
        &state.audit,
        state.clock.now(),
        imp,
        reason,
        origin,
    )
    .await
}

async fn end_one(
    db: &Database,
    audit: &AuditLog,
    now: OffsetDateTime,
    imp: &Impersonation,
    reason: EndReason,
    origin: &Origin,
) -> Result<(), AuditError> {
    if mark_ended(db, imp, reason, now).await? == 1 {
        let event = event(Action::ImpersonationEnded, Outcome::Ok, origin, imp)
            .detail(json!({"end_reason": reason.as_str(), "sub_org_name": imp.sub_org_name}));
        audit.append(event).await?;
    }
    Ok(())
}

/// Ends every active impersonation of one staff member (disabled, demoted, signed out); the
/// staff CLI uses it too, so it needs only the database and the audit log.
pub async fn end_all_for(
    db: &Database,
    audit: &AuditLog,
    now: OffsetDateTime,
    staff_id: StaffId,
    reason: EndReason,
    origin: &Origin,
) -> Result<(), AuditError> {
    end_all_for_except(db, audit, now, staff_id, None, reason, origin).await
}

/// As [`end_all_for`], keeping the impersonation `keep` (the one of the session asking).
pub async fn end_all_for_except(
    db: &Database,
    audit: &AuditLog,
    now: OffsetDateTime,
    staff_id: StaffId,
    keep: Option<ImpersonationId>,
    reason: EndReason,
    origin: &Origin,
) -> Result<(), AuditError> {
    let active: Vec<Impersonation> = on_engine!(db, |pool| sqlx::query_as(&format!(
        "select {COLUMNS} from impersonations where staff_id = $1 and ended_at is null"
    ))
    .bind(staff_id)
    .fetch_all(pool)
    .await)?;
    for imp in active.iter().filter(|imp| Some(imp.id) != keep) {
        end_one(db, audit, now, imp, reason, origin).await?;
    }
    Ok(())
}

/// Stops the session's impersonation at the person's request; the session id changes. With
/// none in this session, the person's open one elsewhere (a session they no longer have)
/// ends instead, so "already acting" is never a dead end.
pub async fn stop(
    state: &AppState,
    session: &Session,
    me: Option<&CurrentStaff>,
    origin: &Origin,
) -> Result<Option<Impersonation>, AuditError> {
    let active = match current_id(session).await {
        Some(id) => find_active(state, id).await?,
        None => match me {
            Some(me) => find_open_for(&state.db, me.id).await?,
            None => None,
        },
    };
    if let Some(imp) = &active {
        end(state, imp, EndReason::Stopped, origin).await?;
    }
    let _ = session.remove::<ImpersonationId>(SESSION_KEY).await;
    let _ = session.cycle_id().await;
    Ok(active)
}

/// The outcome of the check every request makes.
pub enum Checked {
    None,
    Active(Box<InForce>),
    /// It just ended for this reason.
    Ended(EndReason),
}

/// Re-checks the session's impersonation; ends it (recorded) when it may not go on.
pub async fn check(
    state: &AppState,
    session: &Session,
    me: &CurrentStaff,
    origin: &Origin,
) -> Result<Checked, AuditError> {
    let Some(id) = current_id(session).await else {
        return Ok(Checked::None);
    };
    let Some(imp) = find_active(state, id).await? else {
        let _ = session.remove::<ImpersonationId>(SESSION_KEY).await;
        return Ok(Checked::None);
    };
    let now = Timestamp::at(state.clock.now());
    let reason = if imp.staff_id != me.id
        || !me.can(Permission::Impersonate)
        || !state.config.impersonation_enabled
    {
        Some(EndReason::Revoked)
    } else if now >= imp.expires_at {
        Some(EndReason::Expired)
    } else if imp.last_activity_at < now - IDLE_LIMIT {
        Some(EndReason::Idle)
    } else {
        None
    };
    if let Some(reason) = reason {
        end(state, &imp, reason, origin).await?;
        let _ = session.remove::<ImpersonationId>(SESSION_KEY).await;
        let _ = session.cycle_id().await;
        return Ok(Checked::Ended(reason));
    }
    if now - TOUCH_EVERY > imp.last_activity_at {
        execute_on_engine!(state.db, |pool| sqlx::query(
            "update impersonations set last_activity_at = $1 where id = $2"
        )
        .bind(now.to_string())
        .bind(imp.id.to_string())
        .execute(pool)
        .await)?;
    }
    Ok(Checked::Active(Box::new(InForce(imp))))
}

/// Switches write mode on, with its own reason on record, or back to read-only.
pub async fn change_mode(
    state: &AppState,
    imp: &Impersonation,
    to: Mode,
    why: Option<&Reason>,
    origin: &Origin,
) -> Result<(), AuditError> {
    let event = event(Action::ImpersonationModeChanged, Outcome::Ok, origin, imp).detail(json!({
        "mode": {"from": imp.mode.as_str(), "to": to.as_str()},
        "why": why.map(Reason::as_str),
        "sub_org_name": imp.sub_org_name,
    }));
    state.audit.append(event).await?;
    execute_on_engine!(state.db, |pool| sqlx::query(
        "update impersonations set mode = $1 where id = $2 and ended_at is null"
    )
    .bind(to.as_str())
    .bind(imp.id.to_string())
    .execute(pool)
    .await)?;
    Ok(())
}

/// The org-scoped client for a checked, active impersonation of a PostGrid sub-organization:
/// it sends `PostGrid-Org` for this sub-organization only, allows only the operations of the
/// mode, and records every call with the impersonation and the real staff member.
pub fn org_client(state: &AppState, imp: &InForce, origin: Origin) -> Option<OrgClient> {
    let Target::Postgrid(org) = &imp.target else {
        return None;
    };
    let observer = AuditedCalls::new(state.audit.clone(), origin)
        .during_impersonation(imp.id.to_string(), imp.sub_org_name.clone());
    let context = OrgContext::new(org.clone(), policy::allowed(imp.mode));
    Some(OrgClient::new(
        state.postgrid.clone(),
        Arc::new(observer),
        context,
    ))
}

/// The acting SendGrid client for a checked, active impersonation of a subuser or customer
/// account: `on-behalf-of` on every call, only the operations of the mode, every call recorded.
pub fn sendgrid_client(state: &AppState, imp: &InForce, origin: Origin) -> Option<ActingClient> {
    let (Target::Sendgrid(account), Some(transport)) = (&imp.target, &state.sendgrid) else {
        return None;
    };
    let observer = AuditedCalls::new(state.audit.clone(), origin)
        .during_impersonation(imp.id.to_string(), imp.sub_org_name.clone());
    let context = ActingContext::new(account.clone(), policy::sendgrid_allowed(imp.mode));
    Some(ActingClient::new(
        transport.clone(),
        Arc::new(observer),
        context,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mode_loads_only_from_its_own_names() {
        for mode in [Mode::ReadOnly, Mode::Write] {
            assert_eq!(Mode::try_from(mode.as_str().to_owned()), Ok(mode));
        }
        assert!(Mode::try_from("admin".to_owned()).is_err());
        assert!(Mode::try_from("Write".to_owned()).is_err());
    }
}
