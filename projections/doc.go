// Package projections is orderflow's query side (CQRS): read models built from the
// event store by checkpointed subscriptions, and the queries the API serves from them.
//
// Read models:
//
//   - order_view (projection "order_view", streams order-<id>): one row per order,
//     serving GetOrder, WaitForOrderVersion and, through an index on (consumer_id,
//     created_at desc, order_id desc), ConsumerOrders.
//   - kitchen_ticket_queue (projection "kitchen_tickets", streams ticket-<orderId>):
//     one row per ticket, serving RestaurantTickets and GetTicket.
//   - restaurant_view (projection "restaurant_view", streams restaurant-<id>): one row
//     per restaurant with its current menu, serving GetRestaurant and, through an index
//     of the open ones, OpenRestaurants.
//   - consumer_view and account_view (projections "consumer_view" and "account_view",
//     streams consumer-<id> and account-<consumerId>): one row per consumer and one per
//     account, two aggregates' read models that GetConsumer serves side by side.
//
// Each projection is an eventstore.Subscription (see All): its rows change in the same
// transaction as its checkpoint, so a read model is never ahead of or behind what its
// checkpoint says. Rows are computed by folding events with the domain's own Apply
// (order.State, kitchen.State, and so on), so a view's status is exactly the
// aggregate's.
//
// Idempotency is twofold. Every row carries the stream position it was last brought
// to (its version) and an event at or below it is ignored, so re-delivering or
// replaying events can never move a row backwards or apply a change twice. And the
// handlers run under eventstore.Idempotent, recording each event in processed_events
// with the effect, as every subscriber in orderflow does.
//
// Reads are eventually consistent. A client that has just written knows the stream
// version its command produced and can wait for the view to reach it
// (WaitForOrderVersion). Any read model can be rebuilt from the store while the
// projector runs and readers read: the replay fills a table beside the live one, which
// it replaces once caught up (Rebuild).
//
// A projection stops at an event it cannot apply, after the events before it, and
// says so (Status); an event of a type or schema version this build does not read is
// such an event, left for a build that does. Retry and Skip are the operator's answers.
package projections
