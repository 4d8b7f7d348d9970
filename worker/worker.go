// Package worker runs orderflow's Temporal workers: one worker per task queue (one
// queue per service), so each service can run in its own process and scale on its
// own. `orderflow worker --queues kitchen,accounting` picks which.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/orderflow/orderflow/activities"
	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/workflows"
)

// Register adds to w what serves queue: the order workflows on the orders queue, and
// on every queue the activities of its service.
func Register(w sdkworker.Registry, queue string, store aggregate.Store) error {
	switch queue {
	case workflows.TaskQueueOrders:
		w.RegisterWorkflow(workflows.Order)
		w.RegisterWorkflow(workflows.CancelOrder)
		w.RegisterWorkflow(workflows.ReviseOrder)
		w.RegisterActivity(&activities.OrderService{Store: store})
	case workflows.TaskQueueConsumers:
		w.RegisterActivity(&activities.Consumers{Store: store})
	case workflows.TaskQueueKitchen:
		w.RegisterActivity(&activities.Kitchen{Store: store})
	case workflows.TaskQueueAccounting:
		w.RegisterActivity(&activities.Accounting{Store: store})
	default:
		return fmt.Errorf("unknown task queue %q (known: %v)", queue, workflows.TaskQueues())
	}
	return nil
}

// Run serves queues until ctx ends, then stops the workers gracefully: they finish
// the tasks in hand (up to Temporal's worker stop timeout) before Run returns.
func Run(ctx context.Context, c client.Client, store aggregate.Store, queues []string, log *slog.Logger) error {
	if len(queues) == 0 {
		queues = workflows.TaskQueues()
	}
	var started []sdkworker.Worker
	defer func() {
		for _, w := range slices.Backward(started) {
			w.Stop()
		}
	}()
	for _, q := range queues {
		w := sdkworker.New(c, q, sdkworker.Options{})
		if err := Register(w, q, store); err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker for %s: %w", q, err)
		}
		started = append(started, w)
		log.Info("worker started", "task_queue", q)
	}
	<-ctx.Done()
	log.Info("workers stopping", "task_queues", queues)
	return nil
}
