package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
)

// liveStatuses are the statuses of an order whose card hold stands.
var liveStatuses = []openapi.OrderStatus{openapi.OrderStatusAPPROVED, openapi.OrderStatusSHIPPED, openapi.OrderStatusDELIVERED}

// Accounts reads the consumers who placed the outcomes' orders, with their accounts,
// as a consumer app shows them (GET /v1/consumers/:id), in the order they first
// ordered. Each account must hold exactly what that consumer's live orders cost: it is
// read until its read model says so, and an error says which did not within Timeout.
func Accounts(ctx context.Context, base *apiclient.Client, tokens Tokens, outcomes []Outcome) ([]openapi.ConsumerWithAccount, error) {
	admin, err := tokens.Admin()
	if err != nil {
		return nil, err
	}
	client := base.As(admin)
	var ids []uuid.UUID
	held := map[uuid.UUID]int64{}
	for _, o := range outcomes {
		id := o.Order.ConsumerID
		if id == uuid.Nil {
			continue // the scenario failed before the order was read
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		if slices.Contains(liveStatuses, o.Order.Status) {
			held[id] += o.Order.TotalCents
		}
	}
	out := make([]openapi.ConsumerWithAccount, 0, len(ids))
	for _, id := range ids {
		c, err := readUntil(ctx, func() (openapi.ConsumerWithAccount, error) {
			resp, err := client.GetConsumerWithResponse(ctx, id)
			if err != nil {
				return openapi.ConsumerWithAccount{}, err
			}
			return *resp.JSON200, nil
		}, func(c openapi.ConsumerWithAccount) bool { return c.Account.HeldCents == held[id] })
		if err != nil {
			return out, fmt.Errorf("consumer %s: %w (their live orders cost %d)", id, err, held[id])
		}
		out = append(out, c)
	}
	return out, nil
}

// Restaurants reads the restaurants the outcomes' orders were placed with, with their
// current menus, as a consumer app shows them (GET /v1/restaurants/:id).
func Restaurants(ctx context.Context, base *apiclient.Client, tokens Tokens, outcomes []Outcome) ([]openapi.RestaurantView, error) {
	admin, err := tokens.Admin()
	if err != nil {
		return nil, err
	}
	client := base.As(admin)
	var out []openapi.RestaurantView
	for _, o := range outcomes {
		id := o.Order.RestaurantID
		if id == uuid.Nil || slices.ContainsFunc(out, func(r openapi.RestaurantView) bool { return r.ID == id }) {
			continue
		}
		r, err := readUntil(ctx, func() (openapi.RestaurantView, error) {
			resp, err := client.GetRestaurantWithResponse(ctx, id)
			if err != nil {
				return openapi.RestaurantView{}, err
			}
			return *resp.JSON200, nil
		}, func(openapi.RestaurantView) bool { return true })
		if err != nil {
			return out, fmt.Errorf("restaurant %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// readUntil reads until done says what it read is right (read models lag their
// events by a moment), and returns the last read.
func readUntil[T any](ctx context.Context, read func() (T, error), done func(T) bool) (T, error) {
	deadline := time.Now().Add(Timeout)
	for {
		v, err := read()
		if err == nil && done(v) {
			return v, nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("still %+v after %s", v, Timeout)
			}
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
