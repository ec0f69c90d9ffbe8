-- Each staff member's time zone (an IANA name such as Europe/Berlin): every time in the portal
-- shows in it. Null is UTC.
alter table staff add column time_zone text;
