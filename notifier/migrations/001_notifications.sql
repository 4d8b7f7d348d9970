-- The notifier's own tables: an example downstream service, which would have a database
-- of its own; here it shares orderflow's, with tables and a version table
-- (notifier_schema_version) of its own, and nothing of orderflow's is touched.

-- The messages a subscriber has processed, by message id (the event id, the
-- Nats-Msg-Id). A row commits in the same transaction as the message's effect, so a
-- message delivered twice (a redelivery after a lost ack, a re-publish after the
-- stream's duplicate window) has its effect once.
create table processed_messages (
    subscriber      text        not null,
    message_id      uuid        not null,
    -- Where the message was when it was processed: the JetStream stream sequence.
    stream_sequence bigint      not null,
    processed_at    timestamptz not null default now(),
    primary key (subscriber, message_id)
);

-- The notifications a consumer would receive ("your order was approved"), one per
-- message that warrants one. Deliberately no unique key on message_id: that
-- a message has its effect once is processed_messages' doing, and the tests check it.
create table notifications (
    id          bigserial   primary key,
    message_id  uuid        not null,
    event_type  text        not null,
    order_id    uuid        not null,
    consumer_id uuid        not null,
    text        text        not null,
    -- When the event happened in orderflow, and when the notifier recorded it.
    occurred_at timestamptz not null,
    created_at  timestamptz not null default now()
);

create index notifications_by_order on notifications (order_id, id);
create index notifications_by_consumer on notifications (consumer_id, id);
