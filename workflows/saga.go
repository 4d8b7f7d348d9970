package workflows

import (
	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/domain/order"
)

// saga is a stack of compensations. Each is added just before its step runs: a step
// that failed by timing out may still have taken effect, and every compensation is
// safe to run when its step did nothing (the domain treats it as a no-op).
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

// onFailure registers the compensation of the step about to run.
func (s *saga) onFailure(name string, run func(ctx workflow.Context) error) {
	s.compensations = append(s.compensations, compensation{name, run})
}

// done records a completed step.
func (s *saga) done(step string) { s.progress.Steps = append(s.progress.Steps, step) }

// compensate runs the compensations in reverse order on a context that survives the
// workflow's cancellation. Compensation activities retry until they succeed; one that
// is refused outright is logged and the rest still run.
func (s *saga) compensate(ctx workflow.Context) {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	for i := len(s.compensations) - 1; i >= 0; i-- {
		c := s.compensations[i]
		if err := c.run(ctx); err != nil {
			workflow.GetLogger(ctx).Error("compensation failed", "compensation", c.name, "error", err)
		}
		s.progress.Compensations = append(s.progress.Compensations, c.name)
	}
	s.compensations = nil
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
			s.onFailure(st.undo.name, st.undo.run)
		}
		if err := st.run(ctx); err != nil {
			return err
		}
		s.done(st.name)
	}
	return nil
}

func noInterruption() error { return nil }

// newChangeSaga starts a change saga (CancelOrder, ReviseOrder) with its own progress
// query.
func newChangeSaga(ctx workflow.Context, name string, orderID uuid.UUID, status order.Status) (*saga, error) {
	p := &Progress{OrderID: orderID, Status: status}
	if err := workflow.SetQueryHandler(ctx, QueryProgress, func() (Progress, error) { return *p, nil }); err != nil {
		return nil, err
	}
	return newSaga(name, p), nil
}

// refused compensates a change saga whose step failed. The order keeps its state and
// the result says why; a canceled saga ends canceled once compensated.
func (s *saga) refused(ctx workflow.Context, cause error) (ChangeResult, error) {
	s.compensate(ctx)
	if ctx.Err() != nil {
		return ChangeResult{}, temporal.NewCanceledError("the change was canceled")
	}
	code, detail := reasonOf(cause)
	s.progress.RejectionReason = code
	return ChangeResult{Reason: code, Detail: detail, Steps: s.progress.Steps, Compensations: s.progress.Compensations}, nil
}

func (s *saga) succeeded() ChangeResult {
	return ChangeResult{Done: true, Steps: s.progress.Steps, Compensations: s.progress.Compensations}
}
