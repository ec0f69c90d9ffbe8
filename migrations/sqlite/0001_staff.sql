-- Staff accounts: the people who sign in to the portal (DESIGN §2).
create table staff (
    id integer primary key,
    email text not null collate nocase,
    name text not null,
    role text not null,
    password_hash text not null,
    disabled integer not null default 0,
    failed_attempts integer not null default 0,
    first_failed_at text,
    locked_until text,
    -- Bumped to end every session of this person at once (disable, role or password change).
    session_version integer not null default 0,
    created_at text not null,
    updated_at text not null,
    constraint staff_email_unique unique (email),
    constraint staff_role_known check (role in ('admin', 'viewer', 'auditor')),
    constraint staff_disabled_bool check (disabled in (0, 1))
);
