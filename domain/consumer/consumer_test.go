package consumer_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
)

var (
	consumerID = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	orderID    = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	otherOrder = uuid.MustParse("33333333-3333-4333-8333-333333333333")

	registered  = consumer.ConsumerRegistered{ConsumerID: consumerID, Name: "Ann", Email: "ann@example.com"}
	suspended   = consumer.ConsumerSuspended{ConsumerID: consumerID, Reason: "fraud"}
	reactivated = consumer.ConsumerReactivated{ConsumerID: consumerID}
	verified    = consumer.ConsumerVerified{ConsumerID: consumerID, OrderID: orderID}
)

func TestStreamName(t *testing.T) {
	require.Equal(t, "consumer-11111111-1111-4111-8111-111111111111", consumer.StreamName(consumerID))
	require.Equal(t, "consumer", consumer.Category)
}

func TestFold(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		want    consumer.State
	}{
		{"nothing", nil, consumer.State{}},
		{"registered", []event.Event{registered},
			consumer.State{ID: consumerID, Name: "Ann", Email: "ann@example.com", Status: consumer.StatusActive}},
		{"suspended", []event.Event{registered, suspended},
			consumer.State{ID: consumerID, Name: "Ann", Email: "ann@example.com", Status: consumer.StatusSuspended, SuspendedReason: "fraud"}},
		{"reactivated", []event.Event{registered, suspended, reactivated},
			consumer.State{ID: consumerID, Name: "Ann", Email: "ann@example.com", Status: consumer.StatusActive}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, consumer.Fold(tt.history...))
		})
	}
}

func TestFoldVerifiedAndForeignEvents(t *testing.T) {
	s := consumer.Fold(registered, verified, domaintest.Foreign{})
	require.True(t, s.Registered())
	require.True(t, s.VerifiedFor(orderID))
	require.False(t, s.VerifiedFor(otherOrder))
	require.Equal(t, consumer.StatusActive, s.Status)
	require.False(t, consumer.State{}.Registered())
}

func TestRegister(t *testing.T) {
	tests := []struct {
		name       string
		history    []event.Event
		id         uuid.UUID
		nameIn     string
		email      string
		want       domaintest.Outcome
		wantFields []domain.FieldError
	}{
		{name: "new consumer, trimmed", id: consumerID, nameIn: "  Ann ", email: " ann@example.com ",
			want: domaintest.Outcome{Events: []event.Event{registered}}},
		{name: "already registered", history: []event.Event{registered}, id: consumerID, nameIn: "Ann", email: "ann@example.com",
			want: domaintest.Outcome{Code: domain.CodeConsumerAlreadyRegistered}},
		{name: "everything missing", id: uuid.Nil, nameIn: " ", email: "",
			want: domaintest.Outcome{Code: domain.CodeValidationFailed},
			wantFields: []domain.FieldError{
				{Field: "id", Message: "is required"},
				{Field: "name", Message: "is required"},
				{Field: "email", Message: "is required"},
			}},
		{name: "name too long", id: consumerID, nameIn: strings.Repeat("a", 201), email: "ann@example.com",
			want:       domaintest.Outcome{Code: domain.CodeValidationFailed},
			wantFields: []domain.FieldError{{Field: "name", Message: "must be at most 200 characters"}}},
		{name: "name of 200 characters", id: consumerID, nameIn: strings.Repeat("é", 200), email: "ann@example.com",
			want: domaintest.Outcome{Events: []event.Event{consumer.ConsumerRegistered{ConsumerID: consumerID, Name: strings.Repeat("é", 200), Email: "ann@example.com"}}}},
		{name: "not an email", id: consumerID, nameIn: "Ann", email: "ann",
			want:       domaintest.Outcome{Code: domain.CodeValidationFailed},
			wantFields: []domain.FieldError{{Field: "email", Message: "must be a valid email address"}}},
		{name: "display name is not an email", id: consumerID, nameIn: "Ann", email: "Ann <ann@example.com>",
			want:       domaintest.Outcome{Code: domain.CodeValidationFailed},
			wantFields: []domain.FieldError{{Field: "email", Message: "must be a valid email address"}}},
		{name: "email too long", id: consumerID, nameIn: "Ann", email: strings.Repeat("a", 243) + "@example.com",
			want:       domaintest.Outcome{Code: domain.CodeValidationFailed},
			wantFields: []domain.FieldError{{Field: "email", Message: "must be at most 254 characters"}}},
		{name: "email of 254 characters", id: consumerID, nameIn: "Ann", email: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61),
			want: domaintest.Outcome{Events: []event.Event{consumer.ConsumerRegistered{ConsumerID: consumerID, Name: "Ann",
				Email: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consumer.Register(consumer.Fold(tt.history...), tt.id, tt.nameIn, tt.email)
			domaintest.Check(t, tt.want, got, err)
			if tt.wantFields != nil {
				require.Equal(t, tt.wantFields, domaintest.FieldsOf(t, err))
			}
		})
	}
}

func TestSuspend(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		reason  string
		want    domaintest.Outcome
	}{
		{"active", []event.Event{registered}, " fraud ", domaintest.Outcome{Events: []event.Event{suspended}}},
		{"already suspended", []event.Event{registered, suspended}, "again", domaintest.Outcome{}},
		{"reactivated", []event.Event{registered, suspended, reactivated}, "fraud", domaintest.Outcome{Events: []event.Event{suspended}}},
		{"not registered", nil, "fraud", domaintest.Outcome{Code: domain.CodeConsumerNotFound}},
		{"reason too long", []event.Event{registered}, strings.Repeat("x", 501), domaintest.Outcome{Code: domain.CodeValidationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consumer.Suspend(consumer.Fold(tt.history...), tt.reason)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestReactivate(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		want    domaintest.Outcome
	}{
		{"suspended", []event.Event{registered, suspended}, domaintest.Outcome{Events: []event.Event{reactivated}}},
		{"already active", []event.Event{registered}, domaintest.Outcome{}},
		{"not registered", nil, domaintest.Outcome{Code: domain.CodeConsumerNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consumer.Reactivate(consumer.Fold(tt.history...))
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		order   uuid.UUID
		want    domaintest.Outcome
	}{
		{"active", []event.Event{registered}, orderID, domaintest.Outcome{Events: []event.Event{verified}}},
		{"not registered", nil, orderID, domaintest.Outcome{Code: domain.CodeConsumerNotFound}},
		{"suspended", []event.Event{registered, suspended}, orderID, domaintest.Outcome{Code: domain.CodeConsumerSuspended}},
		{"reactivated", []event.Event{registered, suspended, reactivated}, orderID, domaintest.Outcome{Events: []event.Event{verified}}},
		{"retry after success", []event.Event{registered, verified}, orderID, domaintest.Outcome{}},
		{"retry after success, suspended since", []event.Event{registered, verified, suspended}, orderID, domaintest.Outcome{}},
		{"another order", []event.Event{registered, verified}, otherOrder,
			domaintest.Outcome{Events: []event.Event{consumer.ConsumerVerified{ConsumerID: consumerID, OrderID: otherOrder}}}},
		{"no order id", []event.Event{registered}, uuid.Nil, domaintest.Outcome{Code: domain.CodeValidationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consumer.Verify(consumer.Fold(tt.history...), tt.order)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestVerifySuspendedSaysWhichError(t *testing.T) {
	_, err := consumer.Verify(consumer.Fold(registered, suspended), orderID)
	require.ErrorIs(t, err, domain.ErrConsumerSuspended)
	_, err = consumer.Verify(consumer.State{}, orderID)
	require.ErrorIs(t, err, domain.ErrConsumerNotFound)
}
