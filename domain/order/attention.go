package order

import (
	"github.com/google/uuid"

	"slices"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
)

// StatusNeedsAttention is an order whose saga met something it cannot resolve by
// itself (a compensation refused, a step that must not be refused refused): its
// streams may disagree until an operator has put the world right and recorded how
// (ResolveAttention). The sagas are built so that it does not happen; when it does,
// it is this explicit status, never a log line alone.
const StatusNeedsAttention Status = "NEEDS_ATTENTION"

// Event type names, as stored.
const (
	TypeOrderAttentionRequired = "OrderAttentionRequired"
	TypeOrderAttentionResolved = "OrderAttentionResolved"
)

// OrderAttentionRequired puts the order in NEEDS_ATTENTION: Saga and Step say where it
// stopped, Reason and Detail why; Status is where the order was.
type OrderAttentionRequired struct {
	OrderID uuid.UUID   `json:"order_id"`
	Status  Status      `json:"status"`
	Saga    string      `json:"saga"`
	Step    string      `json:"step"`
	Reason  domain.Code `json:"reason"`
	Detail  string      `json:"detail"`
}

// OrderAttentionResolved records an operator's resolution: the status the order is in
// once the operator has made its streams agree (by compensating by hand), and a note.
type OrderAttentionResolved struct {
	OrderID uuid.UUID `json:"order_id"`
	Status  Status    `json:"status"`
	Note    string    `json:"note"`
}

func (OrderAttentionRequired) EventType() string  { return TypeOrderAttentionRequired }
func (OrderAttentionResolved) EventType() string  { return TypeOrderAttentionResolved }
func (OrderAttentionRequired) SchemaVersion() int { return 1 }
func (OrderAttentionResolved) SchemaVersion() int { return 1 }

// Attention is why an order needs an operator.
type Attention struct {
	Was    Status      `json:"was"`
	Saga   string      `json:"saga"`
	Step   string      `json:"step"`
	Reason domain.Code `json:"reason"`
	Detail string      `json:"detail,omitempty"`
}

// MaxNoteLength bounds an operator's resolution note.
const MaxNoteLength = 1000

// RequireAttention stops an order where its saga could not go on. Any existing order
// can need attention, a second time included; reason is a code when the failure had
// one, SERVICE_UNAVAILABLE otherwise.
func RequireAttention(s State, saga, step string, reason domain.Code, detail string) ([]event.Event, error) {
	detail, err := checkRefusal(reason, detail)
	if err != nil {
		return nil, err
	}
	if !s.Exists() {
		return nil, notFound()
	}
	if s.Status == StatusNeedsAttention {
		return nil, nil // already stopped: the first cause is the one to resolve
	}
	return []event.Event{OrderAttentionRequired{OrderID: s.ID, Status: s.Status, Saga: saga, Step: step,
		Reason: reason, Detail: detail}}, nil
}

// resolutions are the statuses an operator may resolve an order to: the stable ones.
var resolutions = []Status{StatusApproved, StatusRejected, StatusCanceled, StatusShipped, StatusDelivered}

// ResolveAttention records how an operator resolved an order that needed attention.
func ResolveAttention(s State, to Status, note string) ([]event.Event, error) {
	var v domain.Validator
	v.Check(slices.Contains(resolutions, to), "status", "must be one of APPROVED, REJECTED, CANCELED, SHIPPED, DELIVERED")
	note = v.Text("note", note, 1, MaxNoteLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.Exists() {
		return nil, notFound()
	}
	if s.Status != StatusNeedsAttention {
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s, not %s", s.ID, s.Status, StatusNeedsAttention)
	}
	return []event.Event{OrderAttentionResolved{OrderID: s.ID, Status: to, Note: note}}, nil
}
