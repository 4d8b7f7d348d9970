-- The read models of the apps' other reads: the restaurants with their menus, and each
-- consumer with their account. As with order_view, each row is one aggregate's state
-- folded from its stream, `version` is the stream position of the last event applied,
-- and the timestamps are the events' recorded_at, so a rebuild gives the same rows.

-- One row per restaurant, built by the "restaurant_view" projection from the
-- restaurant-<id> streams. Serves GET /v1/restaurants/:id and, through the index of
-- open restaurants, GET /v1/restaurants.
create table restaurant_view (
    restaurant_id              uuid        primary key,
    name                       text        not null,
    -- OPEN or CLOSED.
    status                     text        not null,
    auto_accept                boolean     not null,
    acceptance_timeout_seconds integer     not null,
    -- The currency of every price on the menu.
    currency                   text        not null,
    -- The current menu in the API's shape: [{id, name, price_cents, currency}].
    menu                       jsonb       not null,
    version                    bigint      not null check (version >= 1),
    created_at                 timestamptz not null,
    updated_at                 timestamptz not null
);

-- The open restaurants, oldest first, paged by the keyset (created_at, restaurant_id).
create index restaurant_view_open on restaurant_view (created_at, restaurant_id) where status = 'OPEN';

-- One row per consumer, built by the "consumer_view" projection from the
-- consumer-<id> streams.
create table consumer_view (
    consumer_id      uuid        primary key,
    name             text        not null,
    email            text        not null,
    -- ACTIVE or SUSPENDED.
    status           text        not null,
    suspended_reason text        not null default '',
    version          bigint      not null check (version >= 1),
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);

-- One row per account (account id = consumer id), built by the "account_view"
-- projection from the account-<consumerId> streams. GET /v1/consumers/:id joins it
-- to consumer_view: two aggregates, two streams, two read models.
create table account_view (
    consumer_id        uuid        primary key,
    currency           text        not null,
    credit_limit_cents bigint      not null,
    card_last4         text        not null,
    enabled            boolean     not null,
    disabled_reason    text        not null default '',
    -- The live holds, one per order, by order id: [{order_id, amount_cents}].
    authorizations     jsonb       not null,
    -- The sum of the holds, and the credit limit minus it.
    held_cents         bigint      not null,
    available_cents    bigint      not null,
    version            bigint      not null check (version >= 1),
    created_at         timestamptz not null,
    updated_at         timestamptz not null
);
