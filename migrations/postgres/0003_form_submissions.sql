-- One-time form tokens that have been submitted: a second submission of the same token
-- creates nothing new and lands on the first one's result.
create table form_submissions (
    token text primary key,
    staff_id bigint not null,
    state text not null,
    result text,
    updated_at text not null,
    constraint form_submissions_state_known check (state in ('pending', 'done', 'failed'))
);
