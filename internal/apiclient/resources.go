package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Consumer is a registered consumer.
type Consumer struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Status string `json:"status"`
	// Account is the consumer's account; GetConsumer reads all of it.
	Account Account `json:"account"`
}

// Account is a consumer's account: what is held for orders and what is available.
type Account struct {
	Currency         string          `json:"currency"`
	CreditLimitCents int64           `json:"credit_limit_cents"`
	HeldCents        int64           `json:"held_cents"`
	AvailableCents   int64           `json:"available_cents"`
	Authorizations   []Authorization `json:"authorizations"`
}

// Authorization is the amount held on an account for one order.
type Authorization struct {
	OrderID     string `json:"order_id"`
	AmountCents int64  `json:"amount_cents"`
}

// RegisterConsumer registers a consumer with an account of the given credit.
func (c *Client) RegisterConsumer(ctx context.Context, name, email string, creditCents int64, currency string) (Consumer, error) {
	var out Consumer
	err := c.do(ctx, "POST", "/v1/consumers", map[string]any{
		"name": name, "email": email, "credit_limit_cents": creditCents, "currency": currency}, &out)
	return out, err
}

// GetConsumer reads a consumer and their account (read models).
func (c *Client) GetConsumer(ctx context.Context, id string) (Consumer, error) {
	var out Consumer
	err := c.do(ctx, "GET", "/v1/consumers/"+url.PathEscape(id), nil, &out)
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

// Restaurant is a restaurant with its current menu.
type Restaurant struct {
	ID                       string     `json:"id"`
	Name                     string     `json:"name"`
	Status                   string     `json:"status"`
	Currency                 string     `json:"currency"`
	AutoAccept               bool       `json:"auto_accept"`
	AcceptanceTimeoutSeconds int        `json:"acceptance_timeout_seconds"`
	Menu                     []MenuItem `json:"menu"`
	// Version is the read model's (GetRestaurant, OpenRestaurants); 0 elsewhere.
	Version int64 `json:"version"`
}

// CreateRestaurant creates a restaurant, open for orders.
func (c *Client) CreateRestaurant(ctx context.Context, r NewRestaurant) (Restaurant, error) {
	var out Restaurant
	err := c.do(ctx, "POST", "/v1/restaurants", r, &out)
	return out, err
}

// ReviseMenu replaces a restaurant's menu, priced in the restaurant's currency.
func (c *Client) ReviseMenu(ctx context.Context, id string, menu []MenuItem) (Restaurant, error) {
	var out Restaurant
	err := c.do(ctx, "PUT", "/v1/restaurants/"+url.PathEscape(id)+"/menu", map[string]any{"menu": menu}, &out)
	return out, err
}

// GetRestaurant reads a restaurant with its current menu (read model).
func (c *Client) GetRestaurant(ctx context.Context, id string) (Restaurant, error) {
	var out Restaurant
	err := c.do(ctx, "GET", "/v1/restaurants/"+url.PathEscape(id), nil, &out)
	return out, err
}

// OpenRestaurants reads a page of the open restaurants (read model): cursor is "" for
// the first page, then the previous page's next; next is "" on the last page.
func (c *Client) OpenRestaurants(ctx context.Context, cursor string, limit int) (restaurants []Restaurant, next string, err error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Restaurants []Restaurant `json:"restaurants"`
		NextCursor  *string      `json:"next_cursor"`
	}
	path := "/v1/restaurants"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	if err := c.do(ctx, "GET", path, nil, &out); err != nil {
		return nil, "", err
	}
	if out.NextCursor != nil {
		next = *out.NextCursor
	}
	return out.Restaurants, next, nil
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
	// TotalCents is what the server priced the order at, from the menu of the moment.
	TotalCents int64 `json:"total_cents"`
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
	MenuItemID     string `json:"menu_item_id"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	TotalCents     int64  `json:"total_cents"`
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
		// Waited out: 404, the projector has not seen the order yet; 429, the budget refills.
		var p *Problem
		if err != nil && !(errors.As(err, &p) && (p.Status == 404 || p.Status == 429)) {
			return o, err
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
