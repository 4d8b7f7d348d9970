package projections

import (
	"slices"

	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
)

// The statuses a filter may name. A filter with any other value is refused rather than
// answered with an empty list, so a client's typo shows up as an error.
var (
	orderStatuses  = order.Statuses()
	ticketStatuses = []kitchen.Status{
		kitchen.StatusAwaitingAcceptance, kitchen.StatusAccepted, kitchen.StatusPreparing,
		kitchen.StatusReadyForPickup, kitchen.StatusPickedUp, kitchen.StatusRejected, kitchen.StatusCanceled,
	}
	// finishedTicketStatuses are the tickets a kitchen is done with: history, not queue.
	finishedTicketStatuses = []kitchen.Status{kitchen.StatusPickedUp, kitchen.StatusRejected, kitchen.StatusCanceled}
)

// checkStatus accepts "" (no filter) and the statuses in valid.
func checkStatus[S ~string](status S, valid []S) error {
	if status == "" || slices.Contains(valid, status) {
		return nil
	}
	return invalidStatus(string(status), statusNames(valid))
}

func statusNames[S ~string](statuses []S) []string {
	names := make([]string, len(statuses))
	for i, s := range statuses {
		names[i] = string(s)
	}
	return names
}

func ticketFinished(s kitchen.Status) bool { return slices.Contains(finishedTicketStatuses, s) }
