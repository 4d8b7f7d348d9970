package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/refusals"
	"github.com/orderflow/orderflow/workflows"
)

// Workflows is the part of Temporal's client the order commands use.
type Workflows interface {
	ExecuteWorkflow(ctx context.Context, options client.StartWorkflowOptions, workflow any, args ...any) (client.WorkflowRun, error)
	UpdateWorkflow(ctx context.Context, options client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error)
	SignalWorkflow(ctx context.Context, workflowID, runID, signalName string, arg any) error
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// OrderCommands carries out the commands on orders, and reads the order's stream for
// the checks they need (Get, Owner). Placing an order prices it from the current menu
// and starts its workflow; cancel, revise and the restaurant's answer are updates to
// that workflow, which refuses what the order's state forbids.
type OrderCommands struct {
	Store     aggregate.Store
	Workflows Workflows
}

// PlaceOrder is a consumer's order as the API received it. ID is chosen by the caller
// (from the request's idempotency key when it has one).
type PlaceOrder struct {
	ID              uuid.UUID
	ConsumerID      uuid.UUID
	RestaurantID    uuid.UUID
	Items           []restaurant.OrderLine
	DeliveryAddress order.Address
	// RequestID is the request that placed the order: the causation of its events.
	RequestID string
}

// Placed is an order whose saga has started.
type Placed struct {
	ID         uuid.UUID
	Status     order.Status
	WorkflowID string
	Total      int64
	Currency   string
}

// Place validates the order against the consumer and the restaurant's current menu,
// prices it, and starts its CreateOrder saga. Nothing is written when it is refused.
// Whether the consumer may order (not suspended) is the saga's first step, so that a
// refusal is on the record as a rejected order.
func (h OrderCommands) Place(ctx context.Context, actor string, cmd PlaceOrder) (Placed, error) {
	c, _, err := aggregate.Load(ctx, h.Store, consumer.StreamName(cmd.ConsumerID), (*consumer.State).Apply)
	if err != nil {
		return Placed{}, err
	}
	if !c.Registered() {
		return Placed{}, ConsumerNotFound(cmd.ConsumerID)
	}
	r, _, err := aggregate.Load(ctx, h.Store, restaurant.StreamName(cmd.RestaurantID), (*restaurant.State).Apply)
	if err != nil {
		return Placed{}, err
	}
	priced, err := restaurant.PriceOrder(r, cmd.Items)
	if err != nil {
		return Placed{}, err
	}
	lines, total := order.LinesFromPriced(priced)
	create := order.CreateCommand{OrderID: cmd.ID, ConsumerID: cmd.ConsumerID, RestaurantID: cmd.RestaurantID,
		Lines: lines, Total: total, DeliveryAddress: cmd.DeliveryAddress}
	if _, err := order.Create(order.State{}, create); err != nil {
		return Placed{}, err // the address and the limits, checked before anything starts
	}
	in := workflows.PlaceOrder{
		Order:      create,
		Acceptance: workflows.Acceptance{Auto: r.AutoAccept, Timeout: r.AcceptanceTimeout()},
		User:       actor, CommandID: cmd.RequestID,
	}
	placed := Placed{ID: cmd.ID, Status: order.StatusApprovalPending, WorkflowID: workflows.OrderWorkflowID(cmd.ID),
		Total: total.Cents, Currency: total.Currency}
	_, err = h.Workflows.ExecuteWorkflow(ctx, workflows.StartOptions(in), workflows.Order, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return placed, nil // the same order placed again (a retried request): one saga
	}
	if err != nil {
		return Placed{}, fmt.Errorf("start the order's workflow: %w", err)
	}
	return placed, nil
}

// Cancel asks the order's workflow to cancel it: at once while the create saga is
// pending, through the CancelOrder saga once approved.
func (h OrderCommands) Cancel(ctx context.Context, actor string, id uuid.UUID, reason string) error {
	return h.update(ctx, id, workflows.UpdateCancel, workflows.CancelRequest{User: actor, Reason: reason})
}

// Revise asks the order's workflow to change quantities (the ReviseOrder saga).
func (h OrderCommands) Revise(ctx context.Context, actor string, id uuid.UUID, items []order.LineChange) error {
	return h.update(ctx, id, workflows.UpdateRevise, workflows.ReviseRequest{User: actor, Items: items})
}

// Deliver tells the order's workflow that the courier handed the food to the
// consumer: the workflow records the delivery (once the order has shipped) and ends.
func (h OrderCommands) Deliver(ctx context.Context, actor string, id uuid.UUID) error {
	return h.update(ctx, id, workflows.UpdateDeliver, workflows.DeliverRequest{User: actor})
}

// Get returns the order as its stream has it now (the write side), for checks that
// must not wait for the read model, such as who owns it.
func (h OrderCommands) Get(ctx context.Context, id uuid.UUID) (order.State, int64, error) {
	s, version, err := aggregate.Load(ctx, h.Store, order.StreamName(id), (*order.State).Apply)
	if err == nil && !s.Exists() {
		err = OrderNotFound(id)
	}
	return s, version, err
}

// OrderNotFound is how an order id that does not exist is refused, and so also one
// the principal may not see: in the same words, so that ids cannot be probed.
func OrderNotFound(id uuid.UUID) error {
	return domain.Errorf(domain.CodeOrderNotFound, "order %s not found", id)
}

// Owner is whom an order belongs to.
type Owner struct {
	ConsumerID, RestaurantID uuid.UUID
}

// Owner says whose order id is, for a check that must be made before anything waits
// for the order: from its stream once the saga's first step has written it, and until
// then from its workflow, which exists from the moment Place returned (its search
// attributes name the consumer and the restaurant). An id with neither is
// ORDER_NOT_FOUND.
//
// Both are always read, so that finding an order costs the same as not finding one:
// the time a refusal takes does not tell whether the id exists.
func (h OrderCommands) Owner(ctx context.Context, id uuid.UUID) (Owner, error) {
	fromWorkflow, workflowErr := h.workflowOwner(ctx, id)
	s, _, err := aggregate.Load(ctx, h.Store, order.StreamName(id), (*order.State).Apply)
	switch {
	case err != nil:
		return Owner{}, err
	case s.Exists():
		return Owner{ConsumerID: s.ConsumerID, RestaurantID: s.RestaurantID}, nil
	}
	return fromWorkflow, workflowErr
}

// ownerLookupTimeout bounds how long Owner waits for Temporal.
const ownerLookupTimeout = 2 * time.Second

// workflowOwner reads the consumer and restaurant from the search attributes the
// order's workflow was started with (workflows.StartOptions).
func (h OrderCommands) workflowOwner(ctx context.Context, id uuid.UUID) (Owner, error) {
	notFound := OrderNotFound(id)
	if h.Workflows == nil {
		return Owner{}, notFound
	}
	// Any failure to describe the workflow (Temporal unavailable, slow) answers as a
	// missing order: an error here would tell an existing id (found in its stream)
	// from a missing one. The consumer of an order placed a moment ago asks again.
	ctx, cancel := context.WithTimeout(ctx, ownerLookupTimeout)
	defer cancel()
	d, err := h.Workflows.DescribeWorkflowExecution(ctx, workflows.OrderWorkflowID(id), "")
	if err != nil {
		return Owner{}, notFound
	}
	fields := d.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	var o Owner
	for key, dst := range map[string]*uuid.UUID{
		workflows.ConsumerIDKey.GetName(): &o.ConsumerID, workflows.RestaurantIDKey.GetName(): &o.RestaurantID,
	} {
		var s string
		if p, ok := fields[key]; !ok || converter.GetDefaultDataConverter().FromPayload(p, &s) != nil {
			return Owner{}, notFound
		}
		if *dst, err = uuid.Parse(s); err != nil {
			return Owner{}, notFound
		}
	}
	return o, nil
}

// ResolveAttention resolves an order that needed attention to the status an operator
// chose, with a note saying why. Resolving to REJECTED or CANCELED also does what a
// dead order needs (releases the card hold, withdraws the ticket), in the same write:
// if the world does not allow any of it (food already picked up), nothing is written
// and the operator chooses another status. The order's workflow has ended; nothing more
// runs for the order.
func (h OrderCommands) ResolveAttention(ctx context.Context, actor string, id uuid.UUID, to order.Status, note string) (order.State, error) {
	s, _, err := h.Get(ctx, id)
	if err != nil {
		return s, err
	}
	if _, err := order.ResolveAttention(s, to, note); err != nil {
		return s, err // refused before anything is loaded
	}
	md := eventstore.Metadata{User: actor, CorrelationID: id.String()}
	var steps []aggregate.Step
	if to == order.StatusRejected || to == order.StatusCanceled {
		steps = append(steps,
			aggregate.Part(aggregate.Command[accounting.State]{
				Stream: accounting.StreamName(s.ConsumerID), Apply: (*accounting.State).Apply, Metadata: md,
				Decide: explain("release the card hold", func(a accounting.State) ([]event.Event, error) {
					return accounting.Reverse(a, id)
				}),
			}, nil),
			aggregate.Part(aggregate.Command[kitchen.State]{
				Stream: kitchen.StreamName(id), Apply: (*kitchen.State).Apply, Metadata: md,
				Decide: explain("withdraw the ticket", func(k kitchen.State) ([]event.Event, error) {
					return kitchen.Cancel(k, note)
				}),
			}, nil))
	}
	resolved := aggregate.Result[order.State]{State: s}
	steps = append(steps, aggregate.Part(aggregate.Command[order.State]{
		Stream: order.StreamName(id), Apply: (*order.State).Apply, Metadata: md,
		Decide: func(s order.State) ([]event.Event, error) { return order.ResolveAttention(s, to, note) },
	}, &resolved))
	err = aggregate.ExecuteAll(ctx, h.Store, steps...)
	return resolved.State, err
}

// explain prefixes decide's refusals with what was being done.
func explain[S any](doing string, decide func(S) ([]event.Event, error)) func(S) ([]event.Event, error) {
	return func(s S) ([]event.Event, error) {
		events, err := decide(s)
		if err != nil {
			err = fmt.Errorf("%s: %w", doing, err)
		}
		return events, err
	}
}

type updateIDKey struct{}

// WithUpdateID names the workflow update a request sends (cancel, revise, the
// restaurant's answer). Temporal runs one update per id on a workflow, so a request
// retried under its Idempotency-Key, while or after the first attempt ran, gets the
// first attempt's answer instead of cancelling or revising twice. Without an id each
// request is an update of its own.
func WithUpdateID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, updateIDKey{}, id)
}

func updateID(ctx context.Context) string {
	id, _ := ctx.Value(updateIDKey{}).(string)
	return id
}

// update sends an update to the order's workflow and waits until it is accepted. A
// refusal by the workflow's validator comes back as the domain error it carried; an
// order whose workflow has ended refuses every change.
func (h OrderCommands) update(ctx context.Context, id uuid.UUID, name string, arg any) error {
	s, _, err := h.Get(ctx, id)
	if err != nil {
		return err
	}
	handle, err := h.Workflows.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.OrderWorkflowID(id), UpdateName: name, Args: []any{arg},
		UpdateID: updateID(ctx), WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s: its saga has ended", id, s.Status)
	}
	return refusals.DomainError(err)
}

// RecordedEvent is an event of an order's audit trail, as the store recorded it.
type RecordedEvent = eventstore.RecordedEvent

// ErrConcurrentChange is a command that lost a race: the stream it decided on changed
// before it appended. Retrying the request decides again on the new state.
var ErrConcurrentChange = eventstore.ErrWrongExpectedVersion

// OrderWorkflowID is the id of the order's saga workflow in Temporal, where a client
// may look the order up.
func OrderWorkflowID(orderID uuid.UUID) string { return workflows.OrderWorkflowID(orderID) }

// AuditTrail returns every event of the order's saga, across the order's stream, its
// ticket's, and the consumer's (verification) and account's (card transactions), in
// global order: the events recorded with the order as their correlation id.
func (h OrderCommands) AuditTrail(ctx context.Context, id uuid.UUID) ([]RecordedEvent, error) {
	s, _, err := h.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return h.Store.Events.ReadCorrelated(ctx, id.String(), order.StreamName(id), kitchen.StreamName(id),
		consumer.StreamName(s.ConsumerID), accounting.StreamName(s.ConsumerID))
}
