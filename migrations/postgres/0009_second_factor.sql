-- A second factor for staff (TOTP, RFC 6238) and their single-use recovery codes.
-- Secrets are sealed (encrypted with a key derived from PORTAL_SECRET_KEY, bound to the row).
alter table staff add column totp_secret text;
-- A secret shown for enrolment, not yet confirmed by a first code.
alter table staff add column totp_pending text;
alter table staff add column totp_enrolled_at text;
-- The last time step whose code was used: a code of it or an earlier step is refused.
alter table staff add column totp_last_step bigint;
-- Set by an admin: the person chooses a new password before anything else.
alter table staff add column must_change_password boolean not null default false;

create table recovery_codes (
    staff_id bigint not null references staff (id),
    -- HMAC-SHA256 of the code under a key derived from PORTAL_SECRET_KEY.
    code_hash text not null,
    used_at text,
    primary key (staff_id, code_hash)
);
