-- Acting on behalf of a sub-organization (DESIGN §5): one row per impersonation, bound to the
-- staff member's session through its id; ended rows are kept with their end reason.
create table impersonations (
    id text primary key,
    staff_id bigint not null references staff (id),
    sub_org_id text not null,
    sub_org_name text not null,
    reason text not null,
    ticket text,
    mode text not null default 'read_only',
    started_at text not null,
    expires_at text not null,
    last_activity_at text not null,
    ended_at text,
    end_reason text,
    constraint impersonations_mode_known check (mode in ('read_only', 'write')),
    constraint impersonations_end_known check (
        end_reason is null
        or end_reason in ('stopped', 'expired', 'idle', 'logout', 'revoked', 'disabled')
    )
);

create index impersonations_active_by_staff on impersonations (staff_id) where ended_at is null;
