-- The event store: an append-only log of domain events, grouped into streams.
--
-- Appends are single INSERT statements (see append.go) and every index here is paid for
-- on every append, so there are only the three that reads need:
--   primary key (transaction_id, global_position): commit order, for subscriptions;
--   unique (stream_name, stream_position): reading a stream, and optimistic concurrency;
--   unique (event_id): idempotent appends.
create table events (
    -- global_position is unique and increasing but has gaps (rolled-back appends) and is
    -- taken before commit, so it says nothing about commit order; subscribers order by
    -- (transaction_id, global_position) instead. See read_all.go.
    global_position bigint      generated always as identity,
    event_id        uuid        not null,
    stream_name     text        not null,
    category        text        not null,
    stream_position bigint      not null check (stream_position >= 1),
    event_type      text        not null,
    schema_version  int         not null check (schema_version >= 1),
    -- json, not jsonb: events are kept byte for byte as written, and appending and
    -- reading them skips jsonb's conversion, which measurably slowed both.
    data            json        not null,
    -- The event's context (its metadata), as columns rather than a JSON document.
    recorded_at     timestamptz not null default statement_timestamp(),
    principal       text        not null default '',
    correlation_id  text        not null default '',
    causation_id    text        not null default '',
    workflow_id     text        not null default '',
    run_id          text        not null default '',
    transaction_id  xid8        not null default pg_current_xact_id(),
    constraint events_commit_order_pkey primary key (transaction_id, global_position),
    constraint events_event_id_key unique (event_id),
    constraint events_stream_position_key unique (stream_name, stream_position)
);

-- Events are immutable: a correction is a new event, never an edit.
create function events_are_immutable() returns trigger language plpgsql as $$
begin
    raise exception 'events are immutable: % is not allowed', tg_op
        using errcode = 'OF002';
end;
$$;

create trigger events_no_update_or_delete before update or delete on events
    for each row execute function events_are_immutable();
create trigger events_no_truncate before truncate on events
    for each statement execute function events_are_immutable();

-- A subscriber's position: the (transaction_id, global_position) of the last event whose
-- effect it committed, updated in the same transaction as that effect.
create table subscription_checkpoints (
    subscription_name text primary key,
    transaction_id    xid8        not null,
    global_position   bigint      not null,
    updated_at        timestamptz not null default now()
);

-- Which events a consumer has already handled; the primary key makes a second run of
-- the same handler for the same event a no-op.
create table processed_events (
    consumer     text        not null,
    event_id     uuid        not null,
    processed_at timestamptz not null default now(),
    primary key (consumer, event_id)
);

-- Snapshots are a cache of folded state, not a source of truth: they may be deleted at
-- any time and are ignored when their schema version is not the one the code expects.
create table snapshots (
    stream_name    text primary key,
    version        bigint      not null,
    schema_version int         not null,
    state          jsonb       not null,
    taken_at       timestamptz not null default now()
);
