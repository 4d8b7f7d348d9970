package order_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
)

var (
	orderID      = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	consumerID   = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	restaurantID = uuid.MustParse("44444444-4444-4444-8444-444444444444")

	pizza2 = order.Line{MenuItemID: "pizza", Name: "Pizza", Quantity: 2, UnitPrice: eur(1250), Total: eur(2500)}
	pasta1 = order.Line{MenuItemID: "pasta", Name: "Pasta", Quantity: 1, UnitPrice: eur(900), Total: eur(900)}
	pizza3 = order.Line{MenuItemID: "pizza", Name: "Pizza", Quantity: 3, UnitPrice: eur(1250), Total: eur(3750)}

	address = order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}

	created = order.OrderCreated{
		OrderID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID,
		Lines: []order.Line{pizza2, pasta1}, Total: eur(3400), DeliveryAddress: address,
	}
	approved         = order.OrderApproved{OrderID: orderID}
	rejected         = order.OrderRejected{OrderID: orderID, Reason: domain.CodeConsumerSuspended, Detail: "consumer is suspended"}
	cancelRequested  = order.OrderCancelRequested{OrderID: orderID}
	cancelRejected   = order.OrderCancelRejected{OrderID: orderID, Reason: domain.CodeTicketAlreadyPickedUp, Detail: "too late"}
	canceled         = order.OrderCanceled{OrderID: orderID, Reason: "CONSUMER_CANCELED"}
	proposed         = order.OrderRevisionProposed{OrderID: orderID, Lines: []order.Line{pizza3, pasta1}, Total: eur(4650)}
	revised          = order.OrderRevised{OrderID: orderID, Lines: []order.Line{pizza3, pasta1}, Total: eur(4650)}
	revisionRejected = order.OrderRevisionRejected{OrderID: orderID, Reason: domain.CodeInsufficientCredit, Detail: "no credit"}
	shipped          = order.OrderShipped{OrderID: orderID}
	delivered        = order.OrderDelivered{OrderID: orderID}
	attention        = order.OrderAttentionRequired{OrderID: orderID, Status: order.StatusCancelPending, Saga: "CancelOrder",
		Step: "ReverseCard", Reason: domain.CodeAccountNotFound, Detail: "account not found"}
)

// histories reaches each status.
var histories = map[order.Status][]event.Event{
	"":                          nil,
	order.StatusApprovalPending: {created},
	order.StatusApproved:        {created, approved},
	order.StatusRejected:        {created, rejected},
	order.StatusCancelPending:   {created, approved, cancelRequested},
	order.StatusCanceled:        {created, approved, cancelRequested, canceled},
	order.StatusRevisionPending: {created, approved, proposed},
	order.StatusShipped:         {created, approved, shipped},
	order.StatusDelivered:       {created, approved, shipped, delivered},
	order.StatusNeedsAttention:  {created, approved, cancelRequested, attention},
}

func eur(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }

func TestStreamName(t *testing.T) {
	require.Equal(t, "order-22222222-2222-4222-8222-222222222222", order.StreamName(orderID))
	require.Equal(t, "order", order.Category)
}

func TestFold(t *testing.T) {
	base := order.State{
		ID: orderID, ConsumerID: consumerID, RestaurantID: restaurantID,
		Lines: []order.Line{pizza2, pasta1}, Total: eur(3400), DeliveryAddress: address,
	}
	with := func(status order.Status, edit ...func(*order.State)) order.State {
		s := base
		s.Status = status
		for _, e := range edit {
			e(&s)
		}
		return s
	}
	tests := []struct {
		name    string
		history []event.Event
		want    order.State
	}{
		{"nothing", nil, order.State{}},
		{"created", []event.Event{created}, with(order.StatusApprovalPending)},
		{"approved", []event.Event{created, approved}, with(order.StatusApproved)},
		{"rejected", []event.Event{created, rejected}, with(order.StatusRejected, func(s *order.State) {
			s.RejectionReason, s.RejectionDetail = domain.CodeConsumerSuspended, "consumer is suspended"
		})},
		{"canceled while pending", []event.Event{created, canceled}, with(order.StatusCanceled, func(s *order.State) {
			s.CancelReason = "CONSUMER_CANCELED"
		})},
		{"cancel requested", []event.Event{created, approved, cancelRequested}, with(order.StatusCancelPending)},
		{"cancel rejected", []event.Event{created, approved, cancelRequested, cancelRejected}, with(order.StatusApproved, func(s *order.State) {
			s.LastRefusal = &order.ChangeRefusal{Change: "cancel", Reason: cancelRejected.Reason, Detail: cancelRejected.Detail}
		})},
		{"canceled", []event.Event{created, approved, cancelRequested, canceled}, with(order.StatusCanceled, func(s *order.State) {
			s.CancelReason = "CONSUMER_CANCELED"
		})},
		{"revision proposed", []event.Event{created, approved, proposed}, with(order.StatusRevisionPending, func(s *order.State) {
			s.PendingRevision = &order.Revision{Lines: []order.Line{pizza3, pasta1}, Total: eur(4650)}
		})},
		{"revised", []event.Event{created, approved, proposed, revised}, with(order.StatusApproved, func(s *order.State) {
			s.Lines, s.Total = []order.Line{pizza3, pasta1}, eur(4650)
		})},
		{"revision rejected", []event.Event{created, approved, proposed, revisionRejected}, with(order.StatusApproved, func(s *order.State) {
			s.LastRefusal = &order.ChangeRefusal{Change: "revise", Reason: revisionRejected.Reason, Detail: revisionRejected.Detail}
		})},
		{"revision refused after shipping", []event.Event{created, approved, shipped, revisionRejected}, with(order.StatusShipped, func(s *order.State) {
			s.LastRefusal = &order.ChangeRefusal{Change: "revise", Reason: revisionRejected.Reason, Detail: revisionRejected.Detail}
		})},
		{"cancel refused after shipping", []event.Event{created, approved, shipped, cancelRejected}, with(order.StatusShipped, func(s *order.State) {
			s.LastRefusal = &order.ChangeRefusal{Change: "cancel", Reason: cancelRejected.Reason, Detail: cancelRejected.Detail}
		})},
		{"shipped", []event.Event{created, approved, shipped}, with(order.StatusShipped)},
		{"delivered", []event.Event{created, approved, shipped, delivered}, with(order.StatusDelivered)},
		{"foreign event ignored", []event.Event{created, domaintest.Foreign{}}, with(order.StatusApprovalPending)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := order.Fold(tt.history...)
			require.Equal(t, tt.want, got)
			require.Equal(t, len(tt.history) > 0, got.Exists())
		})
	}
}

func TestFoldDoesNotShareTheEventsLines(t *testing.T) {
	e := created
	e.Lines = []order.Line{pizza2}
	s := order.Fold(e)
	e.Lines[0].Quantity = 42
	require.Equal(t, 2, s.Lines[0].Quantity)
}

func TestTerminal(t *testing.T) {
	for status := range histories {
		want := status == order.StatusRejected || status == order.StatusCanceled || status == order.StatusDelivered
		require.Equal(t, want, status.Terminal(), status)
	}
}

// TestTransitions tries every decision from every status: the order's whole state
// machine, one row a decision and one column a status.
func TestTransitions(t *testing.T) {
	const (
		pending   = order.StatusApprovalPending
		approvedS = order.StatusApproved
		rejectedS = order.StatusRejected
		cancelP   = order.StatusCancelPending
		canceledS = order.StatusCanceled
		revisionP = order.StatusRevisionPending
		shippedS  = order.StatusShipped
		deliverS  = order.StatusDelivered
	)
	invalid := domaintest.Outcome{Code: domain.CodeInvalidStateTransition}
	notFound := domaintest.Outcome{Code: domain.CodeOrderNotFound}
	none := domaintest.Outcome{}
	one := func(e event.Event) domaintest.Outcome { return domaintest.Outcome{Events: []event.Event{e}} }
	// all builds a row where every status is invalid except the overrides.
	all := func(overrides map[order.Status]domaintest.Outcome) map[order.Status]domaintest.Outcome {
		row := map[order.Status]domaintest.Outcome{"": notFound}
		for status := range histories {
			if status != "" {
				row[status] = invalid
			}
		}
		for status, o := range overrides {
			row[status] = o
		}
		return row
	}
	// recordedEverywhere is a refusal that every existing order records.
	recordedEverywhere := func(e event.Event) map[order.Status]domaintest.Outcome {
		row := map[order.Status]domaintest.Outcome{"": notFound}
		for status := range histories {
			if status != "" {
				row[status] = one(e)
			}
		}
		return row
	}

	decisions := []struct {
		name   string
		decide func(order.State) ([]event.Event, error)
		want   map[order.Status]domaintest.Outcome
	}{
		{"Approve", order.Approve, all(map[order.Status]domaintest.Outcome{pending: one(approved), approvedS: none})},
		{"Reject", func(s order.State) ([]event.Event, error) {
			return order.Reject(s, domain.CodeConsumerSuspended, " consumer is suspended ")
		}, all(map[order.Status]domaintest.Outcome{pending: one(rejected), rejectedS: none})},
		{"RequestCancel", order.RequestCancel, all(map[order.Status]domaintest.Outcome{approvedS: one(cancelRequested), canceledS: none})},
		{"Cancel", func(s order.State) ([]event.Event, error) { return order.Cancel(s, "CONSUMER_CANCELED") },
			all(map[order.Status]domaintest.Outcome{pending: one(canceled), cancelP: one(canceled), canceledS: none})},
		{"RejectCancel", func(s order.State) ([]event.Event, error) {
			return order.RejectCancel(s, domain.CodeTicketAlreadyPickedUp, "too late")
		}, recordedEverywhere(cancelRejected)},
		{"ProposeRevision", func(s order.State) ([]event.Event, error) {
			return order.ProposeRevision(s, []order.Line{pizza3, pasta1}, eur(4650))
		}, all(map[order.Status]domaintest.Outcome{approvedS: one(proposed)})},
		{"ConfirmRevision", order.ConfirmRevision, all(map[order.Status]domaintest.Outcome{revisionP: one(revised), approvedS: none})},
		{"RejectRevision", func(s order.State) ([]event.Event, error) {
			return order.RejectRevision(s, domain.CodeInsufficientCredit, "no credit")
		}, recordedEverywhere(revisionRejected)},
		{"Ship", order.Ship, all(map[order.Status]domaintest.Outcome{approvedS: one(shipped), shippedS: none})},
		{"Deliver", order.Deliver, all(map[order.Status]domaintest.Outcome{shippedS: one(delivered), deliverS: none})},
	}
	for _, d := range decisions {
		for status, want := range d.want {
			t.Run(d.name+" from "+string(status), func(t *testing.T) {
				got, err := d.decide(order.Fold(histories[status]...))
				domaintest.Check(t, want, got, err)
			})
		}
	}
}

func TestPendingStatesAreLocks(t *testing.T) {
	for _, status := range []order.Status{order.StatusCancelPending, order.StatusRevisionPending} {
		s := order.Fold(histories[status]...)
		_, err := order.RequestCancel(s)
		require.ErrorIs(t, err, domain.ErrInvalidStateTransition)
		require.Contains(t, err.Error(), "another change is in progress")
		_, err = order.ProposeRevision(s, []order.Line{pizza2}, eur(2500))
		require.ErrorIs(t, err, domain.ErrInvalidStateTransition)
		require.Contains(t, err.Error(), "another change is in progress")
	}
}

func TestLocksAreReleased(t *testing.T) {
	for name, history := range map[string][]event.Event{
		"cancel rejected":   {created, approved, cancelRequested, cancelRejected},
		"revised":           {created, approved, proposed, revised},
		"revision rejected": {created, approved, proposed, revisionRejected},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := order.RequestCancel(order.Fold(history...))
			domaintest.Check(t, domaintest.Outcome{Events: []event.Event{cancelRequested}}, got, err)
		})
	}
}

func TestConfirmRevisionWithoutAProposalIsRefused(t *testing.T) {
	s := order.Fold(created, approved)
	s.Status = order.StatusRevisionPending // a state no history produces
	_, err := order.ConfirmRevision(s)
	require.ErrorIs(t, err, domain.ErrInvalidStateTransition)
}

func TestRefusalReasonsMustBeKnownCodes(t *testing.T) {
	tests := []struct {
		name   string
		decide func(order.State, domain.Code, string) ([]event.Event, error)
		status order.Status
	}{
		{"Reject", order.Reject, order.StatusApprovalPending},
		{"RejectCancel", order.RejectCancel, order.StatusCancelPending},
		{"RejectRevision", order.RejectRevision, order.StatusRevisionPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := order.Fold(histories[tt.status]...)
			_, err := tt.decide(s, "", "x")
			require.Equal(t, []domain.FieldError{{Field: "reason", Message: "must be a known reason code"}}, domaintest.FieldsOf(t, err))
			_, err = tt.decide(s, "NOT_A_CODE", "x")
			require.Equal(t, []domain.FieldError{{Field: "reason", Message: "must be a known reason code"}}, domaintest.FieldsOf(t, err))
			_, err = tt.decide(s, domain.CodeRestaurantTimeout, string(make([]byte, 1001)))
			require.ErrorIs(t, err, domain.ErrValidation)
		})
	}
}
