-- The review hides page views of the log (action 'audit.viewed') and counts what its filters
-- select up to 10,001 events. With the action in each filter index the count reads the index
-- alone, instead of every row, and keyset pages still read in seq order.
drop index audit_events_by_actor;
create index audit_events_by_actor on audit_events (actor_email, seq, action);
drop index audit_events_by_sub_org;
create index audit_events_by_sub_org on audit_events (sub_org_id, seq, action);
drop index audit_events_by_outcome;
create index audit_events_by_outcome on audit_events (outcome, seq, action);
drop index audit_events_by_impersonation;
create index audit_events_by_impersonation on audit_events (impersonation_id, seq, action);
drop index audit_events_by_provider;
create index audit_events_by_provider on audit_events (provider, seq, action);
drop index audit_events_by_call;
create index audit_events_by_call on audit_events (call_id, seq, action);
drop index audit_events_by_time;
create index audit_events_by_time on audit_events (at, action);
