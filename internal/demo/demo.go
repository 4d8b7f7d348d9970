// Package demo places orders that walk every path of the sagas through the HTTP API:
// approved, picked up and delivered, each rejection, cancels and a revision.
// `orderflow demo` prints the outcomes; the end-to-end tests run the same scenarios and
// check them.
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
)

// Tokens mints bearer tokens for the principals the scenarios act as.
type Tokens interface {
	Admin() (string, error)
	Consumer(id uuid.UUID) (string, error)
	Restaurant(id uuid.UUID) (string, error)
	Courier(name string) (string, error)
}

// Outcome is where a scenario's order ended.
type Outcome struct {
	Scenario string
	// Want is the status the scenario expects and WantReason the rejection reason.
	Want       openapi.OrderStatus
	WantReason string
	WantTrail  []string
	Order      openapi.OrderView
	Events     []openapi.RecordedEvent
	Err        error
}

// Timeout bounds how long a scenario waits for its order to settle.
const Timeout = 60 * time.Second

// Run seeds consumers and restaurants and runs every scenario, one after another.
func Run(ctx context.Context, base *apiclient.Client, tokens Tokens) ([]Outcome, error) {
	admin, err := tokens.Admin()
	if err != nil {
		return nil, err
	}
	w, err := seed(ctx, base.As(admin), tokens)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	var out []Outcome
	for _, s := range scenarios {
		o := Outcome{Scenario: s.name, Want: s.want, WantReason: s.reason, WantTrail: s.trail}
		var id uuid.UUID
		id, o.Err = s.run(ctx, w)
		if id != uuid.Nil {
			o.Order, o.Events = w.settle(ctx, id, s, o.Err)
		}
		if o.Err == nil {
			o.Err = o.check()
		}
		out = append(out, o)
	}
	return out, nil
}

// settle waits for the order to reach the scenario's status and its audit trail to be
// complete (the read model may show the status a moment before the last event of a
// trail is appended: compensations run before the order is rejected, but a pickup's
// kitchen events come before OrderShipped).
func (w *world) settle(ctx context.Context, id uuid.UUID, s scenario, failed error) (openapi.OrderView, []openapi.RecordedEvent) {
	timeout := Timeout
	if failed != nil {
		timeout = time.Second
	}
	o, _ := w.admin.WaitForOrder(ctx, id, timeout, func(o openapi.OrderView) bool { return o.Status == s.want })
	deadline := time.Now().Add(timeout)
	for {
		events, err := w.trail(ctx, id)
		if err != nil || len(events) >= len(s.trail) || time.Now().After(deadline) {
			return o, events
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check compares the outcome with what the scenario expects.
func (o Outcome) check() error {
	reason := ""
	if o.Order.RejectionReason != nil {
		reason = *o.Order.RejectionReason
	}
	var trail []string
	for _, e := range o.Events {
		trail = append(trail, e.Type)
	}
	switch {
	case o.Order.Status != o.Want:
		return fmt.Errorf("order %s is %s, want %s", o.Order.ID, o.Order.Status, o.Want)
	case reason != o.WantReason:
		return fmt.Errorf("order %s was rejected for %q, want %q", o.Order.ID, reason, o.WantReason)
	case !slices.Equal(trail, o.WantTrail):
		return fmt.Errorf("order %s has the audit trail %v, want %v", o.Order.ID, trail, o.WantTrail)
	}
	return nil
}

// eventually retries f while the API answers 404 or 409: the saga has not reached the
// step the request needs yet (the order or its ticket is not there or not open).
func eventually(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(Timeout)
	for {
		err := f()
		var p *apiclient.Problem
		if err == nil || !errors.As(err, &p) || (p.Status != 404 && p.Status != 409) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// HandOver is an accepted ticket's way to the courier: the kitchen's requests, in
// order, each with the last part of its path (a ticket's id is its order's).
var HandOver = []struct {
	Action string
	Send   func(ctx context.Context, kitchen *apiclient.Client, ticketID uuid.UUID) error
}{
	{"preparing", func(ctx context.Context, kitchen *apiclient.Client, id uuid.UUID) error {
		_, err := kitchen.StartPreparingTicketWithResponse(ctx, id, nil)
		return err
	}},
	{"ready", func(ctx context.Context, kitchen *apiclient.Client, id uuid.UUID) error {
		_, err := kitchen.MarkTicketReadyWithResponse(ctx, id, nil)
		return err
	}},
	{"picked-up", func(ctx context.Context, kitchen *apiclient.Client, id uuid.UUID) error {
		_, err := kitchen.PickUpTicketWithResponse(ctx, id, nil)
		return err
	}},
}

// SignedTokens mints tokens with the API's own signing key, as `orderflow token` does.
type SignedTokens struct{ Tokens api.Tokens }

// Admin mints an admin token.
func (t SignedTokens) Admin() (string, error) {
	return t.issue(api.Principal{Role: api.RoleAdmin, Subject: "demo"})
}

// Consumer mints a token for the consumer with the given id.
func (t SignedTokens) Consumer(id uuid.UUID) (string, error) {
	return t.issue(api.Principal{Role: api.RoleConsumer, Subject: id.String(), ConsumerID: id})
}

// Restaurant mints a token for the restaurant with the given id.
func (t SignedTokens) Restaurant(id uuid.UUID) (string, error) {
	return t.issue(api.Principal{Role: api.RoleRestaurant, Subject: id.String(), RestaurantID: id})
}

// Courier mints a courier's token: a courier has no id but its name, the subject.
func (t SignedTokens) Courier(name string) (string, error) {
	return t.issue(api.Principal{Role: api.RoleCourier, Subject: name})
}

// issue mints a token for an hour, or the API's maximum lifetime when that is shorter.
func (t SignedTokens) issue(p api.Principal) (string, error) {
	return t.Tokens.Issue(p, min(time.Hour, t.Tokens.MaxTTL()), time.Now())
}
