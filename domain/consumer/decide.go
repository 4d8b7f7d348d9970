package consumer

import (
	"net/mail"
	"strings"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
)

// Limits on consumer input.
const (
	MaxNameLength   = 200
	MaxEmailLength  = 254 // RFC 5321's limit on a forward path
	MaxReasonLength = 500
)

// Register creates a consumer. Name and email are stored trimmed.
func Register(s State, id uuid.UUID, name, email string) ([]event.Event, error) {
	var v domain.Validator
	v.Check(id != uuid.Nil, "id", "is required")
	name = v.Text("name", name, 1, MaxNameLength)
	email = checkEmail(&v, email)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Registered() {
		return nil, domain.Errorf(domain.CodeConsumerAlreadyRegistered, "consumer %s is already registered", s.ID)
	}
	return []event.Event{ConsumerRegistered{ConsumerID: id, Name: name, Email: email}}, nil
}

// checkEmail accepts a bare address only: "Ann <ann@example.com>" parses as an
// address too, but a display name is not an email and would surprise whoever mails it.
func checkEmail(v *domain.Validator, email string) string {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		v.Add("email", "is required")
	case len(email) > MaxEmailLength:
		v.Addf("email", "must be at most %d characters", MaxEmailLength)
	default:
		addr, err := mail.ParseAddress(email)
		v.Check(err == nil && addr.Name == "" && addr.Address == email, "email", "must be a valid email address")
	}
	return email
}

// Suspend stops a consumer from placing orders. Suspending a suspended consumer is a
// no-op, so the API call can be repeated safely.
func Suspend(s State, reason string) ([]event.Event, error) {
	var v domain.Validator
	reason = v.Text("reason", reason, 0, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.Registered() {
		return nil, notFound()
	}
	if s.Status == StatusSuspended {
		return nil, nil
	}
	return []event.Event{ConsumerSuspended{ConsumerID: s.ID, Reason: reason}}, nil
}

// Reactivate lifts a suspension; a no-op for an active consumer.
func Reactivate(s State) ([]event.Event, error) {
	if !s.Registered() {
		return nil, notFound()
	}
	if s.Status == StatusActive {
		return nil, nil
	}
	return []event.Event{ConsumerReactivated{ConsumerID: s.ID}}, nil
}

// Verify clears the consumer to place orderID. A verification that already took
// effect stands even if the consumer was suspended since: the retried saga step must
// get the answer the first attempt got.
func Verify(s State, orderID uuid.UUID) ([]event.Event, error) {
	if orderID == uuid.Nil {
		return nil, &domain.ValidationError{Fields: []domain.FieldError{{Field: "order_id", Message: "is required"}}}
	}
	switch {
	case !s.Registered():
		return nil, notFound()
	case s.VerifiedFor(orderID):
		return nil, nil
	case s.Status == StatusSuspended:
		return nil, domain.Errorf(domain.CodeConsumerSuspended, "consumer %s is suspended", s.ID)
	}
	return []event.Event{ConsumerVerified{ConsumerID: s.ID, OrderID: orderID}}, nil
}

// notFound is a fresh error each time: the sentinels are shared and must stay pristine.
func notFound() error { return domain.Errorf(domain.CodeConsumerNotFound, "consumer not found") }
