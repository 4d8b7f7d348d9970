package workflows

import (
	"errors"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
)

// errWorkflowCanceled stops a saga whose workflow was canceled from Temporal; it is
// checked between steps (steps themselves always run to their outcome, see runStep).
var errWorkflowCanceled = domain.Errorf(domain.CodeWorkflowCanceled, "the workflow was canceled")

// saga is a stack of compensations. Each is added just before its step runs: a step
// that failed by timing out may still have taken effect, and every compensation is
// safe to run when its step did nothing (the domain treats it as a no-op).
//
// Compensations only ever release (cancel a ticket still waiting for the restaurant,
// reverse or lower a hold, release an order's lock), which no business rule refuses:
// a saga is ordered so that a step whose undo could be refused (re-raising a hold,
// reverting a ticket the kitchen may have started) is never followed by a step that
// can fail.
type saga struct {
	progress      *Progress
	compensations []compensation
}

type compensation struct {
	name string
	run  func(ctx workflow.Context) error
}

func newSaga(name string, p *Progress) *saga {
	p.begin(name)
	return &saga{progress: p}
}

// done records a completed step.
func (s *saga) done(step string) { s.progress.Steps = append(s.progress.Steps, step) }

// compensate runs the compensations in reverse order on a context that survives the
// workflow's cancellation. Each is a must-step, so it returns only once it took
// effect, or with a refusal, which the saga's ordering rules out; the refusals are
// returned together, for the workflow to fail loudly on rather than to log.
func (s *saga) compensate(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	var failed []error
	for i := len(s.compensations) - 1; i >= 0; i-- {
		c := s.compensations[i]
		if err := c.run(ctx); err != nil && legacySteps(ctx) {
			workflow.GetLogger(ctx).Error("compensation failed", "compensation", c.name, "error", err)
		} else if err != nil {
			failed = append(failed, temporal.NewNonRetryableApplicationError(
				"compensation "+c.name+" was refused: "+err.Error(), "CompensationRefused", err))
		}
		s.progress.Compensations = append(s.progress.Compensations, c.name)
	}
	s.compensations = nil
	return errors.Join(failed...)
}

// sagaStep is one forward step and, optionally, its compensation.
type sagaStep struct {
	name string
	run  func(ctx workflow.Context) error
	undo *compensation
}

// run takes steps in order until one fails or interrupted reports a reason to stop
// (checked before each step). Each step's compensation is registered before it runs.
func (s *saga) run(ctx workflow.Context, interrupted func() error, steps ...sagaStep) error {
	for _, st := range steps {
		if err := interrupted(); err != nil {
			return err
		}
		if st.undo != nil {
			s.compensations = append(s.compensations, *st.undo)
		}
		if err := st.run(ctx); err != nil {
			return err
		}
		s.done(st.name)
	}
	return nil
}

// noInterruption is run's interruption for a saga that only stops on a failed step: a
// workflow started before versionStepsRunToOutcome, whose steps fail with the
// cancellation themselves.
func noInterruption() error { return nil }

// canceledFrom reports errWorkflowCanceled once ctx's workflow was canceled.
func canceledFrom(ctx workflow.Context) func() error {
	return func() error {
		if ctx.Err() != nil {
			return errWorkflowCanceled
		}
		return nil
	}
}

// newChangeSaga starts a change saga (CancelOrder, ReviseOrder) with its own progress
// query.
func newChangeSaga(ctx workflow.Context, name string, orderID uuid.UUID, status order.Status) (*saga, error) {
	p := &Progress{OrderID: orderID, Status: status}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	return newSaga(name, p), nil
}

// refused compensates a change saga whose step failed; the compensations record the
// refusal on the order, which keeps its state. A saga canceled from Temporal ends
// canceled once compensated; otherwise the result says why it was refused.
func (s *saga) refused(ctx workflow.Context, cause error) (ChangeResult, error) {
	if err := s.compensate(ctx); err != nil {
		return ChangeResult{}, err
	}
	if legacySteps(ctx) && ctx.Err() != nil {
		return ChangeResult{}, temporal.NewCanceledError("the change was canceled")
	}
	code, detail := reasonOf(cause)
	s.progress.RejectionReason = code
	if errors.Is(cause, errWorkflowCanceled) {
		return ChangeResult{}, temporal.NewCanceledError(detail)
	}
	return ChangeResult{Reason: code, Detail: detail, Steps: s.progress.Steps, Compensations: s.progress.Compensations}, nil
}

func (s *saga) succeeded() ChangeResult {
	return ChangeResult{Done: true, Steps: s.progress.Steps, Compensations: s.progress.Compensations}
}
