package apiclient

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Consumer is a registered consumer.
type Consumer struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// RegisterConsumer registers a consumer with an account of the given credit.
func (c *Client) RegisterConsumer(ctx context.Context, name, email string, creditCents int64, currency string) (Consumer, error) {
	var out Consumer
	err := c.do(ctx, "POST", "/v1/consumers", map[string]any{
		"name": name, "email": email, "credit_limit_cents": creditCents, "currency": currency}, &out)
	return out, err
}

// SuspendConsumer stops a consumer from ordering.
func (c *Client) SuspendConsumer(ctx context.Context, id, reason string) error {
	return c.do(ctx, "POST", "/v1/consumers/"+id+"/suspend", map[string]any{"reason": reason}, nil)
}

// MenuItem is one dish of a restaurant's menu.
type MenuItem struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
}

// NewRestaurant is a restaurant to create.
type NewRestaurant struct {
	Name                     string     `json:"name"`
	AutoAccept               bool       `json:"auto_accept"`
	AcceptanceTimeoutSeconds int        `json:"acceptance_timeout_seconds"`
	Currency                 string     `json:"currency"`
	Menu                     []MenuItem `json:"menu"`
}

// Restaurant is a created restaurant.
type Restaurant struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// CreateRestaurant creates a restaurant, open for orders.
func (c *Client) CreateRestaurant(ctx context.Context, r NewRestaurant) (Restaurant, error) {
	var out Restaurant
	err := c.do(ctx, "POST", "/v1/restaurants", r, &out)
	return out, err
}

// Item is a line of an order request.
type Item struct {
	MenuItemID string `json:"menu_item_id"`
	Quantity   int    `json:"quantity"`
}

// Address is where an order goes.
type Address struct {
	Street string `json:"street"`
	City   string `json:"city"`
	Zip    string `json:"zip"`
}

// NewOrder is an order to place.
type NewOrder struct {
	ConsumerID      string  `json:"consumer_id"`
	RestaurantID    string  `json:"restaurant_id"`
	Items           []Item  `json:"items"`
	DeliveryAddress Address `json:"delivery_address"`
}

// Placed is the API's answer to a placed order.
type Placed struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	WorkflowID string `json:"workflow_id"`
}

// PlaceOrder places an order; idempotencyKey may be empty.
func (c *Client) PlaceOrder(ctx context.Context, o NewOrder, idempotencyKey string) (Placed, error) {
	var out Placed
	var header []string
	if idempotencyKey != "" {
		header = []string{"Idempotency-Key", idempotencyKey}
	}
	err := c.do(ctx, "POST", "/v1/orders", o, &out, header...)
	return out, err
}

// Order is an order's read model.
type Order struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	ConsumerID      string  `json:"consumer_id"`
	RestaurantID    string  `json:"restaurant_id"`
	Items           []Line  `json:"items"`
	TotalCents      int64   `json:"total_cents"`
	Currency        string  `json:"currency"`
	RejectionReason *string `json:"rejection_reason"`
	Version         int64   `json:"version"`
	UpdatedAt       string  `json:"updated_at"`
	// LastRefusal is the last cancel or revise that was accepted (202) and then
	// refused; nil when none.
	LastRefusal *Refusal `json:"last_refusal"`
}

// Refusal is a change request that was accepted and then could not be carried out.
type Refusal struct {
	Change string `json:"change"` // cancel or revise
	Reason string `json:"reason"` // the error code
	Detail string `json:"detail"`
}

// Line is a line of an order's read model.
type Line struct {
	MenuItemID string `json:"menu_item_id"`
	Quantity   int    `json:"quantity"`
	TotalCents int64  `json:"total_cents"`
}

// GetOrder reads an order's read model.
func (c *Client) GetOrder(ctx context.Context, id string) (Order, error) {
	var out Order
	err := c.do(ctx, "GET", "/v1/orders/"+url.PathEscape(id), nil, &out)
	return out, err
}

// WaitForOrder polls the order's read model until done says it is, or ctx or timeout
// ends; it returns the last order read.
func (c *Client) WaitForOrder(ctx context.Context, id string, timeout time.Duration, done func(Order) bool) (Order, error) {
	deadline := time.Now().Add(timeout)
	for {
		o, err := c.GetOrder(ctx, id)
		if err == nil && done(o) {
			return o, nil
		}
		if p, ok := err.(*Problem); err != nil && !(ok && (p.Status == 404 || p.Status == 429)) {
			return o, err // 404: the projector has not seen the order yet; 429: the budget refills
		}
		if time.Now().After(deadline) {
			return o, fmt.Errorf("order %s: still %q after %s", id, o.Status, timeout)
		}
		interval := c.PollInterval
		if interval <= 0 {
			interval = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return o, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// Event is an entry of an order's audit trail.
type Event struct {
	ID             string `json:"id"`
	Stream         string `json:"stream"`
	StreamPosition int64  `json:"stream_position"`
	GlobalPosition int64  `json:"global_position"`
	Type           string `json:"type"`
	Metadata       struct {
		RecordedAt    string `json:"recorded_at"`
		User          string `json:"user"`
		CorrelationID string `json:"correlation_id"`
		CausationID   string `json:"causation_id"`
		WorkflowID    string `json:"workflow_id"`
		RunID         string `json:"run_id"`
	} `json:"metadata"`
}

// OrderEvents reads the order's audit trail.
func (c *Client) OrderEvents(ctx context.Context, id string) ([]Event, error) {
	var out struct {
		Events []Event `json:"events"`
	}
	err := c.do(ctx, "GET", "/v1/orders/"+url.PathEscape(id)+"/events", nil, &out)
	return out.Events, err
}

// CancelOrder asks to cancel an order.
func (c *Client) CancelOrder(ctx context.Context, id, reason string) error {
	return c.do(ctx, "POST", "/v1/orders/"+url.PathEscape(id)+"/cancel", map[string]any{"reason": reason}, nil)
}

// ReviseOrder asks to change an order's quantities.
func (c *Client) ReviseOrder(ctx context.Context, id string, items []Item) error {
	return c.do(ctx, "POST", "/v1/orders/"+url.PathEscape(id)+"/revise", map[string]any{"items": items}, nil)
}

// DeliverOrder reports, as a courier, that the consumer has the food;
// idempotencyKey may be empty.
func (c *Client) DeliverOrder(ctx context.Context, id, idempotencyKey string) error {
	var header []string
	if idempotencyKey != "" {
		header = []string{"Idempotency-Key", idempotencyKey}
	}
	return c.do(ctx, "POST", "/v1/orders/"+url.PathEscape(id)+"/delivered", nil, nil, header...)
}

// TicketAction is one of accept, reject, preparing, ready, picked-up.
func (c *Client) TicketAction(ctx context.Context, ticketID, action, reason string) error {
	var body any
	if action == "reject" {
		body = map[string]any{"reason": reason}
	}
	return c.do(ctx, "POST", "/v1/tickets/"+url.PathEscape(ticketID)+"/"+action, body, nil)
}
