-- The sub-organization page lists who acted for it, newest first.
create index impersonations_by_target on impersonations (sub_org_id, started_at);
