package projections_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
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
		tickets, _, err := e.q.RestaurantTickets(context.Background(), restaurant, status, "", limit)
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

	others, _, err := e.q.RestaurantTickets(context.Background(), other, "", "", 0)
	require.NoError(t, err)
	require.Len(t, others, 1)
	require.Equal(t, elsewhere, others[0].ID)

	none, _, err := e.q.RestaurantTickets(context.Background(), uuid.New(), "", "", 0)
	require.NoError(t, err)
	require.NotNil(t, none, "an empty queue is [], not null")
	require.Empty(t, none)

	_, _, err = e.q.RestaurantTickets(context.Background(), restaurant, "COOKING", "", 0)
	requireErrorIsAll(t, err, projections.ErrInvalidStatus, domain.ErrValidation)
}

func TestGetTicketOfAnUnknownTicketIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.q.GetTicket(context.Background(), uuid.New())
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrTicketNotFound)
}

// walkTickets reads every page of a restaurant's tickets and returns the ids in the
// order served, failing on a page larger than limit or a cursor that does not end.
func walkTickets(t *testing.T, e *env, restaurantID uuid.UUID, status kitchen.Status, limit int) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	cursor := ""
	for pages := 1; ; pages++ {
		page, next, err := e.q.RestaurantTickets(context.Background(), restaurantID, status, cursor, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		for _, tk := range page {
			require.Equal(t, restaurantID, tk.RestaurantID)
			if status != "" {
				require.Equal(t, status, tk.Status)
			}
			ids = append(ids, tk.ID)
		}
		if next == "" {
			return ids
		}
		require.Len(t, page, limit, "only the last page may be short")
		require.Less(t, pages, 200, "the cursor never ends")
		cursor = next
	}
}

// Past a page of tickets, the cursor reaches the rest of the queue and all the
// history: 120 tickets, each served once, in the kitchen's order, whatever the page
// size and filter.
func TestRestaurantTicketsPageThroughTheWholeQueueAndHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	restaurant := uuid.New()
	for i := range 120 {
		id := uuid.New()
		e.append(kitchen.StreamName(id), ticketCreated(id, restaurant))
		switch i % 4 {
		case 1:
			e.append(kitchen.StreamName(id), kitchen.TicketCanceled{TicketID: id, Reason: "x"})
		case 2:
			e.append(kitchen.StreamName(id), kitchen.TicketAccepted{TicketID: id})
		}
	}
	elsewhere := uuid.New()
	e.append(kitchen.StreamName(elsewhere), ticketCreated(elsewhere, uuid.New()))
	e.waitCaughtUp()

	// The kitchen's order: the queue oldest first, then the history newest first.
	var queue, history []projections.TicketView
	for _, tk := range e.allTickets() {
		switch {
		case tk.RestaurantID != restaurant:
		case tk.Status == kitchen.StatusCanceled:
			history = append(history, tk)
		default:
			queue = append(queue, tk)
		}
	}
	byCreation := func(a, b projections.TicketView) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	}
	slices.SortFunc(queue, byCreation)
	slices.SortFunc(history, func(a, b projections.TicketView) int { return byCreation(b, a) })
	ids := func(tickets []projections.TicketView, status kitchen.Status) []uuid.UUID {
		var out []uuid.UUID
		for _, tk := range tickets {
			if status == "" || tk.Status == status {
				out = append(out, tk.ID)
			}
		}
		return out
	}
	all := append(ids(queue, ""), ids(history, "")...)
	require.Len(t, all, 120)

	for _, limit := range []int{7, 30, projections.MaxPageSize} {
		require.Equal(t, all, walkTickets(t, e, restaurant, "", limit), "limit %d", limit)
	}
	require.Equal(t, ids(queue, kitchen.StatusAwaitingAcceptance), walkTickets(t, e, restaurant, kitchen.StatusAwaitingAcceptance, 11))
	require.Equal(t, ids(queue, kitchen.StatusAccepted), walkTickets(t, e, restaurant, kitchen.StatusAccepted, 11))
	require.Equal(t, ids(history, ""), walkTickets(t, e, restaurant, kitchen.StatusCanceled, 11))

	// A cursor is a place in the kitchen's order, not in a filter: one from the queue
	// continues into the history, and one from the history never goes back to the queue.
	_, inQueue, err := e.q.RestaurantTickets(context.Background(), restaurant, "", "", 1)
	require.NoError(t, err)
	page, _, err := e.q.RestaurantTickets(context.Background(), restaurant, kitchen.StatusCanceled, inQueue, projections.MaxPageSize)
	require.NoError(t, err)
	require.Len(t, page, len(history))
	_, inHistory, err := e.q.RestaurantTickets(context.Background(), restaurant, kitchen.StatusCanceled, "", 1)
	require.NoError(t, err)
	page, _, err = e.q.RestaurantTickets(context.Background(), restaurant, kitchen.StatusAccepted, inHistory, projections.MaxPageSize)
	require.NoError(t, err)
	require.Empty(t, page)

	// Cursors this endpoint did not issue are refused: forged, or the consumer history's.
	raw, err := base64.RawURLEncoding.DecodeString(inHistory)
	require.NoError(t, err)
	forged := slices.Clone(raw)
	forged[1] = 7 // no such part of the list
	for name, bad := range map[string]string{
		"not base64":  "not a cursor!",
		"too short":   inQueue[:len(inQueue)-4],
		"too long":    inHistory + "AAAA",
		"forged part": base64.RawURLEncoding.EncodeToString(forged),
		"padded":      base64.URLEncoding.EncodeToString(raw),
	} {
		_, _, err := e.q.RestaurantTickets(context.Background(), restaurant, "", bad, 5)
		requireErrorIsAll(t, err, projections.ErrInvalidCursor, domain.ErrValidation)
		var verr *domain.ValidationError
		require.ErrorAsf(t, err, &verr, "%s", name)
		require.Equal(t, "cursor", verr.Fields[0].Field)
	}
	// A consumer's history has one part: a cursor into the tickets' history is not its.
	_, _, err = e.q.ConsumerOrders(context.Background(), uuid.New(), "", inHistory, 1)
	requireErrorIsAll(t, err, projections.ErrInvalidCursor, domain.ErrValidation)
}
