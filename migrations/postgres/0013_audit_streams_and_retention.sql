-- Delivery to each SIEM sink (issue #18): the last seq the sink acknowledged (its cursor),
-- which portal process delivers to it now (a lease, in Unix milliseconds), and how the last
-- attempt went. Not part of the chain.
create table audit_sinks (
    name text primary key,
    target text not null,
    cursor_seq bigint not null default 0,
    lease_holder text,
    lease_until bigint not null default 0,
    delivered_at text,
    last_error text,
    last_error_at text
);

-- Every prune of archived events, append-only: the events from first_seq through through_seq
-- live in an archive whose seal is archive_mac, and boundary_hash is the hash the first event
-- still here chains onto.
create table audit_prunes (
    through_seq bigint primary key,
    first_seq bigint not null,
    boundary_hash text not null,
    archive_mac text not null,
    pruned_at text not null
);

create function audit_prunes_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_prunes is append-only';
end;
$$;

create trigger audit_prunes_refuse_update before update on audit_prunes
    for each row execute function audit_prunes_refuse_change();
create trigger audit_prunes_refuse_delete before delete on audit_prunes
    for each row execute function audit_prunes_refuse_change();
create trigger audit_prunes_refuse_truncate before truncate on audit_prunes
    for each statement execute function audit_prunes_refuse_change();

-- The one way past the append-only guard: an event may go only once a prune that covers it
-- is on record.
create function audit_events_refuse_unarchived_delete() returns trigger
language plpgsql as $$
begin
    if old.seq <= coalesce((select max(through_seq) from audit_prunes), 0) then
        return old;
    end if;
    raise exception 'audit_events is append-only';
end;
$$;

drop trigger audit_events_refuse_delete on audit_events;
create trigger audit_events_refuse_delete before delete on audit_events
    for each row execute function audit_events_refuse_unarchived_delete();
