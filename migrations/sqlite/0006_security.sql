-- Failed sign-ins (and wrong current passwords) by client address, shared by every portal
-- process: an address with too many within the window waits. `account` is the SHA-256 of the
-- lower-cased email tried, so a success forgives only the failures against that account.
create table signin_failures (
    id integer primary key,
    address text not null,
    account text not null,
    at text not null
);
create index signin_failures_by_address on signin_failures (address, at);
create index signin_failures_by_time on signin_failures (at);

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
