package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/orderflow/orderflow/workflows"
)

// Histories recorded from a dev server (worker/histories_test.go writes one per saga
// path, the order's workflow and its change sagas, with ORDERFLOW_RECORD_HISTORY=1)
// must replay with the current code: a change that would make running orders fail
// with a non-determinism error fails here first. legacy_*.json were recorded before
// the change id versionStepsRunToOutcome and replay through its old branch;
// before_delivery_*.json were recorded before versionDelivery (the workflow ended at
// the pickup) and replay through its old branch; before_lean_*.json were recorded
// before versionLean (the Order service's steps as regular activities) and replay
// through its old branch; lean_v1_*.json were recorded at versionLean's first version
// (every Order service step local, leanAllOrderStepsLocal).
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories in testdata")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := sdkworker.NewWorkflowReplayer()
			r.RegisterWorkflow(workflows.Order)
			r.RegisterWorkflow(workflows.CancelOrder)
			r.RegisterWorkflow(workflows.ReviseOrder)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}

// The replay check has teeth: a workflow that takes other steps than the recorded
// ones is reported as non-deterministic.
func TestReplayCatchesAChangedWorkflow(t *testing.T) {
	r := sdkworker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.PlaceOrder) (workflows.OrderResult, error) {
		return workflows.OrderResult{}, workflow.Sleep(ctx, 0)
	}, workflow.RegisterOptions{Name: "Order"})
	err := r.ReplayWorkflowHistoryFromJSONFile(nil, filepath.Join("testdata", "legacy_approved_then_canceled.json"))
	requireNonDeterminism(t, err)
}

// requireNonDeterminism checks that err is the replayer's report of a workflow that
// took other steps than its history, not any other failure (an unregistered workflow,
// an unreadable file). The SDK exports no type for it; TMPRL1100 is its documented
// code for non-determinism.
func requireNonDeterminism(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	require.ErrorContains(t, err, "[TMPRL1100]")
}
