-- Sign-in attempts by client address, shared by every portal process. A row is written when an
-- attempt starts (so a burst of parallel guesses counts in full before any is checked) and
-- removed when it succeeds; an address with too many within the window waits. `account` is
-- the SHA-256 of the lower-cased email tried, so a success forgives only that account's.
create table signin_attempts (
    id integer primary key,
    address text not null,
    account text not null,
    at text not null
);
create index signin_attempts_by_address on signin_attempts (address, at);
create index signin_attempts_by_account on signin_attempts (account, address);
create index signin_attempts_by_time on signin_attempts (at);

-- Failed attempts per email, whether or not an account has it, so that a failure does the same
-- work for every email and a lock says nothing about which emails exist. Replaces the lockout
-- columns of `staff`.
create table signin_lockouts (
    account text primary key,
    failures integer not null,
    first_failed_at text not null,
    locked_until text
);
alter table staff drop column failed_attempts;
alter table staff drop column first_failed_at;
alter table staff drop column locked_until;

-- "Already acting" is about the person: at most one open impersonation per staff member.
-- Open duplicates left by earlier versions end first (at their last activity), newest kept.
update impersonations set ended_at = last_activity_at, end_reason = 'revoked'
where ended_at is null and exists (
    select 1 from impersonations newer
    where newer.staff_id = impersonations.staff_id and newer.ended_at is null
      and (newer.started_at > impersonations.started_at
           or (newer.started_at = impersonations.started_at and newer.id > impersonations.id))
);
create unique index impersonations_one_open_per_staff on impersonations (staff_id)
    where ended_at is null;
