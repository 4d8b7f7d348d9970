package workflows

import "go.temporal.io/sdk/workflow"

// Change ids for workflow.GetVersion. A change to the commands a workflow issues (which
// activities or children, in which order) would make the histories of workflows that
// are running when it is deployed fail to replay; such a change goes behind a new
// change id, the old branch is kept while workflows of that version may be open, and
// the histories in testdata, replayed by TestRecordedHistoriesReplay, keep every
// version honest. See docs/sagas.md, "Changing the workflows".
const (
	// versionStepsRunToOutcome: steps run to their outcome when the workflow is
	// canceled (disconnected), change sagas finish before the order's cancellation is
	// acted on, the restaurant's acceptance is the create saga's point of no return,
	// and ReviseOrder raises the hold before revising the ticket and lowers it only
	// after, so that no compensation can be refused.
	versionStepsRunToOutcome = "steps-run-to-their-outcome"

	// versionDelivery: the order's workflow no longer ends at the pickup
	// (OrderShipped); it waits for the courier to report the delivery, records it
	// (OrderDelivered) and ends then. Asked once the order has shipped, which is
	// where the two versions part: a workflow that shipped before it ended there.
	versionDelivery = "delivery-ends-the-order"

	// versionLean: the order costs Temporal less. The Order service's own steps (the
	// writes to the order's stream) run as local activities on the workflow's worker
	// instead of through the orders task queue; the search attributes the start
	// already set are not upserted again, nor the transient lock statuses
	// (CANCEL_PENDING, REVISION_PENDING); an auto-accepting restaurant starts no
	// acceptance timer, and an answered restaurant's timer is canceled rather than
	// left to fire. It implies versionStepsRunToOutcome and versionDelivery, which a
	// workflow of this version no longer asks (one version marker, not two).
	//
	// Its versions say which of the Order service's steps run locally.
	versionLean = "lean-order-workflow"
)

const (
	// leanAllOrderStepsLocal: every step of the Order service runs as a local
	// activity.
	leanAllOrderStepsLocal workflow.Version = 1
	// leanRequestedStepsScheduled: only the steps that the recorded history decides
	// run locally (see decidedStep); a step taken on a request (a signal, an update, a
	// cancellation) is scheduled as an activity task, so that the history holds the
	// decision before the step writes.
	leanRequestedStepsScheduled workflow.Version = 2
)

// leanKey holds, in a workflow context, the versionLean version of a workflow of
// versionLean.
type leanKey struct{}

// legacyStepsKey marks, in a workflow context, a workflow started before
// versionStepsRunToOutcome: its steps are canceled along with it, as they were then.
type legacyStepsKey struct{}

// withStepsVersion records (or, replaying, reads) which step semantics this workflow
// runs with. versionLean is asked first: a workflow that started before it has no
// marker for it, reads the default version and goes on to ask the older change id as
// it did then.
func withStepsVersion(ctx workflow.Context) (workflow.Context, bool) {
	if v := workflow.GetVersion(ctx, versionLean, workflow.DefaultVersion, leanRequestedStepsScheduled); v != workflow.DefaultVersion {
		return workflow.WithValue(ctx, leanKey{}, v), false
	}
	legacy := workflow.GetVersion(ctx, versionStepsRunToOutcome, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	if legacy {
		ctx = workflow.WithValue(ctx, legacyStepsKey{}, true)
	}
	return ctx, legacy
}

// lean reports whether ctx belongs to a workflow of versionLean.
func lean(ctx workflow.Context) bool { return leanVersion(ctx) != workflow.DefaultVersion }

// leanVersion is the versionLean version of ctx's workflow, DefaultVersion for one
// started before versionLean.
func leanVersion(ctx workflow.Context) workflow.Version {
	if v, ok := ctx.Value(leanKey{}).(workflow.Version); ok {
		return v
	}
	return workflow.DefaultVersion
}

// legacySteps reports whether ctx belongs to a workflow started before
// versionStepsRunToOutcome.
func legacySteps(ctx workflow.Context) bool {
	legacy, _ := ctx.Value(legacyStepsKey{}).(bool)
	return legacy
}

// awaitsDelivery records (or, replaying, reads) whether this shipped order's workflow
// waits for its delivery (versionDelivery) or ends at the pickup, as it did before.
func awaitsDelivery(ctx workflow.Context) bool {
	if lean(ctx) {
		return true
	}
	return workflow.GetVersion(ctx, versionDelivery, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}
