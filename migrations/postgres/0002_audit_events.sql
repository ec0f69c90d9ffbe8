-- The audit log (DESIGN §6): append-only, one keyed hash chain ordered by seq. Times are
-- fixed-width UTC text compared byte by byte (collation "C"), so text order is time order.
create table audit_events (
    seq bigint primary key,
    id text not null,
    at text collate "C" not null,
    action text not null,
    outcome text not null,
    actor_id bigint,
    actor_email text,
    actor_role text,
    sub_org_id text,
    impersonation_id text,
    reason text,
    call_id text,
    operation text,
    method text,
    upstream_path text,
    upstream_status bigint,
    upstream_request_id text,
    duration_ms bigint,
    client_ip text,
    user_agent text,
    request_id text,
    detail text not null,
    prev_hash text not null,
    hash text not null,
    constraint audit_events_id_unique unique (id),
    constraint audit_events_outcome_known check (outcome in ('ok', 'denied', 'error', 'pending'))
);

create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_events is append-only';
end;
$$;

create trigger audit_events_refuse_update before update on audit_events
    for each row execute function audit_events_refuse_change();
create trigger audit_events_refuse_delete before delete on audit_events
    for each row execute function audit_events_refuse_change();
create trigger audit_events_refuse_truncate before truncate on audit_events
    for each statement execute function audit_events_refuse_change();

-- Keyset pagination of filtered reviews: each filter column leads, seq orders.
create index audit_events_by_actor on audit_events (actor_email, seq);
create index audit_events_by_sub_org on audit_events (sub_org_id, seq);
create index audit_events_by_action on audit_events (action, seq);
create index audit_events_by_outcome on audit_events (outcome, seq);
create index audit_events_by_impersonation on audit_events (impersonation_id, seq);
create index audit_events_by_time on audit_events (at);
create index audit_events_by_call on audit_events (call_id);
