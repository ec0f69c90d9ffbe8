-- Results of audit chain verifications run from the review page, newest last. A row is
-- inserted when a run starts and updated as it progresses; it is not part of the chain.
create table audit_verifications (
    id integer primary key,
    started_at text not null,
    finished_at text,
    checked_up_to integer not null default 0,
    total integer not null default 0,
    intact integer,
    broken_seq integer,
    problem text,
    requested_by text
);
