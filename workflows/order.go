package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
)

// PlaceOrder starts an order's workflow with the order already priced and validated
// against the menu by the API.
type PlaceOrder struct {
	Order      order.CreateCommand
	Acceptance Acceptance
	// User placed the order; CommandID is the request that did, the causation of the
	// saga's events.
	User      string
	CommandID string
	// Resume is set when an approved order's workflow continues as new: the order as
	// it stands, so the create saga is not run again.
	Resume *Resume `json:",omitempty"`
}

// Acceptance is how the restaurant takes tickets: at once, or by answering within
// Timeout (DefaultAcceptanceTimeout when zero).
type Acceptance struct {
	Auto    bool
	Timeout time.Duration
}

// DefaultAcceptanceTimeout is how long a restaurant has to answer when it set no time.
const DefaultAcceptanceTimeout = 5 * time.Minute

// Resume is an approved order carried across continue-as-new.
type Resume struct {
	Lines   []order.Line
	Total   money.Money
	Changes int
}

// OrderResult is how an order's workflow ended.
type OrderResult struct {
	Status          order.Status `json:"status"`
	RejectionReason domain.Code  `json:"rejection_reason,omitempty"`
}

// Order is the workflow of one order (id OrderWorkflowID): the CreateOrder saga, then
// the approved order's cancel and revise sagas until the food is picked up, then the
// delivery.
func Order(ctx workflow.Context, in PlaceOrder) (OrderResult, error) {
	ctx, _ = withStepsVersion(ctx)
	w := newOrderWorkflow(in)
	if err := w.register(ctx); err != nil {
		return OrderResult{}, err
	}
	if err := w.showInTemporalUI(ctx); err != nil {
		return OrderResult{}, err
	}
	if in.Resume == nil {
		if err := w.create(ctx); err != nil {
			err = w.stopped(ctx, err)
			return w.result(), err
		}
	}
	if w.state.Status != order.StatusApproved {
		return w.result(), nil
	}
	err := w.stopped(ctx, w.serve(ctx))
	return w.result(), err
}

// orderWorkflow is the state of one Order workflow. Only workflow code touches it.
type orderWorkflow struct {
	in       PlaceOrder
	state    order.State
	progress Progress
	// Requests that arrived by update or signal, for the workflow to act on.
	decision *TicketDecision
	cancel   *CancelRequest
	revise   *order.Revision
	reviser  string
	pickedUp *PickedUp
	pickups  workflow.ReceiveChannel
	delivery *DeliverRequest
	// changes counts the cancel and revise sagas run so far; it numbers their ids.
	changes int
	// ticketOpen is true once the ticket exists and until the restaurant answered.
	ticketOpen bool
	// approving is true while the approval step runs.
	approving bool
	// closing is true once the workflow is ending the order (rejecting, canceling,
	// flagging it): a request accepted then would be acted on by nobody, so the
	// validators refuse it.
	closing bool
}

func newOrderWorkflow(in PlaceOrder) *orderWorkflow {
	o := in.Order
	w := &orderWorkflow{in: in, state: order.State{
		ID: o.OrderID, ConsumerID: o.ConsumerID, RestaurantID: o.RestaurantID,
		Status: order.StatusApprovalPending, Lines: o.Lines, Total: o.Total, DeliveryAddress: o.DeliveryAddress,
	}}
	if r := in.Resume; r != nil {
		w.state.Status, w.state.Lines, w.state.Total, w.changes = order.StatusApproved, r.Lines, r.Total, r.Changes
	}
	w.progress.OrderID, w.progress.Status = o.OrderID, w.state.Status
	return w
}

// meta is the context of a step taken on behalf of the user who placed the order.
func (w *orderWorkflow) meta(step string) activities.Meta {
	return activities.Meta{User: w.in.User, CausationID: w.in.CommandID, Step: step}
}

// showInTemporalUI sets the search attributes that make the order findable. A workflow
// of versionLean upserts only those its start (StartOptions) or continue-as-new did
// not already set, which is none when the API started it.
func (w *orderWorkflow) showInTemporalUI(ctx workflow.Context) error {
	attrs := []keyword{
		{ConsumerIDKey, w.state.ConsumerID.String()},
		{RestaurantIDKey, w.state.RestaurantID.String()},
		{OrderStatusKey, string(w.state.Status)},
	}
	if lean(ctx) {
		return upsertChanged(ctx, attrs...)
	}
	updates := make([]temporal.SearchAttributeUpdate, len(attrs))
	for i, a := range attrs {
		updates[i] = a.key.ValueSet(a.value)
	}
	return workflow.UpsertTypedSearchAttributes(ctx, updates...)
}

// setStatus moves the order to s and shows it in Temporal UI (OrderStatus). A
// workflow of versionLean leaves out the transient lock statuses: a change in flight
// shows as its running CancelOrder or ReviseOrder child, and each upsert is a
// history event and a visibility write.
func (w *orderWorkflow) setStatus(ctx workflow.Context, s order.Status) error {
	w.state.Status, w.progress.Status = s, s
	if !lean(ctx) {
		return workflow.UpsertTypedSearchAttributes(ctx, OrderStatusKey.ValueSet(string(s)))
	}
	if s == order.StatusCancelPending || s == order.StatusRevisionPending {
		return nil
	}
	return upsertChanged(ctx, keyword{OrderStatusKey, string(s)})
}

// keyword is a keyword search attribute's value.
type keyword struct {
	key   temporal.SearchAttributeKeyKeyword
	value string
}

// upsertChanged upserts those of attrs whose values the workflow does not carry
// already (from its start, continue-as-new or an earlier upsert).
func upsertChanged(ctx workflow.Context, attrs ...keyword) error {
	current := workflow.GetTypedSearchAttributes(ctx)
	var changed []temporal.SearchAttributeUpdate
	for _, a := range attrs {
		if v, ok := current.GetKeyword(a.key); !ok || v != a.value {
			changed = append(changed, a.key.ValueSet(a.value))
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return workflow.UpsertTypedSearchAttributes(ctx, changed...)
}

func (w *orderWorkflow) result() OrderResult {
	return OrderResult{Status: w.state.Status, RejectionReason: w.state.RejectionReason}
}
