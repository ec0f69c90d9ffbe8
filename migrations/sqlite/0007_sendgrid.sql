-- SendGrid beside PostGrid (issue #16). Audit events name the provider a call went to (null for
-- portal-only events); an impersonation names the provider it acts through, and for SendGrid its
-- `sub_org_id` holds the `on-behalf-of` target exactly as sent. Events written before this are
-- all PostGrid's or the portal's own and keep their null: their hashes cover no provider.
alter table audit_events add column provider text;
create index audit_events_by_provider on audit_events (provider, seq);
alter table impersonations add column provider text not null default 'postgrid';
