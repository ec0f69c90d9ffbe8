//! Staff accounts in the portal's database.

use sqlx::FromRow;
use time::{Duration, OffsetDateTime};

use super::role::Role;
use crate::audit::format_time;
use crate::db::{on_engine, Database, Pool};
use crate::domain::{Email, StaffId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub password_hash: String,
    /// Bumped whenever every existing session of this person must end.
    pub session_version: i64,
    pub created_at: String,
    /// A second factor is enrolled: sign-in and step-up ask for its code.
    pub mfa_enrolled: bool,
    /// An admin asked for a new password: the person chooses one before anything else.
    pub must_change_password: bool,
    /// May sign in with a password when `PORTAL_PASSWORD_SIGNIN=break-glass`.
    pub break_glass: bool,
    /// The IANA time zone they read times in; `None` is UTC.
    pub time_zone: Option<String>,
}

#[derive(FromRow)]
struct StaffRow {
    id: StaffId,
    email: String,
    name: String,
    role: String,
    disabled: bool,
    password_hash: String,
    session_version: i64,
    created_at: String,
    mfa_enrolled: bool,
    must_change_password: bool,
    break_glass: bool,
    time_zone: Option<String>,
}

impl TryFrom<StaffRow> for Staff {
    type Error = sqlx::Error;
    fn try_from(row: StaffRow) -> Result<Self, Self::Error> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown role {:?}", row.role).into()))?;
        Ok(Self {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            disabled: row.disabled,
            password_hash: row.password_hash,
            session_version: row.session_version,
            created_at: row.created_at,
            mfa_enrolled: row.mfa_enrolled,
            must_change_password: row.must_change_password,
            break_glass: row.break_glass,
            time_zone: row.time_zone,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("a staff member with that email already exists")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const COLUMNS: &str = "id, email, name, role, disabled, password_hash, session_version, \
    created_at, (totp_enrolled_at is not null) as mfa_enrolled, must_change_password, break_glass, \
    time_zone";

pub async fn insert_staff(
    db: &Database,
    email: &Email,
    name: &str,
    role: Role,
    password_hash: &str,
    must_change_password: bool,
    now: OffsetDateTime,
) -> Result<Staff, StaffError> {
    let at = format_time(now);
    let sql = format!(
        "insert into staff (email, name, role, password_hash, created_at, updated_at, \
         must_change_password) values ($1, $2, $3, $4, $5, $6, {must_change_password}) \
         returning {COLUMNS}"
    );
    let inserted = on_engine!(db, |pool| {
        sqlx::query_as::<_, StaffRow>(&sql)
            .bind(email.as_str())
            .bind(name.trim())
            .bind(role.as_str())
            .bind(password_hash)
            .bind(&at)
            .bind(&at)
            .fetch_one(pool)
            .await
    });
    match inserted {
        Ok(row) => Ok(Staff::try_from(row)?),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StaffError::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

pub async fn find_by_email(db: &Database, email: &str) -> Result<Option<Staff>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from staff where lower(email) = lower($1)");
    on_engine!(db, |pool| {
        sqlx::query_as::<_, StaffRow>(&sql)
            .bind(email.trim())
            .fetch_optional(pool)
            .await
    })?
    .map(Staff::try_from)
    .transpose()
}

pub async fn find_by_id(db: &Database, id: StaffId) -> Result<Option<Staff>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from staff where id = $1");
    on_engine!(db, |pool| {
        sqlx::query_as::<_, StaffRow>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await
    })?
    .map(Staff::try_from)
    .transpose()
}

/// The staff member a path names by id; an id that is not a number names nobody.
pub async fn find_by_path_id(db: &Database, raw: &str) -> Result<Option<Staff>, sqlx::Error> {
    match raw.parse::<i64>() {
        Ok(id) => find_by_id(db, StaffId::from(id)).await,
        Err(_) => Ok(None),
    }
}

pub async fn list_staff(db: &Database) -> Result<Vec<Staff>, sqlx::Error> {
    let sql = format!("select {COLUMNS} from staff order by lower(email)");
    on_engine!(db, |pool| sqlx::query_as::<_, StaffRow>(&sql)
        .fetch_all(pool)
        .await)?
    .into_iter()
    .map(Staff::try_from)
    .collect()
}

/// Marks `id` as a break-glass account (the command line only: operators choose them).
pub async fn set_break_glass(db: &Database, id: StaffId) -> Result<(), sqlx::Error> {
    const SQL: &str = "update staff set break_glass = true where id = $1";
    crate::db::execute_on_engine!(db, |pool| sqlx::query(SQL).bind(id).execute(pool).await)?;
    Ok(())
}

/// Changes that end every existing session of the person (their `session_version` moves on).
pub enum Change<'a> {
    Role(Role),
    Disable,
    Enable,
    /// A new password hash; `must_change` asks the person to replace it at once (an admin set
    /// it for them).
    Password {
        hash: &'a str,
        must_change: bool,
    },
    /// Forgets the second factor (lost phone): the person enrols again at next sign-in.
    ResetMfa,
}

impl Change<'_> {
    /// Whether the change takes an admin away, so the last-admin rule applies.
    pub fn removes_an_admin(&self) -> bool {
        match self {
            Self::Role(role) => *role != Role::Admin,
            Self::Disable => true,
            Self::Enable | Self::Password { .. } | Self::ResetMfa => false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("this is the last active admin")]
    LastAdmin,
    #[error("there is no such staff member")]
    NotFound,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The key of PostgreSQL's advisory lock on staff changes ("staffchg" in ASCII).
const STAFF_LOCK_KEY: i64 = 0x7374_6166_6663_6867;

/// Applies `change` in one atomic step with the last-admin rule: an active admin is demoted
/// or disabled only if another active admin remains when the change commits, however many
/// admins change each other at the same moment (from the web or the CLI, in any process).
///
/// The rule is a condition of the `update` itself. SQLite runs one writer at a time, so the
/// statement sees every committed change; PostgreSQL (read committed) takes a transaction-
/// scoped advisory lock first, so the statement's snapshot is taken after the other change
/// committed.
pub async fn update_staff(
    db: &Database,
    id: StaffId,
    change: Change<'_>,
    now: OffsetDateTime,
) -> Result<(), ChangeError> {
    let at = format_time(now);
    let guard = if change.removes_an_admin() {
        " and (role <> 'admin' or disabled or exists (select 1 from staff other \
          where other.id <> staff.id and other.role = 'admin' and not other.disabled))"
    } else {
        ""
    };
    let (set, value) = match change {
        Change::Role(role) => ("role = $3", Some(role.as_str())),
        Change::Disable => ("disabled = true", None),
        Change::Enable => ("disabled = false", None),
        Change::Password {
            hash,
            must_change: true,
        } => (
            "password_hash = $3, must_change_password = true",
            Some(hash),
        ),
        Change::Password {
            hash,
            must_change: false,
        } => (
            "password_hash = $3, must_change_password = false",
            Some(hash),
        ),
        Change::ResetMfa => (
            "totp_secret = null, totp_pending = null, totp_enrolled_at = null, \
             totp_last_step = null",
            None,
        ),
    };
    let sql = format!(
        "update staff set {set}, session_version = session_version + 1, updated_at = $1 \
         where id = $2{guard}"
    );
    let changed = match db.pool() {
        Pool::Sqlite(pool) => {
            let mut query = sqlx::query(&sql).bind(&at).bind(id);
            if let Some(value) = value {
                query = query.bind(value);
            }
            query.execute(pool).await?.rows_affected()
        }
        Pool::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("select pg_advisory_xact_lock($1)")
                .bind(STAFF_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            let mut query = sqlx::query(&sql).bind(&at).bind(id);
            if let Some(value) = value {
                query = query.bind(value);
            }
            let changed = query.execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            changed
        }
    };
    if changed == 1 {
        // The bump ended every session of theirs; their rows say so.
        super::session_registry::end_all(db, id, now).await?;
        return Ok(());
    }
    match find_by_id(db, id).await? {
        Some(_) => Err(ChangeError::LastAdmin),
        None => Err(ChangeError::NotFound),
    }
}

/// How many failures lock an account, within what window, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub max_failures: i64,
    pub window: Duration,
    pub lock_for: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::minutes(15),
            lock_for: Duration::minutes(15),
        }
    }
}

/// Sets the time zone `id` reads times in (an IANA name already checked, or `None` for UTC).
pub async fn set_time_zone(
    db: &Database,
    id: StaffId,
    time_zone: Option<&str>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "update staff set time_zone = $1 where id = $2";
    on_engine!(db, |pool| sqlx::query(SQL)
        .bind(time_zone)
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ())?);
    Ok(())
}
