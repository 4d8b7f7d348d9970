package kitchen_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
)

var (
	orderID      = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	restaurantID = uuid.MustParse("44444444-4444-4444-8444-444444444444")

	lines      = []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2}}
	otherLines = []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 3}, {MenuItemID: "pasta", Name: "Pasta", Quantity: 1}}

	created   = kitchen.TicketCreated{TicketID: orderID, OrderID: orderID, RestaurantID: restaurantID, Lines: lines}
	accepted  = kitchen.TicketAccepted{TicketID: orderID}
	rejected  = kitchen.TicketRejected{TicketID: orderID, Reason: "too busy"}
	canceled  = kitchen.TicketCanceled{TicketID: orderID, Reason: "order canceled"}
	revised   = kitchen.TicketRevised{TicketID: orderID, Lines: otherLines}
	preparing = kitchen.TicketPreparationStarted{TicketID: orderID}
	ready     = kitchen.TicketReadyForPickup{TicketID: orderID}
	pickedUp  = kitchen.TicketPickedUp{TicketID: orderID}
)

// histories reaches each status.
var histories = map[kitchen.Status][]event.Event{
	"":                               nil,
	kitchen.StatusAwaitingAcceptance: {created},
	kitchen.StatusAccepted:           {created, accepted},
	kitchen.StatusRejected:           {created, rejected},
	kitchen.StatusPreparing:          {created, accepted, preparing},
	kitchen.StatusReadyForPickup:     {created, accepted, preparing, ready},
	kitchen.StatusPickedUp:           {created, accepted, preparing, ready, pickedUp},
	kitchen.StatusCanceled:           {created, canceled},
}

func TestStreamName(t *testing.T) {
	require.Equal(t, "ticket-22222222-2222-4222-8222-222222222222", kitchen.StreamName(orderID))
	require.Equal(t, "ticket", kitchen.Category)
}

func TestFold(t *testing.T) {
	base := kitchen.State{ID: orderID, OrderID: orderID, RestaurantID: restaurantID, Lines: lines}
	with := func(status kitchen.Status, edit ...func(*kitchen.State)) kitchen.State {
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
		want    kitchen.State
	}{
		{"nothing", nil, kitchen.State{}},
		{"created", []event.Event{created}, with(kitchen.StatusAwaitingAcceptance)},
		{"accepted", []event.Event{created, accepted}, with(kitchen.StatusAccepted)},
		{"rejected", []event.Event{created, rejected}, with(kitchen.StatusRejected, func(s *kitchen.State) { s.RejectReason = "too busy" })},
		{"canceled", []event.Event{created, accepted, canceled}, with(kitchen.StatusCanceled, func(s *kitchen.State) { s.CancelReason = "order canceled" })},
		{"revised", []event.Event{created, accepted, revised}, with(kitchen.StatusAccepted, func(s *kitchen.State) { s.Lines = otherLines })},
		{"preparing", []event.Event{created, accepted, preparing}, with(kitchen.StatusPreparing)},
		{"ready", []event.Event{created, accepted, preparing, ready}, with(kitchen.StatusReadyForPickup)},
		{"picked up", []event.Event{created, accepted, preparing, ready, pickedUp}, with(kitchen.StatusPickedUp)},
		{"foreign event ignored", []event.Event{created, domaintest.Foreign{}}, with(kitchen.StatusAwaitingAcceptance)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := kitchen.Fold(tt.history...)
			require.Equal(t, tt.want, got)
			require.Equal(t, len(tt.history) > 0, got.Exists())
		})
	}
}

func TestCreate(t *testing.T) {
	cmd := kitchen.CreateCommand{OrderID: orderID, RestaurantID: restaurantID, Lines: []kitchen.Line{{MenuItemID: "pizza", Name: " Pizza ", Quantity: 2}}}
	tests := []struct {
		name    string
		history []event.Event
		cmd     kitchen.CreateCommand
		want    domaintest.Outcome
	}{
		{"new ticket", nil, cmd, domaintest.Outcome{Events: []event.Event{created}}},
		{"same ticket again", []event.Event{created}, cmd, domaintest.Outcome{}},
		{"same ticket again after acceptance", []event.Event{created, accepted}, cmd, domaintest.Outcome{}},
		{"different ticket, same order", []event.Event{created},
			kitchen.CreateCommand{OrderID: orderID, RestaurantID: restaurantID, Lines: otherLines},
			domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
		{"different restaurant, same order", []event.Event{created},
			kitchen.CreateCommand{OrderID: orderID, RestaurantID: uuid.New(), Lines: lines},
			domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kitchen.Create(kitchen.Fold(tt.history...), tt.cmd)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestCreateValidation(t *testing.T) {
	many := make([]kitchen.Line, 51)
	for i := range many {
		many[i] = kitchen.Line{MenuItemID: "x", Name: "x", Quantity: 1}
	}
	tests := []struct {
		name   string
		cmd    kitchen.CreateCommand
		fields []domain.FieldError
	}{
		{"ids and lines missing", kitchen.CreateCommand{}, []domain.FieldError{
			{Field: "order_id", Message: "is required"},
			{Field: "restaurant_id", Message: "is required"},
			{Field: "lines", Message: "must have between 1 and 50 lines"},
		}},
		{"too many lines", kitchen.CreateCommand{OrderID: orderID, RestaurantID: restaurantID, Lines: many},
			[]domain.FieldError{{Field: "lines", Message: "must have between 1 and 50 lines"}}},
		{"bad lines", kitchen.CreateCommand{OrderID: orderID, RestaurantID: restaurantID, Lines: []kitchen.Line{
			{MenuItemID: "", Name: "", Quantity: 0},
			{MenuItemID: "x", Name: strings.Repeat("n", 201), Quantity: 100},
		}}, []domain.FieldError{
			{Field: "lines[0].menu_item_id", Message: "is required"},
			{Field: "lines[0].name", Message: "is required"},
			{Field: "lines[0].quantity", Message: "must be between 1 and 99"},
			{Field: "lines[1].name", Message: "must be at most 200 characters"},
			{Field: "lines[1].quantity", Message: "must be between 1 and 99"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kitchen.Create(kitchen.State{}, tt.cmd)
			require.Nil(t, got)
			var ve *domain.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tt.fields, ve.Fields)
		})
	}
}

// TestTransitions tries every decision from every status.
func TestTransitions(t *testing.T) {
	const (
		awaiting  = kitchen.StatusAwaitingAcceptance
		acceptedS = kitchen.StatusAccepted
		rejectedS = kitchen.StatusRejected
		preparS   = kitchen.StatusPreparing
		readyS    = kitchen.StatusReadyForPickup
		pickedS   = kitchen.StatusPickedUp
		canceledS = kitchen.StatusCanceled
	)
	invalid := domaintest.Outcome{Code: domain.CodeInvalidStateTransition}
	notFound := domaintest.Outcome{Code: domain.CodeTicketNotFound}
	none := domaintest.Outcome{}
	one := func(e event.Event) domaintest.Outcome { return domaintest.Outcome{Events: []event.Event{e}} }

	decisions := []struct {
		name   string
		decide func(kitchen.State) ([]event.Event, error)
		want   map[kitchen.Status]domaintest.Outcome
	}{
		{"Accept", kitchen.Accept, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: one(accepted), acceptedS: none, rejectedS: invalid,
			preparS: invalid, readyS: invalid, pickedS: invalid, canceledS: invalid,
		}},
		{"Reject", func(s kitchen.State) ([]event.Event, error) { return kitchen.Reject(s, " too busy ") }, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: one(rejected), acceptedS: invalid, rejectedS: none,
			preparS: invalid, readyS: invalid, pickedS: invalid, canceledS: invalid,
		}},
		{"StartPreparing", kitchen.StartPreparing, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: invalid, acceptedS: one(preparing), rejectedS: invalid,
			preparS: none, readyS: invalid, pickedS: invalid, canceledS: invalid,
		}},
		{"MarkReady", kitchen.MarkReady, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: invalid, acceptedS: invalid, rejectedS: invalid,
			preparS: one(ready), readyS: none, pickedS: invalid, canceledS: invalid,
		}},
		{"PickUp", kitchen.PickUp, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: invalid, acceptedS: invalid, rejectedS: invalid,
			preparS: invalid, readyS: one(pickedUp), pickedS: none, canceledS: invalid,
		}},
		{"Cancel", func(s kitchen.State) ([]event.Event, error) { return kitchen.Cancel(s, "order canceled") }, map[kitchen.Status]domaintest.Outcome{
			"": none, awaiting: one(canceled), acceptedS: one(canceled), rejectedS: none,
			preparS: one(canceled), readyS: one(canceled), pickedS: {Code: domain.CodeTicketAlreadyPickedUp}, canceledS: none,
		}},
		{"Revise", func(s kitchen.State) ([]event.Event, error) { return kitchen.Revise(s, otherLines) }, map[kitchen.Status]domaintest.Outcome{
			"": notFound, awaiting: one(revised), acceptedS: one(revised), rejectedS: {Code: domain.CodeTicketNotRevisable},
			preparS: {Code: domain.CodeTicketNotRevisable}, readyS: {Code: domain.CodeTicketNotRevisable},
			pickedS: {Code: domain.CodeTicketNotRevisable}, canceledS: {Code: domain.CodeTicketNotRevisable},
		}},
	}
	for _, d := range decisions {
		require.Len(t, d.want, len(histories), d.name)
		for status, want := range d.want {
			t.Run(d.name+" from "+string(status), func(t *testing.T) {
				got, err := d.decide(kitchen.Fold(histories[status]...))
				domaintest.Check(t, want, got, err)
			})
		}
	}
}

func TestReviseWithTheSameLinesIsANoOp(t *testing.T) {
	got, err := kitchen.Revise(kitchen.Fold(created, revised), otherLines)
	domaintest.Check(t, domaintest.Outcome{}, got, err)
}

func TestReasonsAreValidated(t *testing.T) {
	long := strings.Repeat("r", 501)
	_, err := kitchen.Reject(kitchen.Fold(created), long)
	require.ErrorIs(t, err, domain.ErrValidation)
	_, err = kitchen.Cancel(kitchen.Fold(created), long)
	require.ErrorIs(t, err, domain.ErrValidation)
	_, err = kitchen.Revise(kitchen.Fold(created), nil)
	require.ErrorIs(t, err, domain.ErrValidation)

	got, err := kitchen.Reject(kitchen.Fold(created), "")
	domaintest.Check(t, domaintest.Outcome{Events: []event.Event{kitchen.TicketRejected{TicketID: orderID}}}, got, err)
}

// The create saga's compensation cancels a ticket the restaurant has not accepted (the
// acceptance is the saga's point of no return): from every status it can then be in,
// canceling is never refused.
func TestCancelingBeforeAcceptanceIsNeverRefused(t *testing.T) {
	for _, status := range []kitchen.Status{"", kitchen.StatusAwaitingAcceptance, kitchen.StatusRejected, kitchen.StatusCanceled} {
		_, err := kitchen.Cancel(kitchen.Fold(histories[status]...), "the order was not approved")
		require.NoError(t, err, status)
	}
}
