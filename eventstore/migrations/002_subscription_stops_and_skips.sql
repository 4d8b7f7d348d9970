-- A subscription whose handler fails on an event stops there, after committing the
-- events before it, and says so here: which event, why, since when and after how many
-- attempts. All of it is cleared by the next batch that commits. A failure that is no
-- event's (the database went away) has a reason and no event.
alter table subscription_checkpoints
    add column stopped_event_id uuid,
    add column stopped_reason   text,
    add column stopped_since    timestamptz,
    add column failures         integer not null default 0;

-- The events an operator told a subscription to pass over, and why: a skip is a
-- decision someone made, so it is recorded like one.
create table subscription_skips (
    subscription_name text        not null,
    event_id          uuid        not null,
    reason            text        not null check (reason <> ''),
    skipped_by        text        not null,
    skipped_at        timestamptz not null default now(),
    primary key (subscription_name, event_id)
);
