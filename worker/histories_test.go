package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/worker"
	"github.com/orderflow/orderflow/workflows"
)

// TestEveryPathOnADevServer drives every path of the sagas through a real Temporal
// dev server and PostgreSQL, and checks how each order ended. With
// ORDERFLOW_RECORD_HISTORY=1 it writes each path's histories (the order's workflow and
// its change sagas) to workflows/testdata, which TestRecordedHistoriesReplay replays
// with the current code on every `make test`: a change to the workflows that would
// break running orders fails there (see docs/sagas.md, "Changing the workflows").
func TestEveryPathOnADevServer(t *testing.T) {
	h := newHistories(t)
	for _, p := range []struct {
		name  string
		limit int64 // the consumer's credit limit; -1: no consumer
		auto  bool
		drive func(h *histories, in workflows.PlaceOrder, run client.WorkflowRun)
		want  order.Status
	}{
		{"approved_then_delivered", 10_000, true, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.pickUp(in)
			h.await(in, order.StatusShipped)
			h.deliver(in)
		}, order.StatusDelivered},
		{"rejected_consumer_not_found", -1, true, nil, order.StatusRejected},
		{"rejected_consumer_suspended", 0, true, nil, order.StatusRejected},
		{"rejected_insufficient_credit", 100, true, nil, order.StatusRejected},
		{"rejected_by_the_restaurant", 10_000, false, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.awaitWaiting(in, "restaurant acceptance")
			h.update(in, workflows.UpdateDecideTicket, workflows.TicketDecision{User: "restaurant:r1", Reason: "closing early"})
		}, order.StatusRejected},
		{"rejected_restaurant_timeout", 10_000, false, nil, order.StatusRejected},
		{"canceled_while_pending", 10_000, false, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.awaitWaiting(in, "restaurant acceptance")
			h.update(in, workflows.UpdateCancel, workflows.CancelRequest{User: in.User, Reason: "changed my mind"})
		}, order.StatusCanceled},
		{"canceled_after_approval", 10_000, true, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.update(in, workflows.UpdateCancel, workflows.CancelRequest{User: in.User, Reason: "changed my mind"})
		}, order.StatusCanceled},
		{"cancel_refused_after_pickup", 10_000, true, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.kitchenDoes(in, kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp) // not yet told
			h.update(in, workflows.UpdateCancel, workflows.CancelRequest{User: in.User})
			h.await(in, order.StatusShipped)
			h.deliver(in)
		}, order.StatusDelivered},
		{"revised_then_delivered", 10_000, true, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.update(in, workflows.UpdateRevise, workflows.ReviseRequest{User: in.User,
				Items: []order.LineChange{{MenuItemID: "pho", Quantity: 3}}})
			h.await(in, order.StatusApproved)
			h.pickUp(in)
			h.await(in, order.StatusShipped)
			h.deliver(in)
		}, order.StatusDelivered},
		{"revise_declined_then_delivered", 3_000, true, func(h *histories, in workflows.PlaceOrder, _ client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.update(in, workflows.UpdateRevise, workflows.ReviseRequest{User: in.User,
				Items: []order.LineChange{{MenuItemID: "pho", Quantity: 5}}})
			h.await(in, order.StatusApproved)
			h.pickUp(in)
			h.await(in, order.StatusShipped)
			h.deliver(in)
		}, order.StatusDelivered},
		{"workflow_canceled_while_waiting", 10_000, false, func(h *histories, in workflows.PlaceOrder, run client.WorkflowRun) {
			h.awaitWaiting(in, "restaurant acceptance")
			require.NoError(t, h.c.CancelWorkflow(context.Background(), run.GetID(), ""))
		}, order.StatusCanceled},
		{"workflow_canceled_after_approval", 10_000, true, func(h *histories, in workflows.PlaceOrder, run client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			require.NoError(t, h.c.CancelWorkflow(context.Background(), run.GetID(), ""))
		}, order.StatusCanceled},
		// Canceled from Temporal once the food has left: nothing to cancel, and the
		// workflow still records the delivery.
		{"workflow_canceled_after_pickup", 10_000, true, func(h *histories, in workflows.PlaceOrder, run client.WorkflowRun) {
			h.await(in, order.StatusApproved)
			h.pickUp(in)
			h.awaitWaiting(in, "delivery")
			require.NoError(t, h.c.CancelWorkflow(context.Background(), run.GetID(), ""))
			h.deliver(in)
		}, order.StatusDelivered},
	} {
		t.Run(p.name, func(t *testing.T) {
			in := newOrder(t, h.store, max(p.limit, 0))
			in.Acceptance = workflows.Acceptance{Auto: p.auto, Timeout: time.Second}
			if p.limit < 0 {
				in.Order.ConsumerID = in.Order.OrderID // a consumer nobody registered
			}
			if p.limit == 0 {
				_, err := app.Consumers{Store: h.store}.Suspend(context.Background(), "admin:test", in.Order.ConsumerID, "chargebacks")
				require.NoError(t, err)
			}
			if !p.auto && p.drive != nil {
				in.Acceptance.Timeout = time.Hour
			}
			run, err := h.c.ExecuteWorkflow(context.Background(), workflows.StartOptions(in), workflows.Order, in)
			require.NoError(t, err)
			if p.drive != nil {
				p.drive(h, in, run)
			}
			_ = run.Get(context.Background(), nil) // canceled workflows end with an error
			st, _, err := aggregate.Load(context.Background(), h.store, order.StreamName(in.Order.OrderID), (*order.State).Apply)
			require.NoError(t, err)
			require.Equal(t, p.want, st.Status)
			h.record(t, p.name, in)
		})
	}

	// A workflow canceled while a step is in flight: the accounting worker is held
	// back, so AuthorizeCard is scheduled and waits; the workflow is canceled; then the
	// step runs. The saga waits for it and compensates after.
	t.Run("workflow_canceled_mid_step", func(t *testing.T) {
		in := newOrder(t, h.store, 10_000)
		h.stopAccounting()
		run, err := h.c.ExecuteWorkflow(context.Background(), workflows.StartOptions(in), workflows.Order, in)
		require.NoError(t, err)
		h.awaitStep(in, "CreateTicket")
		time.Sleep(500 * time.Millisecond) // AuthorizeCard is scheduled
		require.NoError(t, h.c.CancelWorkflow(context.Background(), run.GetID(), ""))
		h.startAccounting()
		_ = run.Get(context.Background(), nil)
		st, _, err := aggregate.Load(context.Background(), h.store, order.StreamName(in.Order.OrderID), (*order.State).Apply)
		require.NoError(t, err)
		require.Equal(t, order.StatusCanceled, st.Status)
		h.record(t, "workflow_canceled_mid_step", in)
	})
}

// histories is a worker on a dev server and a schema, with the world's parts a path
// plays (the kitchen, the consumer) and the recorder.
type histories struct {
	t          *testing.T
	c          client.Client
	store      aggregate.Store
	accounting context.CancelFunc
	stopped    chan error
}

func newHistories(t *testing.T) *histories {
	h := &histories{t: t, c: server.Client(t), store: newStore(t)}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() {
		stopped <- worker.Run(ctx, h.c, h.store, []string{workflows.TaskQueueOrders, workflows.TaskQueueConsumers, workflows.TaskQueueKitchen}, slog.Default())
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-stopped)
	})
	h.startAccounting()
	t.Cleanup(h.stopAccounting)
	return h
}

func (h *histories) startAccounting() {
	ctx, cancel := context.WithCancel(context.Background())
	h.accounting, h.stopped = cancel, make(chan error, 1)
	go func() {
		h.stopped <- worker.Run(ctx, h.c, h.store, []string{workflows.TaskQueueAccounting}, slog.Default())
	}()
}

func (h *histories) stopAccounting() {
	if h.accounting != nil {
		h.accounting()
		require.NoError(h.t, <-h.stopped)
		h.accounting = nil
	}
}

func (h *histories) progress(in workflows.PlaceOrder) (workflows.Progress, bool) {
	v, err := h.c.QueryWorkflow(context.Background(), workflows.OrderWorkflowID(in.Order.OrderID), "", workflows.QueryProgress)
	var p workflows.Progress
	return p, err == nil && v.Get(&p) == nil
}

func (h *histories) await(in workflows.PlaceOrder, want order.Status) {
	h.t.Helper()
	requireStatus(h.t, h.c, in, want)
}

// awaitWaiting waits until the order's workflow says it waits for what.
func (h *histories) awaitWaiting(in workflows.PlaceOrder, what string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		p, ok := h.progress(in)
		return ok && p.Waiting == what
	}, 30*time.Second, 50*time.Millisecond)
}

func (h *histories) awaitStep(in workflows.PlaceOrder, step string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		p, ok := h.progress(in)
		for _, s := range p.Steps {
			if ok && s == step {
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond)
}

func (h *histories) update(in workflows.PlaceOrder, name string, arg any) {
	h.t.Helper()
	handle, err := h.c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: workflows.OrderWorkflowID(in.Order.OrderID), UpdateName: name,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{arg},
	})
	require.NoError(h.t, err)
	require.NoError(h.t, handle.Get(context.Background(), nil))
}

func (h *histories) kitchenDoes(in workflows.PlaceOrder, decisions ...func(kitchen.State) ([]event.Event, error)) {
	h.t.Helper()
	for _, decide := range decisions {
		_, err := aggregate.Execute(context.Background(), h.store, aggregate.Command[kitchen.State]{
			Stream: kitchen.StreamName(in.Order.OrderID), Apply: (*kitchen.State).Apply, Decide: decide,
		})
		require.NoError(h.t, err)
	}
}

// pickUp is the kitchen's part after approval, then telling the order, as the API's
// kitchen actions do.
func (h *histories) pickUp(in workflows.PlaceOrder) {
	h.t.Helper()
	h.kitchenDoes(in, kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp)
	require.NoError(h.t, h.c.SignalWorkflow(context.Background(), workflows.OrderWorkflowID(in.Order.OrderID), "",
		workflows.SignalTicketPickedUp, workflows.PickedUp{User: "restaurant:r1"}))
}

// deliver is the courier reporting the delivery, as the API's delivered route does.
func (h *histories) deliver(in workflows.PlaceOrder) {
	h.t.Helper()
	h.update(in, workflows.UpdateDeliver, workflows.DeliverRequest{User: "courier:k1"})
}

// record writes the histories of the order's workflow and its change sagas to
// workflows/testdata/<name>*.json when ORDERFLOW_RECORD_HISTORY=1.
func (h *histories) record(t *testing.T, name string, in workflows.PlaceOrder) {
	if os.Getenv("ORDERFLOW_RECORD_HISTORY") != "1" {
		return
	}
	id := workflows.OrderWorkflowID(in.Order.OrderID)
	write := func(workflowID, file string) bool {
		out, err := exec.Command(server.CLI, "workflow", "show", "--address", server.Address,
			"--workflow-id", workflowID, "--output", "json").Output()
		if err != nil {
			return false
		}
		path := filepath.Join("..", "workflows", "testdata", file)
		require.NoError(t, os.WriteFile(path, out, 0o644))
		t.Logf("recorded %s", path)
		return true
	}
	require.True(t, write(id, name+".json"))
	for _, saga := range []string{"cancel", "revise"} {
		// The order's n-th cancel or revise saga ran as workflow <id>-<saga>-<n>; record
		// each until the first that does not exist.
		for n := 1; ; n++ {
			if !write(fmt.Sprintf("%s-%s-%d", id, saga, n), fmt.Sprintf("%s.%s-%d.json", name, saga, n)) {
				break
			}
		}
	}
}
