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
)

// legacyStepsKey marks, in a workflow context, a workflow started before
// versionStepsRunToOutcome: its steps are canceled along with it, as they were then.
type legacyStepsKey struct{}

// withStepsVersion records (or, replaying, reads) which step semantics this workflow
// runs with.
func withStepsVersion(ctx workflow.Context) (workflow.Context, bool) {
	legacy := workflow.GetVersion(ctx, versionStepsRunToOutcome, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	if legacy {
		ctx = workflow.WithValue(ctx, legacyStepsKey{}, true)
	}
	return ctx, legacy
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
	return workflow.GetVersion(ctx, versionDelivery, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}
