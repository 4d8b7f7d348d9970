package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/app"
)

// describeFails is the fake Temporal client whose DescribeWorkflowExecution fails as a
// Temporal frontend under load or restarting does (Unavailable), not with NotFound.
type describeFails struct{ *fakeWorkflows }

func (describeFails) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return nil, serviceerror.NewUnavailable("frontend unavailable")
}

// With Temporal degraded, ?min_version= answers a missing id and another principal's
// existing order alike (404 ORDER_NOT_FOUND), never a 500 that would tell them apart.
func TestMinVersionAnswersAlikeWhenTemporalIsDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(d *api.Deps) {
		o := d.Orders.(app.OrderCommands)
		o.Workflows = describeFails{o.Workflows.(*fakeWorkflows)}
		d.Orders = o
	})
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	existing := h.placeOrder(consumerID, restaurantID)
	h.waitOrderView(existing, 1)
	stranger := h.asConsumer(uuid.New())

	recExisting := h.get("/v1/orders/"+existing.String()+"?min_version=1", stranger)
	recMissing := h.get("/v1/orders/"+uuid.New().String()+"?min_version=1", stranger)
	require.Equal(t, recExisting.Code, recMissing.Code, "the status tells an existing order from a missing one")
	require.NotEqual(t, http.StatusInternalServerError, recMissing.Code)
}
