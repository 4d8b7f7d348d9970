package projections_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/projections"
)

func TestKitchenTicketFollowsTheTicketThroughTheKitchen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id, restaurantID := uuid.New(), uuid.New()
	stream := kitchen.StreamName(id)

	v := e.waitTicket(id, e.append(stream, ticketCreated(id, restaurantID)))
	require.Equal(t, kitchen.StatusAwaitingAcceptance, v.Status)
	require.Equal(t, id, v.OrderID)
	require.Equal(t, restaurantID, v.RestaurantID)
	require.Equal(t, []projections.TicketItem{
		{MenuItemID: "pizza", Name: "Pizza", Quantity: 2}, {MenuItemID: "cola", Name: "Cola", Quantity: 1},
	}, v.Items)
	e.requireTicketMatchesAggregate(v)

	steps := []struct {
		event  event.Event
		status kitchen.Status
	}{
		{kitchen.TicketAccepted{TicketID: id}, kitchen.StatusAccepted},
		{kitchen.TicketRevised{TicketID: id, Lines: []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 5}}},
			kitchen.StatusAccepted},
		{kitchen.TicketPreparationStarted{TicketID: id}, kitchen.StatusPreparing},
		{kitchen.TicketReadyForPickup{TicketID: id}, kitchen.StatusReadyForPickup},
		{kitchen.TicketPickedUp{TicketID: id}, kitchen.StatusPickedUp},
	}
	for _, step := range steps {
		v = e.waitTicket(id, e.append(stream, step.event))
		require.Equal(t, step.status, v.Status, "after %s", step.event.EventType())
		e.requireTicketMatchesAggregate(v)
	}
	require.Equal(t, []projections.TicketItem{{MenuItemID: "pizza", Name: "Pizza", Quantity: 5}}, v.Items,
		"the revision's lines are what the kitchen cooks")
	require.Empty(t, v.RejectReason)
	require.Empty(t, v.CancelReason)
}

func TestKitchenTicketKeepsRejectAndCancelReasons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	rejected, canceled, restaurantID := uuid.New(), uuid.New(), uuid.New()
	e.append(kitchen.StreamName(rejected), ticketCreated(rejected, restaurantID))
	e.append(kitchen.StreamName(canceled), ticketCreated(canceled, restaurantID))

	v := e.waitTicket(rejected, e.append(kitchen.StreamName(rejected), kitchen.TicketRejected{TicketID: rejected, Reason: "out of dough"}))
	require.Equal(t, kitchen.StatusRejected, v.Status)
	require.Equal(t, projections.NullableString("out of dough"), v.RejectReason)
	e.requireTicketMatchesAggregate(v)

	v = e.waitTicket(canceled, e.append(kitchen.StreamName(canceled), kitchen.TicketCanceled{TicketID: canceled, Reason: "order rejected"}))
	require.Equal(t, kitchen.StatusCanceled, v.Status)
	require.Equal(t, projections.NullableString("order rejected"), v.CancelReason)
	require.Nil(t, jsonObject(t, v)["reject_reason"])
	e.requireTicketMatchesAggregate(v)
}

func TestRestaurantTicketsListTheQueueThenTheHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	restaurant, other := uuid.New(), uuid.New()

	// Created in this order; then moved on to their statuses.
	awaiting1, canceled1, preparing, awaiting2, rejected, canceled2, pickedUp :=
		uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, id := range []uuid.UUID{awaiting1, canceled1, preparing, awaiting2, rejected, canceled2, pickedUp} {
		e.append(kitchen.StreamName(id), ticketCreated(id, restaurant))
	}
	elsewhere := uuid.New()
	e.append(kitchen.StreamName(elsewhere), ticketCreated(elsewhere, other))
	e.append(kitchen.StreamName(canceled1), kitchen.TicketCanceled{TicketID: canceled1, Reason: "x"})
	e.append(kitchen.StreamName(preparing), kitchen.TicketAccepted{TicketID: preparing},
		kitchen.TicketPreparationStarted{TicketID: preparing})
	e.append(kitchen.StreamName(rejected), kitchen.TicketRejected{TicketID: rejected, Reason: "busy"})
	e.append(kitchen.StreamName(canceled2), kitchen.TicketCanceled{TicketID: canceled2, Reason: "y"})
	e.append(kitchen.StreamName(pickedUp), kitchen.TicketAccepted{TicketID: pickedUp},
		kitchen.TicketPreparationStarted{TicketID: pickedUp}, kitchen.TicketReadyForPickup{TicketID: pickedUp},
		kitchen.TicketPickedUp{TicketID: pickedUp})
	e.waitCaughtUp()

	list := func(status kitchen.Status, limit int) []uuid.UUID {
		t.Helper()
		tickets, err := e.q.RestaurantTickets(context.Background(), restaurant, status, limit)
		require.NoError(t, err)
		ids := make([]uuid.UUID, len(tickets))
		for i, tk := range tickets {
			require.Equal(t, restaurant, tk.RestaurantID)
			if status != "" {
				require.Equal(t, status, tk.Status)
			}
			ids[i] = tk.ID
		}
		return ids
	}

	// The queue oldest first, then the finished tickets newest first.
	require.Equal(t, []uuid.UUID{awaiting1, preparing, awaiting2, pickedUp, canceled2, rejected, canceled1}, list("", 0))
	require.Equal(t, []uuid.UUID{awaiting1, preparing, awaiting2}, list("", 3))
	require.Equal(t, []uuid.UUID{awaiting1, awaiting2}, list(kitchen.StatusAwaitingAcceptance, 0))
	require.Equal(t, []uuid.UUID{awaiting1}, list(kitchen.StatusAwaitingAcceptance, 1))
	require.Equal(t, []uuid.UUID{preparing}, list(kitchen.StatusPreparing, 0))
	require.Equal(t, []uuid.UUID{canceled2, canceled1}, list(kitchen.StatusCanceled, 0))
	require.Equal(t, []uuid.UUID{pickedUp}, list(kitchen.StatusPickedUp, 0))
	require.Empty(t, list(kitchen.StatusReadyForPickup, 0))

	others, err := e.q.RestaurantTickets(context.Background(), other, "", 0)
	require.NoError(t, err)
	require.Len(t, others, 1)
	require.Equal(t, elsewhere, others[0].ID)

	none, err := e.q.RestaurantTickets(context.Background(), uuid.New(), "", 0)
	require.NoError(t, err)
	require.NotNil(t, none, "an empty queue is [], not null")
	require.Empty(t, none)

	_, err = e.q.RestaurantTickets(context.Background(), restaurant, "COOKING", 0)
	requireErrorIsAll(t, err, projections.ErrInvalidStatus, domain.ErrValidation)
}

func TestGetTicketOfAnUnknownTicketIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.q.GetTicket(context.Background(), uuid.New())
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrTicketNotFound)
}
