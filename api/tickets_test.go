package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/workflows"
)

type ticketBody struct {
	ID           uuid.UUID `json:"id"`
	OrderID      uuid.UUID `json:"order_id"`
	RestaurantID uuid.UUID `json:"restaurant_id"`
	Status       string    `json:"status"`
	Items        []struct {
		MenuItemID string `json:"menu_item_id"`
		Name       string `json:"name"`
		Quantity   int    `json:"quantity"`
	} `json:"items"`
}

type answerBody struct {
	ID      uuid.UUID `json:"id"`
	Request string    `json:"request"`
}

func TestRestaurantTicketQueue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID, otherRestaurant := h.newConsumer(), h.newRestaurant(), h.newRestaurant()
	waiting := h.placeOrder(consumerID, restaurantID)
	h.createTicket(waiting, restaurantID)
	accepted := h.placeOrder(consumerID, restaurantID)
	h.createTicket(accepted, restaurantID)
	h.acceptTicket(accepted, restaurantID)
	elsewhere := h.placeOrder(consumerID, otherRestaurant)
	h.createTicket(elsewhere, otherRestaurant)
	h.waitTicketView(waiting, kitchen.StatusAwaitingAcceptance)
	h.waitTicketView(accepted, kitchen.StatusAccepted)
	h.waitTicketView(elsewhere, kitchen.StatusAwaitingAcceptance)
	base := "/v1/restaurants/" + restaurantID.String() + "/tickets"

	type queue struct {
		Tickets    []projections.TicketView `json:"tickets"`
		NextCursor *string                  `json:"next_cursor"`
	}
	got := requireJSON[queue](t, h.get(base, h.asRestaurant(restaurantID)), http.StatusOK)
	require.Len(t, got.Tickets, 2)
	require.Equal(t, waiting, got.Tickets[0].ID, "oldest first")
	require.Equal(t, accepted, got.Tickets[1].ID)
	require.Equal(t, kitchen.StatusAccepted, got.Tickets[1].Status)
	require.Equal(t, []projections.TicketItem{{MenuItemID: "pizza", Name: "Pizza Margherita", Quantity: 2},
		{MenuItemID: "pasta", Name: "Pasta Carbonara", Quantity: 1}}, got.Tickets[0].Items)
	for _, tk := range got.Tickets {
		require.Equal(t, restaurantID, tk.RestaurantID)
	}

	got = requireJSON[queue](t, h.get(base+"?status=ACCEPTED", h.asRestaurant(restaurantID)), http.StatusOK)
	require.Len(t, got.Tickets, 1)
	require.Equal(t, accepted, got.Tickets[0].ID)
	require.Nil(t, got.NextCursor, "the last page has no next")
	got = requireJSON[queue](t, h.get(base+"?limit=1", h.admin()), http.StatusOK)
	require.Len(t, got.Tickets, 1)
	require.Equal(t, waiting, got.Tickets[0].ID)
	require.NotNil(t, got.NextCursor)
	got = requireJSON[queue](t, h.get(base+"?limit=1&cursor="+*got.NextCursor, h.admin()), http.StatusOK)
	require.Len(t, got.Tickets, 1)
	require.Equal(t, accepted, got.Tickets[0].ID, "the next page goes on from the cursor")
	require.Nil(t, got.NextCursor)
	require.JSONEq(t, `{"tickets":[],"next_cursor":null}`, h.get("/v1/restaurants/"+uuid.NewString()+"/tickets", h.admin()).Body.String())

	tests := []struct {
		name, path, token string
		status            int
		slug              string
	}{
		{"another restaurant", base, h.asRestaurant(otherRestaurant), 404, "not-found"},
		{"a consumer", base, h.asConsumer(consumerID), 404, "not-found"},
		{"bad status", base + "?status=COOKING", h.asRestaurant(restaurantID), 422, "validation-failed"},
		{"bad limit", base + "?limit=many", h.asRestaurant(restaurantID), 422, "validation-failed"},
		{"forged cursor", base + "?cursor=AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_", h.asRestaurant(restaurantID), 422, "validation-failed"},
		{"invalid uuid", "/v1/restaurants/luigis/tickets", h.admin(), 400, "malformed-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, h.get(tt.path, tt.token), tt.status, tt.slug)
		})
	}
}

// ticketFixture is an order whose ticket awaits the restaurant's answer.
type ticketFixture struct {
	h                                  *harness
	consumerID, restaurantID, ticketID uuid.UUID
}

func newTicketFixture(t *testing.T) ticketFixture {
	h := newHarness(t)
	f := ticketFixture{h: h, consumerID: h.newConsumer(), restaurantID: h.newRestaurant()}
	f.ticketID = h.placeOrder(f.consumerID, f.restaurantID)
	h.createTicket(f.ticketID, f.restaurantID)
	return f
}

func (f ticketFixture) path(action string) string {
	return "/v1/tickets/" + f.ticketID.String() + "/" + action
}

func TestAcceptAndRejectTicket(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		action string
		body   any
		want   workflows.TicketDecision
	}{
		{"accept", nil, workflows.TicketDecision{Accept: true}},
		{"reject", map[string]any{"reason": "out of basil"}, workflows.TicketDecision{Reason: "out of basil"}},
		{"reject", nil, workflows.TicketDecision{}},
	} {
		t.Run(tt.action, func(t *testing.T) {
			t.Parallel()
			f := newTicketFixture(t)
			h := f.h
			var got answerBody
			h.nothingAppended(func() { // the saga records the answer
				got = requireJSON[answerBody](t, h.post(f.path(tt.action), h.asRestaurant(f.restaurantID), tt.body), http.StatusAccepted)
			})
			require.Equal(t, answerBody{ID: f.ticketID, Request: tt.action}, got)
			updates := h.wf.updateCalls()
			require.Len(t, updates, 1)
			require.Equal(t, "order-"+f.ticketID.String(), updates[0].WorkflowID)
			require.Equal(t, workflows.UpdateDecideTicket, updates[0].UpdateName)
			require.Equal(t, client.WorkflowUpdateStageCompleted, updates[0].WaitForStage)
			tt.want.User = restaurantPrincipal(f.restaurantID).String()
			require.Equal(t, []any{tt.want}, updates[0].Args)
		})
	}
}

func TestTicketAnswerRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		action string
		setup  func(ticketFixture)
		status int
		slug   string
	}{
		{"accept refused by the workflow", "accept", func(f ticketFixture) {
			f.h.wf.refuseUpdates(domain.CodeInvalidStateTransition, "ticket is not awaiting the restaurant's answer")
		}, 409, "invalid-state-transition"},
		{"reject after the workflow ended", "reject", func(f ticketFixture) { f.h.wf.endWorkflows() },
			409, "invalid-state-transition"},
		{"reject with an invalid reason", "reject", func(f ticketFixture) {
			f.h.wf.refuseUpdates(domain.CodeValidationFailed, "VALIDATION_FAILED",
				domain.FieldError{Field: "reason", Message: "must be at most 500 characters"})
		}, 422, "validation-failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newTicketFixture(t)
			tt.setup(f)
			f.h.nothingAppended(func() {
				requireProblem(t, f.h.post(f.path(tt.action), f.h.asRestaurant(f.restaurantID), nil), tt.status, tt.slug)
			})
			require.Len(t, f.h.wf.updateCalls(), 1)
		})
	}
}

func TestTicketKitchenProgress(t *testing.T) {
	t.Parallel()
	f := newTicketFixture(t)
	h := f.h
	h.acceptTicket(f.ticketID, f.restaurantID)
	token := h.asRestaurant(f.restaurantID)
	stream := kitchen.StreamName(f.ticketID)

	steps := []struct {
		action, status, event string
	}{
		{"preparing", "PREPARING", kitchen.TypeTicketPreparationStarted},
		{"ready", "READY_FOR_PICKUP", kitchen.TypeTicketReadyForPickup},
		{"picked-up", "PICKED_UP", kitchen.TypeTicketPickedUp},
	}
	for _, step := range steps {
		got := requireJSON[ticketBody](t, h.post(f.path(step.action), token, nil), http.StatusOK)
		require.Equal(t, f.ticketID, got.ID)
		require.Equal(t, f.ticketID, got.OrderID)
		require.Equal(t, f.restaurantID, got.RestaurantID)
		require.Equal(t, step.status, got.Status)
		require.Len(t, got.Items, 2)
		last := h.lastEvent(stream)
		require.Equal(t, step.event, last.Type)
		require.Equal(t, restaurantPrincipal(f.restaurantID).String(), last.Metadata.User)
		require.Equal(t, f.ticketID.String(), last.Metadata.CorrelationID)
	}
	require.Equal(t, []string{kitchen.TypeTicketCreated, kitchen.TypeTicketAccepted, kitchen.TypeTicketPreparationStarted,
		kitchen.TypeTicketReadyForPickup, kitchen.TypeTicketPickedUp}, h.streamTypes(stream))

	// The pickup told the order's workflow; nothing else went to Temporal.
	require.Equal(t, []signalCall{{WorkflowID: "order-" + f.ticketID.String(), Name: workflows.SignalTicketPickedUp,
		Arg: workflows.PickedUp{User: restaurantPrincipal(f.restaurantID).String()}}}, h.wf.signalCalls())
	require.Empty(t, h.wf.updateCalls())
	require.Empty(t, h.wf.startCalls())

	// A repeated pickup records nothing and tells the order again.
	h.nothingAppended(func() {
		requireJSON[ticketBody](t, h.post(f.path("picked-up"), token, nil), http.StatusOK)
	})
	require.Len(t, h.wf.signalCalls(), 2)
}

func TestTicketPickedUpAfterTheWorkflowEnded(t *testing.T) {
	t.Parallel()
	f := newTicketFixture(t)
	h := f.h
	h.acceptTicket(f.ticketID, f.restaurantID)
	for _, action := range []string{"preparing", "ready"} {
		requireJSON[ticketBody](t, h.post(f.path(action), h.admin(), nil), http.StatusOK)
	}
	h.wf.endWorkflows()
	got := requireJSON[ticketBody](t, h.post(f.path("picked-up"), h.admin(), nil), http.StatusOK)
	require.Equal(t, "PICKED_UP", got.Status)
	require.Equal(t, "admin:root", h.lastEvent(kitchen.StreamName(f.ticketID)).Metadata.User)
	require.Len(t, h.wf.signalCalls(), 1)
}

// TestTicketActionRefusals: who may not act on a ticket, and transitions the kitchen
// forbids. Nothing is appended and Temporal is not asked.
func TestTicketActionRefusals(t *testing.T) {
	t.Parallel()
	f := newTicketFixture(t) // AWAITING_ACCEPTANCE
	h := f.h
	other := h.newRestaurant()
	unknown := "/v1/tickets/" + uuid.NewString() + "/"
	actions := []string{"accept", "reject", "preparing", "ready", "picked-up"}

	type refusal struct {
		name, path, token string
		status            int
		slug              string
		code              domain.Code
	}
	var tests []refusal
	for _, a := range actions {
		tests = append(tests,
			refusal{a + " by another restaurant", f.path(a), h.asRestaurant(other), 404, "ticket-not-found", domain.CodeTicketNotFound},
			refusal{a + " by a consumer", f.path(a), h.asConsumer(f.consumerID), 403, "forbidden", ""},
			refusal{a + " by a courier", f.path(a), h.asCourier(), 403, "forbidden", ""},
			refusal{a + " an unknown ticket", unknown + a, h.asRestaurant(f.restaurantID), 404, "ticket-not-found", domain.CodeTicketNotFound},
			refusal{a + " an invalid uuid", "/v1/tickets/ticket-1/" + a, h.asRestaurant(f.restaurantID), 400, "malformed-request", ""},
		)
	}
	tests = append(tests,
		refusal{"preparing before accepted", f.path("preparing"), h.asRestaurant(f.restaurantID), 409, "invalid-state-transition", domain.CodeInvalidStateTransition},
		refusal{"ready before preparing", f.path("ready"), h.asRestaurant(f.restaurantID), 409, "invalid-state-transition", domain.CodeInvalidStateTransition},
		refusal{"picked-up before ready", f.path("picked-up"), h.asRestaurant(f.restaurantID), 409, "invalid-state-transition", domain.CodeInvalidStateTransition},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.nothingWritten(func() {
				p := requireProblem(t, h.post(tt.path, tt.token, nil), tt.status, tt.slug)
				require.Equal(t, string(tt.code), p.Code)
			})
		})
	}

	// Once accepted, ready still needs preparing first.
	h.acceptTicket(f.ticketID, f.restaurantID)
	h.nothingWritten(func() {
		requireProblem(t, h.post(f.path("ready"), h.asRestaurant(f.restaurantID), nil), http.StatusConflict, "invalid-state-transition")
	})
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: f.path("reject"), Token: h.asRestaurant(f.restaurantID),
			Body: map[string]any{"reason": "x", "refund": true}})
		requireValidation(t, rec, domain.FieldError{Field: "refund", Message: "is not a known field"})
	})
}
