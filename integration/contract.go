package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// DefaultStream is the JetStream stream orderflow publishes into; a subscriber makes
// its (durable) consumer on it.
const DefaultStream = "ORDERFLOW_EVENTS"

// DefaultSubjectPrefix is where orderflow publishes: a message's subject is
// <prefix>.<context>.<type>, e.g. orderflow.events.order.OrderApproved.
const DefaultSubjectPrefix = "orderflow.events"

// The bounded contexts that publish, the subject token after the prefix.
const (
	ContextOrder   = "order"
	ContextKitchen = "kitchen"
)

// Headers every message carries (besides Nats-Msg-Id, the event id, which JetStream
// uses to drop a re-published duplicate).
const (
	HeaderMsgID         = "Nats-Msg-Id"
	HeaderEventType     = "Orderflow-Event-Type"
	HeaderSchemaVersion = "Orderflow-Schema-Version"
	HeaderOrderID       = "Orderflow-Order-Id"
	HeaderContentType   = "Content-Type"
	ContentType         = "application/json"
)

// Envelope is the body of every message: the event's identity and context, and its
// payload in Data (one of the payload types below, by Type and SchemaVersion).
type Envelope struct {
	// ID is the event's id, unique for ever, and the message's Nats-Msg-Id: a
	// subscriber that records the ids it has processed handles each event once.
	ID            uuid.UUID `json:"id"`
	Type          string    `json:"type"`
	SchemaVersion int       `json:"schema_version"`
	Context       string    `json:"context"`
	// OccurredAt is when the event was recorded in orderflow's store.
	OccurredAt time.Time `json:"occurred_at"`
	// OrderID is the order the event is about (a ticket's order for the kitchen's).
	OrderID uuid.UUID       `json:"order_id"`
	Data    json.RawMessage `json:"data"`
}

// Subject is where the event is published under prefix.
func (e Envelope) Subject(prefix string) string {
	return Subject(prefix, e.Context, e.Type)
}

// Subject is <prefix>.<context>.<eventType>.
func Subject(prefix, context, eventType string) string {
	return prefix + "." + context + "." + eventType
}

// Headers are the message's headers, Nats-Msg-Id included.
func (e Envelope) Headers() map[string]string {
	return map[string]string{
		HeaderMsgID:         e.ID.String(),
		HeaderEventType:     e.Type,
		HeaderSchemaVersion: strconv.Itoa(e.SchemaVersion),
		HeaderOrderID:       e.OrderID.String(),
		HeaderContentType:   ContentType,
	}
}

// ---- payloads, schema version 1 ----

// OrderRef names an order and its parties; every order event carries it, so that a
// subscriber can act on any one event without having seen the order's others.
type OrderRef struct {
	OrderID      uuid.UUID `json:"order_id"`
	ConsumerID   uuid.UUID `json:"consumer_id"`
	RestaurantID uuid.UUID `json:"restaurant_id"`
}

// Line is an order line as priced when it was placed (or revised).
type Line struct {
	MenuItemID     string `json:"menu_item_id"`
	Name           string `json:"name"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	TotalCents     int64  `json:"total_cents"`
}

// Address is where an order is delivered.
type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip"`
}

// OrderCreated says a consumer placed an order; it is PENDING until approved or rejected.
type OrderCreated struct {
	OrderRef
	Lines           []Line  `json:"lines"`
	TotalCents      int64   `json:"total_cents"`
	Currency        string  `json:"currency"`
	DeliveryAddress Address `json:"delivery_address"`
}

// OrderApproved says the consumer was verified, the card authorized and the restaurant
// accepted; the kitchen prepares it.
type OrderApproved struct{ OrderRef }

// OrderRejected says the order will not be fulfilled. Reason is a code (CONSUMER_SUSPENDED,
// INSUFFICIENT_CREDIT, RESTAURANT_REJECTED, RESTAURANT_TIMEOUT, ...), Detail free text.
type OrderRejected struct {
	OrderRef
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// OrderCanceled says the order was canceled (by the consumer or an admin); any charge was
// reversed.
type OrderCanceled struct {
	OrderRef
	Reason string `json:"reason"`
}

// OrderRevised says the order's lines and total changed, with the kitchen's and the
// card's agreement.
type OrderRevised struct {
	OrderRef
	Lines      []Line `json:"lines"`
	TotalCents int64  `json:"total_cents"`
	Currency   string `json:"currency"`
}

// OrderShipped says a courier picked the order up.
type OrderShipped struct{ OrderRef }

// OrderDelivered says the order reached the consumer; nothing follows.
type OrderDelivered struct{ OrderRef }

// TicketRef names a kitchen ticket, its order and restaurant.
type TicketRef struct {
	TicketID     uuid.UUID `json:"ticket_id"`
	OrderID      uuid.UUID `json:"order_id"`
	RestaurantID uuid.UUID `json:"restaurant_id"`
}

// TicketAccepted says the restaurant accepted the order's ticket.
type TicketAccepted struct{ TicketRef }

// TicketRejected says the restaurant refused the order's ticket, saying why.
type TicketRejected struct {
	TicketRef
	Reason string `json:"reason"`
}

// kind is one published (type, version): its context and payload type.
type kind struct {
	context string
	version int
	payload reflect.Type
}

// kinds are the published events at their current schema versions.
var kinds = map[string]kind{
	"OrderCreated":   {ContextOrder, 1, reflect.TypeFor[OrderCreated]()},
	"OrderApproved":  {ContextOrder, 1, reflect.TypeFor[OrderApproved]()},
	"OrderRejected":  {ContextOrder, 1, reflect.TypeFor[OrderRejected]()},
	"OrderCanceled":  {ContextOrder, 1, reflect.TypeFor[OrderCanceled]()},
	"OrderRevised":   {ContextOrder, 1, reflect.TypeFor[OrderRevised]()},
	"OrderShipped":   {ContextOrder, 1, reflect.TypeFor[OrderShipped]()},
	"OrderDelivered": {ContextOrder, 1, reflect.TypeFor[OrderDelivered]()},
	"TicketAccepted": {ContextKitchen, 1, reflect.TypeFor[TicketAccepted]()},
	"TicketRejected": {ContextKitchen, 1, reflect.TypeFor[TicketRejected]()},
}

var (
	// ErrUnknownType means the message's type is not one this build knows (a newer
	// publisher's); a subscriber that does not need it acknowledges and moves on.
	ErrUnknownType = errors.New("integration: unknown event type")
	// ErrUnsupportedVersion means the type is known but not at that schema version.
	ErrUnsupportedVersion = errors.New("integration: unsupported schema version")
	// ErrMalformed means the body is not an envelope or its payload does not decode.
	ErrMalformed = errors.New("integration: malformed message")
)

// Types lists the published event types.
func Types() []string {
	out := make([]string, 0, len(kinds))
	for t := range kinds {
		out = append(out, t)
	}
	return out
}

// Decode reads a message body.
func Decode(body []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if e.ID == uuid.Nil || e.Type == "" || e.SchemaVersion < 1 || len(e.Data) == 0 {
		return Envelope{}, fmt.Errorf("%w: missing id, type, schema_version or data", ErrMalformed)
	}
	return e, nil
}

// Payload decodes Data into the payload type of the envelope's type and schema version
// (OrderApproved, TicketRejected, ... by value).
func (e Envelope) Payload() (any, error) {
	k, ok := kinds[e.Type]
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, e.Type)
	case e.SchemaVersion != k.version:
		return nil, fmt.Errorf("%w: %s v%d (this build reads v%d)", ErrUnsupportedVersion, e.Type, e.SchemaVersion, k.version)
	}
	p := reflect.New(k.payload)
	if err := json.Unmarshal(e.Data, p.Interface()); err != nil {
		return nil, fmt.Errorf("%w: %s data: %w", ErrMalformed, e.Type, err)
	}
	return p.Elem().Interface(), nil
}
