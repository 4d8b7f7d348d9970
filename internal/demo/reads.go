package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/orderflow/orderflow/internal/apiclient"
)

// liveStatuses are the statuses of an order whose card hold stands.
var liveStatuses = []string{"APPROVED", "SHIPPED", "DELIVERED"}

// Accounts reads the consumers who placed the outcomes' orders, with their accounts,
// as a consumer app shows them (GET /v1/consumers/:id), in the order they first
// ordered. Each account must hold exactly what that consumer's live orders cost: it is
// read until its read model says so, and an error says which did not within Timeout.
func Accounts(ctx context.Context, base *apiclient.Client, tokens Tokens, outcomes []Outcome) ([]apiclient.Consumer, error) {
	admin, err := tokens.Admin()
	if err != nil {
		return nil, err
	}
	client := base.As(admin)
	var ids []string
	held := map[string]int64{}
	for _, o := range outcomes {
		id := o.Order.ConsumerID
		if id == "" {
			continue // the scenario failed before the order was read
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
		if slices.Contains(liveStatuses, o.Order.Status) {
			held[id] += o.Order.TotalCents
		}
	}
	out := make([]apiclient.Consumer, 0, len(ids))
	for _, id := range ids {
		c, err := readUntil(ctx, func() (apiclient.Consumer, error) { return client.GetConsumer(ctx, id) },
			func(c apiclient.Consumer) bool { return c.Account.HeldCents == held[id] })
		if err != nil {
			return out, fmt.Errorf("consumer %s: %w (their live orders cost %d)", id, err, held[id])
		}
		out = append(out, c)
	}
	return out, nil
}

// Restaurants reads the restaurants the outcomes' orders were placed with, with their
// current menus, as a consumer app shows them (GET /v1/restaurants/:id).
func Restaurants(ctx context.Context, base *apiclient.Client, tokens Tokens, outcomes []Outcome) ([]apiclient.Restaurant, error) {
	admin, err := tokens.Admin()
	if err != nil {
		return nil, err
	}
	client := base.As(admin)
	var out []apiclient.Restaurant
	for _, o := range outcomes {
		id := o.Order.RestaurantID
		if id == "" || slices.ContainsFunc(out, func(r apiclient.Restaurant) bool { return r.ID == id }) {
			continue
		}
		r, err := readUntil(ctx, func() (apiclient.Restaurant, error) { return client.GetRestaurant(ctx, id) },
			func(apiclient.Restaurant) bool { return true })
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
