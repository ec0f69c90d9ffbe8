-- Each signed-in session, so people see and end their own (/account) and admins see how many
-- a change ends. The session store keeps only a random handle to its row; a session whose row
-- has ended signs nobody in.
create table staff_sessions (
    handle text primary key,
    staff_id bigint not null references staff (id),
    started_at text not null,
    last_seen_at text not null,
    client_ip text,
    user_agent text,
    ended_at text
);
create index staff_sessions_open_by_staff on staff_sessions (staff_id) where ended_at is null;
