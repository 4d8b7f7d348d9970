-- Read models (the query side of CQRS). Every row here is derived from the event store
-- and can be dropped and rebuilt from it at any time (see rebuild.go); nothing else
-- writes these tables. `version` is the stream position of the last event applied to
-- the row, which makes replays harmless (an event at or below it is skipped) and lets
-- a client that just wrote wait for its write (GET /v1/orders/:id?min_version=N).

-- One row per order, built by the "order_view" projection from the order-<id> streams.
-- It serves GET /v1/orders/:id and, through the history index, the consumer's order
-- history (GET /v1/consumers/:id/orders): a second table would hold the same rows.
create table order_view (
    order_id         uuid        primary key,
    consumer_id      uuid        not null,
    restaurant_id    uuid        not null,
    status           text        not null,
    -- The lines in the API's shape: [{menu_item_id, name, quantity, unit_price_cents, total_cents}].
    lines            jsonb       not null,
    total_cents      bigint      not null,
    currency         text        not null,
    rejection_reason text        not null default '',
    rejection_detail text        not null default '',
    cancel_reason    text        not null default '',
    -- {items, total_cents} while a revision is REVISION_PENDING, null otherwise.
    pending_revision jsonb,
    delivery_address jsonb       not null,
    version          bigint      not null check (version >= 1),
    -- When OrderCreated and the last applied event were recorded (events' recorded_at),
    -- so a rebuild gives the same timestamps as the live projection.
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);

-- The consumer's history, newest first, paged by the keyset (created_at, order_id).
-- A status filter walks the same index and skips rows: one consumer's orders are few.
create index order_view_consumer_history on order_view (consumer_id, created_at desc, order_id desc);

-- One row per kitchen ticket (ticket id = order id), built by the "kitchen_tickets"
-- projection from the ticket-<orderId> streams. Serves GET /v1/restaurants/:id/tickets.
create table kitchen_ticket_queue (
    ticket_id     uuid        primary key,
    order_id      uuid        not null,
    restaurant_id uuid        not null,
    status        text        not null,
    -- What to cook: [{menu_item_id, name, quantity}]; the kitchen sees no prices.
    lines         jsonb       not null,
    reject_reason text        not null default '',
    cancel_reason text        not null default '',
    version       bigint      not null check (version >= 1),
    created_at    timestamptz not null,
    updated_at    timestamptz not null
);

-- A restaurant's tickets in one status in creation order, read forwards (the open
-- queue, oldest first) or backwards (finished tickets, newest first).
create index kitchen_ticket_queue_restaurant on kitchen_ticket_queue (restaurant_id, status, created_at, ticket_id);
