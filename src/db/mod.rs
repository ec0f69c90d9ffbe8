//! The portal's database: connection, migrations and readiness, on SQLite or PostgreSQL.
//!
//! Which engine sits behind [`Database`] is decided here from `DATABASE_URL`. Code that runs
//! SQL does it through [`on_engine!`], which compiles its body once per engine; the SQL in it is
//! written once, in the dialect both engines share: `$1` placeholders (SQLite takes them too),
//! `returning`, `on conflict`, `true`/`false`, `lower()` for case-insensitive matches.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long a request waits for a PostgreSQL connection before it fails (closed): while the
/// server is unreachable, pages and `/readyz` answer within this rather than hang.
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL {0:?} names an engine this portal does not support")]
    UnsupportedUrl(String),
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// The path of a SQLite database file named by a `sqlite:` URL (none for in-memory databases).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The connection pool of the engine in use.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the pool of the engine `$db` is on. The body is compiled
/// once per engine, so its SQL must be valid on both (see the module's documentation).
#[macro_export]
macro_rules! on_engine {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $crate::db::Database::pool(&$db) {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub use on_engine;

/// As [`on_engine!`] for a body that ends in `execute(…).await`, whose result type differs by
/// engine: yields how many rows the statement changed.
#[macro_export]
macro_rules! execute_on_engine {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $crate::db::Database::pool(&$db) {
            $crate::db::Pool::Sqlite($pool) => $body.map(|done| done.rows_affected()),
            $crate::db::Pool::Postgres($pool) => $body.map(|done| done.rows_affected()),
        }
    };
}
pub use execute_on_engine;

/// A cheap-to-clone handle on the portal's database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: Pool,
}

impl Database {
    /// Opens the database named by `url`, creating a SQLite file and its directory if needed.
    /// Migrations are not applied here: call [`Database::migrate`].
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => Self::connect_sqlite(url).await,
            Some(Engine::Postgres) => Self::connect_postgres(url).await,
            None => Err(DbError::UnsupportedUrl(url.to_owned())),
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbError> {
        if let Some(dir) = sqlite_file(url).as_deref().and_then(Path::parent) {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|source| DbError::DataDir {
                    path: dir.to_owned(),
                    source,
                })?;
            }
        }
        let options = SqliteConnectOptions::from_str(url)
            .map_err(DbError::Connect)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed audit event survives a power loss, not only a crash.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Self {
            pool: Pool::Sqlite(pool),
        })
    }

    /// The pool checks each connection before handing it out and opens new ones as needed, so
    /// the portal rides out a server restart by itself; while the server is gone, work that
    /// needs it fails after [`POSTGRES_ACQUIRE_TIMEOUT`].
    async fn connect_postgres(url: &str) -> Result<Self, DbError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(DbError::Connect)?
            .application_name("suborg-portal");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(DbError::Connect)?;
        Ok(Self {
            pool: Pool::Postgres(pool),
        })
    }

    pub fn engine(&self) -> Engine {
        match self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    fn migrator(&self) -> &'static Migrator {
        match self.engine() {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the engine's migrations. On PostgreSQL they run under an advisory lock, so
    /// several portal processes may start at once.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let migrator = self.migrator();
        on_engine!(self, |pool| migrator.run(pool).await)?;
        Ok(())
    }

    /// Ready means reachable and carrying every migration this binary knows.
    pub async fn is_ready(&self) -> Result<bool, DbError> {
        const APPLIED: &str = "select version from _sqlx_migrations where success";
        let applied: Vec<i64> = on_engine!(self, |pool| sqlx::query_scalar(APPLIED)
            .fetch_all(pool)
            .await)?;
        Ok(self.migrator().iter().all(|m| applied.contains(&m.version)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://data/portal.db"),
            Some(PathBuf::from("data/portal.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/tmp/x.db?mode=rwc"),
            Some(PathBuf::from("/tmp/x.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://localhost/x"), None);
    }

    #[tokio::test]
    async fn a_fresh_database_is_created_migrated_and_ready() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/nested/portal.db", dir.path().display());
        let db = Database::connect(&url).await.expect("connect");
        assert!(!db.is_ready().await.unwrap_or(false));
        db.migrate().await.expect("migrate");
        assert!(db.is_ready().await.expect("readiness"));
        assert!(dir.path().join("nested/portal.db").exists());
    }
}
