package integration

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/eventstore"
)

// Published reports whether stored events of type eventType have a public form. The
// relay subscribes to exactly these (PublishedTypes).
func Published(eventType string) bool {
	_, ok := kinds[eventType]
	return ok
}

// PublishedTypes are the stored event types that are published.
func PublishedTypes() []string { return Types() }

// Origin is what the public events of one order (or of its kitchen ticket) repeat from
// the event that created its stream, so that each carries the order's parties. It never
// changes once the stream exists.
type Origin struct {
	OrderID      uuid.UUID
	ConsumerID   uuid.UUID // zero for a ticket: the kitchen does not know the consumer
	RestaurantID uuid.UUID
	Currency     string // the order's; empty for a ticket
}

// Creates reports whether an event of this type starts a stream whose origin the
// stream's later public events repeat: OrderCreated for an order, TicketCreated for a
// ticket. Each is its stream's first event.
func Creates(eventType string) bool {
	return eventType == order.TypeOrderCreated || eventType == kitchen.TypeTicketCreated
}

// OriginOf reads the origin from a stream's creating event (see Creates).
func OriginOf(reg *event.Registry, e eventstore.RecordedEvent) (Origin, error) {
	decoded, err := reg.Decode(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return Origin{}, err
	}
	switch ev := decoded.(type) {
	case order.OrderCreated:
		return Origin{OrderID: ev.OrderID, ConsumerID: ev.ConsumerID, RestaurantID: ev.RestaurantID, Currency: ev.Total.Currency}, nil
	case kitchen.TicketCreated:
		return Origin{OrderID: ev.OrderID, RestaurantID: ev.RestaurantID}, nil
	}
	return Origin{}, fmt.Errorf("integration: %s does not create a stream with an origin", e.Type)
}

// NeedsOrigin reports whether mapping an event of this type needs its stream's origin
// from elsewhere: every published type but the one that creates its stream.
func NeedsOrigin(eventType string) bool {
	return Published(eventType) && !Creates(eventType)
}

// Map turns a stored event of a published type (see Published) into its public
// envelope. origin is its stream's (OriginOf the stream's first event), unused for
// OrderCreated, which is its own.
func Map(reg *event.Registry, e eventstore.RecordedEvent, origin Origin) (Envelope, error) {
	k, ok := kinds[e.Type]
	if !ok {
		return Envelope{}, fmt.Errorf("integration: %s is not published", e.Type)
	}
	decoded, err := reg.Decode(e.Type, e.SchemaVersion, e.Data)
	if err != nil {
		return Envelope{}, err
	}
	ref := OrderRef{OrderID: origin.OrderID, ConsumerID: origin.ConsumerID, RestaurantID: origin.RestaurantID}
	ticket := TicketRef{OrderID: origin.OrderID, RestaurantID: origin.RestaurantID}
	var payload any
	switch ev := decoded.(type) {
	case order.OrderCreated:
		ref = OrderRef{OrderID: ev.OrderID, ConsumerID: ev.ConsumerID, RestaurantID: ev.RestaurantID}
		payload = OrderCreated{OrderRef: ref, Lines: lines(ev.Lines), TotalCents: ev.Total.Cents, Currency: ev.Total.Currency,
			DeliveryAddress: Address{Street: ev.DeliveryAddress.Street, City: ev.DeliveryAddress.City, Zip: ev.DeliveryAddress.Zip}}
	case order.OrderApproved:
		payload = OrderApproved{ref}
	case order.OrderRejected:
		payload = OrderRejected{OrderRef: ref, Reason: string(ev.Reason), Detail: ev.Detail}
	case order.OrderCanceled:
		payload = OrderCanceled{OrderRef: ref, Reason: ev.Reason}
	case order.OrderRevised:
		payload = OrderRevised{OrderRef: ref, Lines: lines(ev.Lines), TotalCents: ev.Total.Cents, Currency: ev.Total.Currency}
	case order.OrderShipped:
		payload = OrderShipped{ref}
	case order.OrderDelivered:
		payload = OrderDelivered{ref}
	case kitchen.TicketAccepted:
		ticket.TicketID = ev.TicketID
		payload = TicketAccepted{ticket}
	case kitchen.TicketRejected:
		ticket.TicketID = ev.TicketID
		payload = TicketRejected{TicketRef: ticket, Reason: ev.Reason}
	default:
		return Envelope{}, fmt.Errorf("integration: no mapping for %T", decoded)
	}
	if ref.OrderID == uuid.Nil {
		return Envelope{}, fmt.Errorf("integration: %s %s: no origin (its stream %s has no creating event?)", e.Type, e.ID, e.StreamName)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return Envelope{}, fmt.Errorf("integration: encode %s: %w", e.Type, err)
	}
	return Envelope{ID: e.ID, Type: e.Type, SchemaVersion: k.version, Context: k.context,
		OccurredAt: e.Metadata.RecordedAt, OrderID: ref.OrderID, Data: data}, nil
}

func lines(in []order.Line) []Line {
	out := make([]Line, len(in))
	for i, l := range in {
		out[i] = Line{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity,
			UnitPriceCents: l.UnitPrice.Cents, TotalCents: l.Total.Cents}
	}
	return out
}
