//! Four eyes for write mode (`PORTAL_WRITE_APPROVAL=required`, issue #17): switching an
//! impersonation to write mode files a request that another admin grants or denies on
//! `/approvals` within [`WINDOW`]. A grant is for that impersonation only and ends with it; the
//! requester never decides their own. Each step is one conditional statement, so two admins
//! deciding at once (in any process) decide once, and each is recorded.

use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::audit::{Action, AuditError, AuditLog, NewEvent, Origin, Outcome};
use crate::db::{execute_on_engine, on_engine, Database};
use crate::domain::{ApprovalId, ImpersonationId, Reason, StaffId, Timestamp};
use crate::impersonation::{self, Impersonation};

/// How long a request waits for a decision.
pub const WINDOW: Duration = Duration::minutes(15);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Granted,
    Denied,
    Expired,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Denied => "denied",
            Self::Expired => "expired",
        }
    }

    fn action(self) -> Action {
        match self {
            Self::Granted => Action::ApprovalGranted,
            Self::Denied => Action::ApprovalDenied,
            Self::Expired => Action::ApprovalExpired,
        }
    }
}

impl TryFrom<String> for Decision {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        [Self::Granted, Self::Denied, Self::Expired]
            .into_iter()
            .find(|d| d.as_str() == raw)
            .ok_or_else(|| format!("not a decision: {raw:?}"))
    }
}

/// A request as listed: with who asked, for whom, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Approval {
    #[sqlx(try_from = "String")]
    pub id: ApprovalId,
    #[sqlx(try_from = "String")]
    pub impersonation_id: ImpersonationId,
    pub requester_id: StaffId,
    pub requester_name: String,
    pub requester_email: String,
    /// What the impersonation acts for (a sub-organization id or a SendGrid account).
    pub acting_for: String,
    pub acting_for_name: String,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub requested_at: Timestamp,
    #[sqlx(try_from = "String")]
    pub expires_at: Timestamp,
    pub decision: Option<String>,
    pub decided_by_name: Option<String>,
}

impl Approval {
    pub fn decision(&self) -> Option<Decision> {
        self.decision
            .clone()
            .and_then(|d| Decision::try_from(d).ok())
    }
}

const SELECT: &str = "select a.id, a.impersonation_id, a.requester_id, \
    s.name as requester_name, s.email as requester_email, i.sub_org_id as acting_for, \
    i.sub_org_name as acting_for_name, a.reason, a.requested_at, a.expires_at, a.decision, \
    d.name as decided_by_name \
    from approvals a join staff s on s.id = a.requester_id \
    join impersonations i on i.id = a.impersonation_id \
    left join staff d on d.id = a.decided_by";

/// The latest request for `imp`, whatever became of it.
pub async fn latest_for(
    db: &Database,
    imp: ImpersonationId,
) -> Result<Option<Approval>, sqlx::Error> {
    let sql =
        format!("{SELECT} where a.impersonation_id = $1 order by a.requested_at desc limit 1");
    on_engine!(db, |pool| sqlx::query_as(&sql)
        .bind(imp.to_string())
        .fetch_optional(pool)
        .await)
}

/// The reason another admin granted write mode for on `imp`, if one did (good until it ends).
pub async fn granted_for(
    db: &Database,
    imp: ImpersonationId,
) -> Result<Option<String>, sqlx::Error> {
    const SQL: &str = "select reason from approvals where impersonation_id = $1 \
        and decision = 'granted' order by decided_at desc limit 1";
    on_engine!(db, |pool| sqlx::query_scalar(SQL)
        .bind(imp.to_string())
        .fetch_optional(pool)
        .await)
}

/// Requests still waiting for a decision, oldest first, and the last ones decided.
pub async fn list(db: &Database, now: OffsetDateTime) -> Result<Vec<Approval>, sqlx::Error> {
    let sql = format!(
        "{SELECT} where (a.decision is null and a.expires_at > $1) or a.requested_at > $2 \
         order by a.decision is not null, a.requested_at desc limit 50"
    );
    on_engine!(db, |pool| sqlx::query_as(&sql)
        .bind(Timestamp::at(now).to_string())
        .bind(Timestamp::at(now - Duration::days(1)).to_string())
        .fetch_all(pool)
        .await)
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// Files a request for write mode on `imp` (or keeps the one already waiting).
pub async fn request(
    db: &Database,
    audit: &AuditLog,
    imp: &Impersonation,
    why: &Reason,
    origin: &Origin,
    now: OffsetDateTime,
) -> Result<Approval, ApprovalError> {
    expire_overdue(db, audit, now).await?;
    if let Some(waiting) = latest_for(db, imp.id)
        .await?
        .filter(|a| a.decision.is_none())
    {
        return Ok(waiting);
    }
    let id = ApprovalId::new();
    let event = impersonation::event(Action::ApprovalRequested, Outcome::Pending, origin, imp)
        .detail(json!({"approval_id": id.to_string(), "why": why.as_str(), "expires_at": Timestamp::at(now + WINDOW)}));
    // Recorded first: a request nobody can see in the log is not filed.
    audit.append(event).await?;
    const INSERT: &str = "insert into approvals (id, impersonation_id, requester_id, reason, \
        requested_at, expires_at) values ($1, $2, $3, $4, $5, $6)";
    execute_on_engine!(db, |pool| sqlx::query(INSERT)
        .bind(id.to_string())
        .bind(imp.id.to_string())
        .bind(imp.staff_id)
        .bind(why.as_str())
        .bind(Timestamp::at(now).to_string())
        .bind(Timestamp::at(now + WINDOW).to_string())
        .execute(pool)
        .await)?;
    latest_for(db, imp.id)
        .await?
        .ok_or_else(|| ApprovalError::Database(sqlx::Error::RowNotFound))
}

/// Why a decision was not made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotDecided {
    #[error("There is no such request.")]
    NoSuchRequest,
    #[error("You cannot decide your own request; another admin must.")]
    OwnRequest,
    #[error("This request was already decided.")]
    AlreadyDecided,
    #[error("This request waited more than 15 minutes and expired; they can ask again.")]
    Expired,
    #[error("The impersonation this request was for has ended.")]
    Ended,
}

/// Grants or denies request `id` as admin `by`; recorded with the impersonation's details.
pub async fn decide(
    db: &Database,
    audit: &AuditLog,
    id: ApprovalId,
    by: StaffId,
    grant: bool,
    origin: &Origin,
    now: OffsetDateTime,
) -> Result<Result<Approval, NotDecided>, ApprovalError> {
    expire_overdue(db, audit, now).await?;
    let decision = if grant {
        Decision::Granted
    } else {
        Decision::Denied
    };
    const DECIDE: &str = "update approvals set decision = $1, decided_by = $2, decided_at = $3 \
        where id = $4 and decision is null and expires_at > $3 and requester_id <> $2 \
        and exists (select 1 from impersonations i where i.id = approvals.impersonation_id \
            and i.ended_at is null)";
    let decided = execute_on_engine!(db, |pool| sqlx::query(DECIDE)
        .bind(decision.as_str())
        .bind(by)
        .bind(Timestamp::at(now).to_string())
        .bind(id.to_string())
        .execute(pool)
        .await)?;
    let Some(approval) = find(db, id).await? else {
        return Ok(Err(NotDecided::NoSuchRequest));
    };
    if decided != 1 {
        let ended = impersonation::find(db, approval.impersonation_id, true)
            .await?
            .is_none();
        let why = if approval.requester_id == by {
            NotDecided::OwnRequest
        } else if approval.decision() == Some(Decision::Expired) {
            NotDecided::Expired
        } else if approval.decision.is_some() {
            NotDecided::AlreadyDecided
        } else if ended {
            NotDecided::Ended
        } else {
            NotDecided::Expired
        };
        return Ok(Err(why));
    }
    record(db, audit, &approval, decision, origin).await?;
    Ok(Ok(approval))
}

async fn find(db: &Database, id: ApprovalId) -> Result<Option<Approval>, sqlx::Error> {
    let sql = format!("{SELECT} where a.id = $1");
    on_engine!(db, |pool| sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(pool)
        .await)
}

async fn record(
    db: &Database,
    audit: &AuditLog,
    approval: &Approval,
    decision: Decision,
    origin: &Origin,
) -> Result<(), ApprovalError> {
    let detail = json!({
        "approval_id": approval.id.to_string(),
        "requester_id": approval.requester_id,
        "requester_email": approval.requester_email,
        "why": approval.reason,
    });
    let event = match impersonation::find(db, approval.impersonation_id, false).await? {
        Some(imp) => impersonation::event(decision.action(), Outcome::Ok, origin, &imp),
        None => NewEvent::new(decision.action(), Outcome::Ok, origin.clone()),
    };
    audit.append(event.detail(detail)).await?;
    Ok(())
}

/// Marks every request past its window without a decision as expired, and records each once.
/// Run by the periodic sweep and before any request is filed or decided.
pub async fn expire_overdue(
    db: &Database,
    audit: &AuditLog,
    now: OffsetDateTime,
) -> Result<(), ApprovalError> {
    const OVERDUE: &str = "select id from approvals where decision is null and expires_at <= $1";
    const EXPIRE: &str =
        "update approvals set decision = 'expired' where id = $1 and decision is null";
    let at = Timestamp::at(now).to_string();
    let overdue: Vec<String> = on_engine!(db, |pool| sqlx::query_scalar(OVERDUE)
        .bind(&at)
        .fetch_all(pool)
        .await)?;
    for id in overdue {
        let expired =
            execute_on_engine!(db, |pool| sqlx::query(EXPIRE).bind(&id).execute(pool).await)?;
        let Ok(id) = id.parse::<ApprovalId>() else {
            continue;
        };
        if expired == 1 {
            if let Some(approval) = find(db, id).await? {
                record(db, audit, &approval, Decision::Expired, &Origin::default()).await?;
            }
        }
    }
    Ok(())
}
