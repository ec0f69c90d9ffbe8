-- Four eyes for write mode (PORTAL_WRITE_APPROVAL=required): a request to switch one
-- impersonation to write mode, approved or denied by another admin within 15 minutes. A grant
-- is good for that impersonation only, so it ends with it.
create table approvals (
    id text primary key,
    impersonation_id text not null references impersonations (id),
    requester_id bigint not null references staff (id),
    reason text not null,
    requested_at text not null,
    expires_at text not null,
    decision text,
    decided_by bigint references staff (id),
    decided_at text,
    constraint approvals_decision_known check (
        decision is null or decision in ('granted', 'denied', 'expired')
    ),
    constraint approvals_not_by_requester check (decided_by is null or decided_by <> requester_id)
);
create index approvals_by_impersonation on approvals (impersonation_id);
create index approvals_pending on approvals (expires_at) where decision is null;
