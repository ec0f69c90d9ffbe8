//! Filters and keyset pagination over the audit log, for review pages and exports.

use sqlx::{Database as Engine, Encode, QueryBuilder, Type};

use super::event::{Action, Outcome, StoredEvent};
use super::{AuditError, AuditLog};
use crate::db::on_engine;

/// What to select. Every field narrows; empty selects everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub actor_email: Option<String>,
    pub sub_org_id: Option<String>,
    pub provider: Option<super::Provider>,
    pub action: Option<Action>,
    pub outcome: Option<Outcome>,
    pub impersonation_id: Option<String>,
    /// The events of one upstream call.
    pub call_id: Option<String>,
    /// Leaves out `audit.viewed`: the review's own page views, which would drown the rest.
    pub hide_views: bool,
    /// Inclusive, in the stored time format (see [`super::event::parse_time`]).
    pub since: Option<String>,
    /// Exclusive, in the stored time format.
    pub until: Option<String>,
    /// Free text over reason and detail.
    pub text: Option<String>,
    /// Only events up to this `seq`: an export is the log as it stood when it was asked for.
    pub up_to_seq: Option<i64>,
}

/// Where a page starts: keyset on `seq`, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    Newest,
    /// Events older than this `seq`.
    Before(i64),
    /// Events newer than this `seq` (the page is still returned newest first).
    After(i64),
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Filter {
    /// `select * from audit_events where …` followed by `tail`.
    pub(super) fn select<'a, DB>(&'a self, tail: &str) -> QueryBuilder<'a, DB>
    where
        DB: Engine,
        &'a str: Encode<'a, DB> + Type<DB>,
        &'a String: Encode<'a, DB> + Type<DB>,
        String: Encode<'a, DB> + Type<DB>,
        i64: Encode<'a, DB> + Type<DB>,
    {
        self.query("select * from audit_events where 1 = 1", tail)
    }

    /// `head` (which ends in a `where` clause), this filter's conditions, then `tail`.
    fn query<'a, DB>(&'a self, head: &str, tail: &str) -> QueryBuilder<'a, DB>
    where
        DB: Engine,
        &'a str: Encode<'a, DB> + Type<DB>,
        &'a String: Encode<'a, DB> + Type<DB>,
        String: Encode<'a, DB> + Type<DB>,
        i64: Encode<'a, DB> + Type<DB>,
    {
        let mut q = QueryBuilder::new(head);
        let mut eq = |column: &str, value: Option<&'a str>| {
            if let Some(value) = value {
                q.push(format!(" and {column} = ")).push_bind(value);
            }
        };
        eq("actor_email", self.actor_email.as_deref());
        eq("sub_org_id", self.sub_org_id.as_deref());
        eq("action", self.action.map(Action::as_str));
        eq("outcome", self.outcome.map(Outcome::as_str));
        eq("impersonation_id", self.impersonation_id.as_deref());
        eq("call_id", self.call_id.as_deref());
        if self.hide_views {
            q.push(" and action <> 'audit.viewed'");
        }
        match self.provider {
            None => {}
            // Events from before `provider` existed are PostGrid's when their action is.
            Some(super::Provider::Postgrid) => {
                q.push(
                    " and (provider = 'postgrid' or (provider is null and (action like \
                     'postgrid.%' or action like 'impersonation.%' or action = 'dashboard.handoff')))",
                );
            }
            Some(provider) => {
                q.push(" and provider = ").push_bind(provider.as_str());
            }
        }
        if let Some(since) = &self.since {
            q.push(" and at >= ").push_bind(since);
        }
        if let Some(until) = &self.until {
            q.push(" and at < ").push_bind(until);
        }
        if let Some(seq) = self.up_to_seq {
            q.push(" and seq <= ").push_bind(seq);
        }
        if let Some(text) = &self.text {
            // lower() on both sides: PostgreSQL's `like` is case-sensitive, SQLite's is not.
            let pattern = like_pattern(text);
            q.push(" and (lower(reason) like lower(")
                .push_bind(pattern.clone())
                .push(") escape '\\' or lower(detail) like lower(")
                .push_bind(pattern)
                .push(") escape '\\')");
        }
        q.push(" ");
        q.push(tail);
        q
    }
}

impl AuditLog {
    /// How many events `filter` selects, counting no further than `limit` (so a count over a
    /// huge log costs no more than reading `limit` index entries).
    pub async fn count_up_to(&self, filter: &Filter, limit: u32) -> Result<u64, AuditError> {
        self.flush().await?;
        let counted: i64 = on_engine!(self.db(), |pool| {
            let mut q = filter.query(
                "select count(*) from (select 1 from audit_events where 1 = 1",
                "limit ",
            );
            q.push_bind(i64::from(limit)).push(") as selected");
            q.build_query_scalar::<i64>().fetch_one(pool).await?
        });
        Ok(u64::try_from(counted).unwrap_or_default())
    }

    /// Which of `events` `filter` selects, by `seq`: asked of the database, so it is the very
    /// selection the pages list (text matching included). Looked up by `seq`, the key, so no
    /// filter index can lead the plan astray.
    pub async fn selected_among(
        &self,
        filter: &Filter,
        events: &[StoredEvent],
    ) -> Result<std::collections::HashSet<i64>, AuditError> {
        if events.is_empty() {
            return Ok(Default::default());
        }
        let seqs: Vec<i64> = on_engine!(self.db(), |pool| {
            let mut q = filter.query("select seq from audit_events where 1 = 1", "");
            q.push(" and seq in (");
            let mut seqs = q.separated(", ");
            for event in events {
                seqs.push_bind(event.seq);
            }
            q.push(")");
            q.build_query_scalar::<i64>().fetch_all(pool).await?
        });
        Ok(seqs.into_iter().collect())
    }

    /// Every event of the calls `call_ids` name, oldest first.
    pub async fn find_calls(&self, call_ids: &[String]) -> Result<Vec<StoredEvent>, AuditError> {
        if call_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.flush().await?;
        let events = on_engine!(self.db(), |pool| {
            let mut q = sqlx::QueryBuilder::new("select * from audit_events where call_id in (");
            let mut ids = q.separated(", ");
            for id in call_ids {
                ids.push_bind(id);
            }
            q.push(") order by seq");
            q.build_query_as::<StoredEvent>().fetch_all(pool).await?
        });
        Ok(events)
    }

    /// One page of events, newest first: keyset pagination, so a deep page costs what the
    /// first one does.
    pub async fn find(
        &self,
        filter: &Filter,
        cursor: Cursor,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, AuditError> {
        self.flush().await?;
        let limit = i64::from(limit.clamp(1, 500));
        let events = on_engine!(self.db(), |pool| {
            let mut q = filter.select("");
            let newest_first = match cursor {
                Cursor::Newest => true,
                Cursor::Before(seq) => {
                    q.push(" and seq < ").push_bind(seq);
                    true
                }
                Cursor::After(seq) => {
                    q.push(" and seq > ").push_bind(seq);
                    false
                }
            };
            q.push(if newest_first {
                " order by seq desc limit "
            } else {
                " order by seq asc limit "
            })
            .push_bind(limit);
            let mut page = q.build_query_as::<StoredEvent>().fetch_all(pool).await?;
            if !newest_first {
                page.reverse();
            }
            page
        });
        Ok(events)
    }

    pub async fn find_one(&self, seq: i64) -> Result<Option<StoredEvent>, AuditError> {
        self.flush().await?;
        const SQL: &str = "select * from audit_events where seq = $1";
        Ok(on_engine!(self.db(), |pool| sqlx::query_as(SQL)
            .bind(seq)
            .fetch_optional(pool)
            .await?))
    }

    /// One impersonation from start to end, oldest first.
    pub async fn timeline(&self, impersonation_id: &str) -> Result<Vec<StoredEvent>, AuditError> {
        self.flush().await?;
        const SQL: &str =
            "select * from audit_events where impersonation_id = $1 order by seq limit 5000";
        Ok(on_engine!(self.db(), |pool| sqlx::query_as(SQL)
            .bind(impersonation_id)
            .fetch_all(pool)
            .await?))
    }

    /// Every event of one PostGrid call, request first.
    pub async fn find_call(&self, call_id: &str) -> Result<Vec<StoredEvent>, AuditError> {
        self.flush().await?;
        const SQL: &str = "select * from audit_events where call_id = $1 order by seq";
        Ok(on_engine!(self.db(), |pool| sqlx::query_as(SQL)
            .bind(call_id)
            .fetch_all(pool)
            .await?))
    }
}
