package apiclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
)

// WaitForOrder polls the order's read model until done says it is, or ctx or timeout
// ends; it returns the last order read.
func (c *Client) WaitForOrder(ctx context.Context, id uuid.UUID, timeout time.Duration, done func(openapi.OrderView) bool) (openapi.OrderView, error) {
	deadline := time.Now().Add(timeout)
	interval := c.PollInterval
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	var last openapi.OrderView
	for {
		resp, err := c.GetOrderWithResponse(ctx, id, nil)
		if err == nil {
			last = *resp.JSON200
			if done(last) {
				return last, nil
			}
		}
		// Waited out: 404, the projector has not seen the order yet; 429, the budget refills.
		var p *Problem
		if err != nil && !(errors.As(err, &p) && (p.Status == 404 || p.Status == 429)) {
			return last, err
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("order %s: still %q after %s", id, last.Status, timeout)
		}
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(interval):
		}
	}
}
