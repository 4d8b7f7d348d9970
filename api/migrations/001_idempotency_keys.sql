-- Responses to requests sent with an Idempotency-Key, so that a client that retries a
-- request (same key, same body) gets the first response again instead of a second
-- effect. A row without a status is a request still being handled.
create table api_idempotency_keys (
    principal     text        not null,
    key           text        not null,
    request_hash  bytea       not null,
    status        int,
    content_type  text,
    body          bytea,
    created_at    timestamptz not null default now(),
    primary key (principal, key)
);
