//! The portal's database: connection, migrations and readiness.
//!
//! Pages and domain modules see only [`Database`]; which engine sits behind it is decided here
//! from `DATABASE_URL`, so PostgreSQL can join SQLite without touching them.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

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
    #[error("PostgreSQL is not supported yet; use a sqlite: DATABASE_URL")]
    PostgresNotYetSupported,
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

/// A cheap-to-clone handle on the portal's database.
#[derive(Clone, Debug)]
pub struct Database {
    pool: SqlitePool,
}

impl Database {
    /// Opens the database named by `url`, creating a SQLite file and its directory if needed.
    /// Migrations are not applied here: call [`Database::migrate`].
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        match Engine::of_url(url) {
            Some(Engine::Sqlite) => Self::connect_sqlite(url).await,
            Some(Engine::Postgres) => Err(DbError::PostgresNotYetSupported),
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
        Ok(Self { pool })
    }

    pub async fn migrate(&self) -> Result<(), DbError> {
        SQLITE_MIGRATIONS.run(&self.pool).await?;
        Ok(())
    }

    /// Ready means reachable and carrying every migration this binary knows.
    pub async fn is_ready(&self) -> Result<bool, DbError> {
        let applied: Vec<i64> =
            sqlx::query_scalar("select version from _sqlx_migrations where success")
                .fetch_all(&self.pool)
                .await?;
        Ok(SQLITE_MIGRATIONS
            .iter()
            .all(|m| applied.contains(&m.version)))
    }

    pub fn sqlite(&self) -> &SqlitePool {
        &self.pool
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
