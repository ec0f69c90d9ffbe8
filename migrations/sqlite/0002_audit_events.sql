-- The audit log (DESIGN §6): append-only, one keyed hash chain ordered by seq.
create table audit_events (
    seq integer primary key,
    id text not null,
    at text not null,
    action text not null,
    outcome text not null,
    actor_id integer,
    actor_email text,
    actor_role text,
    sub_org_id text,
    impersonation_id text,
    reason text,
    call_id text,
    operation text,
    method text,
    upstream_path text,
    upstream_status integer,
    upstream_request_id text,
    duration_ms integer,
    client_ip text,
    user_agent text,
    request_id text,
    detail text not null,
    prev_hash text not null,
    hash text not null,
    constraint audit_events_id_unique unique (id),
    constraint audit_events_outcome_known check (outcome in ('ok', 'denied', 'error', 'pending'))
);

create trigger audit_events_refuse_update before update on audit_events
begin
    select raise(abort, 'audit_events is append-only');
end;

create trigger audit_events_refuse_delete before delete on audit_events
begin
    select raise(abort, 'audit_events is append-only');
end;

-- Keyset pagination of filtered reviews: each filter column leads, seq orders.
create index audit_events_by_actor on audit_events (actor_email, seq);
create index audit_events_by_sub_org on audit_events (sub_org_id, seq);
create index audit_events_by_action on audit_events (action, seq);
create index audit_events_by_outcome on audit_events (outcome, seq);
create index audit_events_by_impersonation on audit_events (impersonation_id, seq);
create index audit_events_by_time on audit_events (at);
create index audit_events_by_call on audit_events (call_id);
