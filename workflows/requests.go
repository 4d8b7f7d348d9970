package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
)

// CancelRequest is a consumer (or operator) asking to cancel the order.
type CancelRequest struct {
	User   string
	Reason string
}

// ReviseRequest is a consumer changing quantities of an approved order.
type ReviseRequest struct {
	User  string
	Items []order.LineChange
}

// TicketDecision is the restaurant's answer to the ticket.
type TicketDecision struct {
	User   string
	Accept bool
	Reason string
}

// PickedUp is the kitchen telling the order that the courier took the food.
type PickedUp struct {
	User string
}

// DeliverRequest is the courier reporting that the consumer has the food.
type DeliverRequest struct {
	User string
}

// register installs the progress query, the update handlers and the pickup signal.
// Updates are validated against the workflow's own state, which makes the workflow the
// order's semantic lock: a request the state forbids is refused before it is
// accepted, with a domain error the API turns into 409 or 422.
func (w *orderWorkflow) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return w.progress, nil }); err != nil {
		return err
	}
	updates := []struct {
		name               string
		handler, validator any
	}{
		{UpdateCancel, w.requestCancel, w.validateCancel},
		{UpdateRevise, w.requestRevise, w.validateRevise},
		{UpdateDecideTicket, w.decideTicket, w.validateDecision},
		{UpdateDeliver, w.requestDelivery, w.validateDelivery},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator, UnfinishedPolicy: workflow.HandlerUnfinishedPolicyAbandon}); err != nil {
			return err
		}
	}
	// Pickups stay in their channel until the serving loop takes them (takePickups):
	// a coroutine blocked receiving would be handed a signal that it had not yet run
	// to record when the loop decides to continue as new, and the signal would be
	// lost with the run.
	w.pickups = workflow.GetSignalChannel(ctx, SignalTicketPickedUp)
	return nil
}

// foodLeft reports whether the kitchen said the food was picked up, taken or not.
func (w *orderWorkflow) foodLeft() bool { return w.pickedUp != nil || w.pickups.Len() > 0 }

// takePickups takes the pickup signals delivered so far.
func (w *orderWorkflow) takePickups() {
	var p PickedUp
	for w.pickups.ReceiveAsync(&p) {
		w.tookPickup(p)
	}
}

// tookPickup keeps the first pickup; the kitchen may tell the order more than once.
func (w *orderWorkflow) tookPickup(p PickedUp) {
	if w.pickedUp == nil {
		w.pickedUp = &p
	}
}

func (w *orderWorkflow) validateCancel(_ workflow.Context, r CancelRequest) error {
	return refusal(w.checkCancel(r))
}

func (w *orderWorkflow) checkCancel(r CancelRequest) error {
	if err := checkReason(r.Reason); err != nil {
		return err // the saga's steps would refuse it after the request was accepted
	}
	switch {
	case w.closing:
		return closing(w.state)
	case w.foodLeft():
		return pickedUp(w.state, domain.CodeTicketAlreadyPickedUp)
	case w.cancel != nil || w.revise != nil:
		return busy(w.state)
	case w.state.Status == order.StatusApprovalPending || w.state.Status == order.StatusApproved:
		return nil
	}
	return cannot(w.state, order.StatusCanceled)
}

// requestCancel records the request; the saga in flight or the serving loop acts on it.
func (w *orderWorkflow) requestCancel(_ workflow.Context, r CancelRequest) error {
	w.cancel = &r
	return nil
}

func (w *orderWorkflow) validateRevise(_ workflow.Context, r ReviseRequest) error {
	_, err := w.revision(r)
	return refusal(err)
}

func (w *orderWorkflow) requestRevise(_ workflow.Context, r ReviseRequest) error {
	rev, err := w.revision(r)
	if err != nil {
		return refusal(err)
	}
	w.revise, w.reviser = &rev, r.User
	return nil
}

// revision prices the requested change with the order's own unit prices and checks
// that the order may take it now.
func (w *orderWorkflow) revision(r ReviseRequest) (order.Revision, error) {
	if w.closing {
		return order.Revision{}, closing(w.state)
	}
	if w.foodLeft() {
		return order.Revision{}, pickedUp(w.state, domain.CodeTicketNotRevisable)
	}
	if w.cancel != nil || w.revise != nil {
		return order.Revision{}, busy(w.state)
	}
	s := w.state
	if w.approving {
		s.Status = order.StatusApproved
	}
	lines, total, err := order.RevisedLines(s, r.Items)
	if err != nil {
		return order.Revision{}, err
	}
	if _, err := order.ProposeRevision(s, lines, total); err != nil {
		return order.Revision{}, err
	}
	return order.Revision{Lines: lines, Total: total}, nil
}

func (w *orderWorkflow) validateDecision(_ workflow.Context, d TicketDecision) error {
	return refusal(w.checkDecision(d))
}

func (w *orderWorkflow) checkDecision(d TicketDecision) error {
	if !w.ticketOpen || w.decision != nil || w.cancel != nil {
		return domain.Errorf(domain.CodeInvalidStateTransition, "ticket %s is not awaiting the restaurant's answer", w.state.ID)
	}
	return checkReason(d.Reason)
}

// checkReason applies the domain's rule for a free-text reason (order.Cancel,
// kitchen.Cancel, kitchen.Reject all allow the same) before a request is accepted.
func checkReason(reason string) error {
	var v domain.Validator
	v.Text("reason", reason, 0, min(order.MaxReasonLength, kitchen.MaxReasonLength))
	return v.Err()
}

func (w *orderWorkflow) decideTicket(_ workflow.Context, d TicketDecision) error {
	w.decision = &d
	return nil
}

func (w *orderWorkflow) validateDelivery(_ workflow.Context, _ DeliverRequest) error {
	return refusal(w.checkDelivery())
}

// checkDelivery takes a delivery once the food has left the kitchen, also while the
// pickup is still being recorded (the order ships first), and only once.
func (w *orderWorkflow) checkDelivery() error {
	switch {
	case w.closing:
		return closing(w.state)
	case w.delivery != nil:
		return domain.Errorf(domain.CodeInvalidStateTransition, "order %s: its delivery was already reported", w.state.ID)
	case w.foodLeft():
		return nil
	}
	return cannot(w.state, order.StatusDelivered)
}

// requestDelivery records the delivery; the workflow records it on the order once
// the order has shipped.
func (w *orderWorkflow) requestDelivery(_ workflow.Context, r DeliverRequest) error {
	w.delivery = &r
	return nil
}

func busy(s order.State) error {
	return domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s: another change is in progress", s.ID, s.Status)
}

func closing(s order.State) error {
	return domain.Errorf(domain.CodeInvalidStateTransition, "order %s is being ended by its saga", s.ID)
}

func pickedUp(s order.State, code domain.Code) error {
	return domain.Errorf(code, "order %s: the food was already picked up", s.ID)
}

func cannot(s order.State, to order.Status) error {
	return domain.Errorf(domain.CodeInvalidStateTransition, "order %s is %s and cannot become %s", s.ID, s.Status, to)
}

// refusal carries a domain error across Temporal as an application error whose type is
// the domain code and whose details are the field errors, so the caller of an update
// can tell 409 from 422 and say which field was wrong (refusals.DomainError reads it
// back).
func refusal(err error) error {
	code := domain.CodeOf(err)
	if code == "" {
		return err
	}
	message, fields := err.Error(), []domain.FieldError(nil)
	var v *domain.ValidationError
	var e *domain.Error
	switch {
	case errors.As(err, &v):
		fields = v.Fields
	case errors.As(err, &e):
		message, fields = e.Message, e.Fields
	}
	return temporal.NewNonRetryableApplicationError(message, string(code), nil, fields)
}
