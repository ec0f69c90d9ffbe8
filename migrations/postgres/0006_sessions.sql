-- Sessions, shared by every portal process (tower-sessions' PostgreSQL store, pointed at this
-- schema). Created here rather than by the store so that processes starting together create
-- it once, under the migrations' lock.
create table sessions (
    id text primary key not null,
    data bytea not null,
    expiry_date timestamptz not null
);
create index sessions_by_expiry on sessions (expiry_date);
