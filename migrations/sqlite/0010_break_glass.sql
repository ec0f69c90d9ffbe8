-- With single sign-on, password sign-in can be left to break-glass admins only
-- (PORTAL_PASSWORD_SIGNIN=break-glass), for when the identity provider is down.
alter table staff add column break_glass integer not null default 0
    check (break_glass in (0, 1));
