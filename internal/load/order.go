package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
)

// result is where one order ended.
type result struct {
	kind    Kind
	id      string
	placed  bool
	settled bool
	status  string        // the settled status
	outcome string        // the status, finer: see KindReport.Outcomes
	latency time.Duration // from the first POST to the settled state read
	failure string        // why the order failed (a key of Report.ErrorsByKind); empty when it did not
	detail  string
}

func (r *result) fail(key, detail string) {
	if r.failure == "" {
		r.failure, r.detail = key, detail
	}
}

// Order statuses the load tells apart.
const (
	statusApproved   = "APPROVED"
	statusRejected   = "REJECTED"
	statusCanceled   = "CANCELED"
	statusShipped    = "SHIPPED"
	statusDelivered  = "DELIVERED"
	needsAttention   = "NEEDS_ATTENTION"
	reasonNoCredit   = "INSUFFICIENT_CREDIT"
	reasonRestaurant = "RESTAURANT_REJECTED"
)

// pending is a status a saga is still working on.
func pending(status openapi.OrderStatus) bool {
	switch status {
	case "", "APPROVAL_PENDING", "CANCEL_PENDING", "REVISION_PENDING":
		return true
	}
	return false
}

// settledState is the first settled state of an order left to its saga.
func settledState(o openapi.OrderView) bool { return !pending(o.Status) }

// errSettledMeanwhile stops a request the saga was not ready for: the order settled
// without it.
var errSettledMeanwhile = errors.New("the order settled before the request was taken")

// flow is one order in flight.
type flow struct {
	l        *loader
	kind     Kind
	id       uuid.UUID
	start    time.Time
	admin    *apiclient.Client
	consumer *apiclient.Client
	// What the order's kind did: the total a revision asked for, and the refusal of a
	// cancel (409) that makes another settled state acceptable.
	revisedTotal  int64
	cancelRefused string
	// step is what the order was waiting for, and last the order as last read: what a
	// failure reports.
	step string
	last openapi.OrderView
}

// order places one order of the kind, drives it down its path and waits for it to
// settle.
func (l *loader) order(parent context.Context, kind Kind) (r result) {
	r.kind = kind
	n := int(l.seq.Add(1))
	consumerID, restaurantID := l.w.rich[n%len(l.w.rich)], l.w.auto
	switch kind {
	case Declined:
		consumerID = l.w.broke[n%len(l.w.broke)]
	case Rejected:
		restaurantID = l.w.byHand
	}
	f := flow{l: l, kind: kind}
	var err error
	if f.admin, err = l.admin(); err == nil {
		f.consumer, err = l.consumer(consumerID)
	}
	if err != nil {
		r.fail("token", err.Error())
		return r
	}
	quantity := 1 + rand.IntN(3)
	items := []openapi.OrderItemRequest{{MenuItemID: "margherita", Quantity: quantity}}
	if rand.IntN(2) == 0 {
		items = append(items, openapi.OrderItemRequest{MenuItemID: "tiramisu", Quantity: 1})
	}
	f.start = time.Now()
	ctx, cancel := context.WithDeadline(parent, f.start.Add(l.cfg.SettleTimeout))
	defer cancel()
	// Interrupted (parent) or out of time (ctx): the order did not settle.
	defer func() {
		if r.settled || r.failure != "" {
			return
		}
		if parent.Err() != nil {
			r.fail("interrupted", "the run was stopped before the order settled")
		} else {
			r.fail("not settled", fmt.Sprintf("%s after it was placed, %s; last read: %s", l.cfg.SettleTimeout, f.step, describe(f.last)))
		}
	}()

	f.step = "placing it"
	key := newOrderKey()
	var placed *openapi.PlaceOrderResponse
	_, err = l.call(ctx, "place", func(ctx context.Context) error {
		var err error
		placed, err = f.consumer.PlaceOrderWithResponse(ctx, &openapi.PlaceOrderParams{IdempotencyKey: &key},
			openapi.PlaceOrderRequest{ConsumerID: consumerID, RestaurantID: restaurantID, Items: items,
				DeliveryAddress: openapi.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}})
		return err
	})
	if err != nil {
		if parent.Err() == nil {
			r.fail(errorKey("place", err), err.Error())
		}
		return r
	}
	f.id = placed.JSON202.ID
	r.placed, r.id = true, f.id.String()
	l.placed.Add(1)
	f.step = "waiting for it to settle"

	var o openapi.OrderView
	switch kind {
	case Approved, Declined:
		o, err = f.wait(ctx, settledState)
	case Rejected:
		o, err = f.reject(ctx)
	case Canceled:
		o, err = f.cancel(ctx)
	case Revised:
		o, err = f.revise(ctx, quantity)
	case Delivered:
		o, err = f.deliver(ctx, n)
	}
	if err != nil {
		if ctx.Err() == nil {
			r.fail(errorKey(f.lastOp(err), err), fmt.Sprintf("%v (%s; last read: %s)", err, f.step, describe(f.last)))
		}
		return r
	}
	r.settled, r.latency, r.status = true, time.Since(f.start), string(o.Status)
	r.outcome = f.outcome(o)
	if !f.expected(o) {
		r.fail(fmt.Sprintf("unexpected outcome: %s ended %s", kind, r.outcome), describe(o))
	}
	return r
}

// reject answers the ticket as the restaurant once the saga waits for it.
func (f *flow) reject(ctx context.Context) (openapi.OrderView, error) {
	restaurant, err := f.l.restaurant(f.l.w.byHand)
	if err != nil {
		return openapi.OrderView{}, err
	}
	f.step = "rejecting its ticket (the API answered 404 or 409 until then)"
	_, err = f.untilReady(ctx, "reject", true, func(ctx context.Context) error {
		_, err := restaurant.RejectTicketWithResponse(ctx, f.id, nil,
			openapi.RejectTicketRequest{Reason: new("load test: the kitchen is full")})
		return err
	})
	if err != nil && !errors.Is(err, errSettledMeanwhile) {
		return openapi.OrderView{}, opError{"reject", err}
	}
	f.step = "waiting for it to settle after the rejection"
	return f.wait(ctx, settledState)
}

// cancel cancels the order as its consumer at a random moment within CancelWithin.
func (f *flow) cancel(ctx context.Context) (openapi.OrderView, error) {
	f.step = "waiting for the moment to cancel it"
	if err := sleep(ctx, jitter(f.l.cfg.CancelWithin)); err != nil {
		return openapi.OrderView{}, err
	}
	f.step = "canceling it (the API answered 404 until then)"
	ambiguous, err := f.untilReady(ctx, "cancel", false, func(ctx context.Context) error {
		_, err := f.consumer.CancelOrderWithResponse(ctx, f.id, nil,
			openapi.CancelOrderRequest{Reason: new("load test: changed my mind")})
		return err
	})
	f.step = "waiting for it to settle after the cancel"
	var p *apiclient.Problem
	switch {
	case err == nil, ambiguous && isConflict(err):
		// Accepted (a 409 after an attempt that may have got through is taken as that
		// attempt's success): done when canceled, or when the cancel is recorded as refused.
		return f.wait(ctx, func(o openapi.OrderView) bool {
			return o.Status == statusCanceled || (settledState(o) && o.Status != statusApproved) || refused(o, "cancel")
		})
	case errors.As(err, &p) && p.Status == 409:
		// Too late (or refused for another reason): acceptable if the order settles.
		f.cancelRefused = p.Title
		if p.Code != nil {
			f.cancelRefused = string(*p.Code)
		}
		return f.wait(ctx, settledState)
	case errors.Is(err, errSettledMeanwhile):
		return f.wait(ctx, settledState)
	}
	return openapi.OrderView{}, opError{"cancel", err}
}

// revise waits for the order to be approved, then raises the pizzas by two.
func (f *flow) revise(ctx context.Context, quantity int) (openapi.OrderView, error) {
	f.step = "waiting for its approval, to revise it"
	o, err := f.wait(ctx, settledState)
	if err != nil || o.Status != statusApproved {
		return o, err // not approved: the outcome says so
	}
	unit := f.l.w.margheritaCost
	for _, line := range o.Items {
		if line.MenuItemID == "margherita" && line.Quantity > 0 {
			unit = line.TotalCents / int64(line.Quantity)
		}
	}
	f.revisedTotal = o.TotalCents + 2*unit
	f.step = "revising it"
	ambiguous, err := f.l.call(ctx, "revise", func(ctx context.Context) error {
		_, err := f.consumer.ReviseOrderWithResponse(ctx, f.id, nil,
			openapi.ReviseOrderRequest{Items: []openapi.LineChange{{MenuItemID: "margherita", Quantity: quantity + 2}}})
		return err
	})
	if err != nil && !(ambiguous && isConflict(err)) {
		return o, opError{"revise", err}
	}
	// Done when approved again at the new total, or with the revision's refusal recorded.
	f.step = "waiting for it to settle after the revision"
	return f.wait(ctx, func(o openapi.OrderView) bool {
		return (o.Status == statusApproved && (o.TotalCents == f.revisedTotal || refused(o, "revise"))) ||
			(settledState(o) && o.Status != statusApproved)
	})
}

// deliver waits for the order to be approved, has its restaurant cook it and hand it
// over, waits for it to ship, and reports it delivered as a courier (one of as many as
// there are consumers).
func (f *flow) deliver(ctx context.Context, n int) (openapi.OrderView, error) {
	f.step = "waiting for its approval, to cook it"
	o, err := f.wait(ctx, settledState)
	if err != nil || o.Status != statusApproved {
		return o, err // not approved: the outcome says so
	}
	kitchen, err := f.l.restaurant(f.l.w.auto)
	if err != nil {
		return o, err
	}
	courier, err := f.l.courier(fmt.Sprintf("load-courier-%d", n%f.l.cfg.Consumers+1))
	if err != nil {
		return o, err
	}
	// The kitchen's actions are idempotent (the same action again changes nothing), so
	// a retried one is harmless; one refused (409) means the order left the path
	// (canceled from Temporal, say) and ends where it settles.
	elsewhere := func(o openapi.OrderView) bool {
		return settledState(o) && o.Status != statusApproved && o.Status != statusShipped
	}
	for _, step := range demo.HandOver {
		f.step = "handing it over (" + step.Action + ")"
		if _, err := f.l.call(ctx, step.Action, func(ctx context.Context) error {
			return step.Send(ctx, kitchen, f.id)
		}); err != nil {
			if isConflict(err) {
				return f.wait(ctx, settledState)
			}
			return o, opError{step.Action, err}
		}
	}
	f.step = "waiting for it to ship"
	if o, err = f.wait(ctx, func(o openapi.OrderView) bool { return o.Status == statusShipped || elsewhere(o) }); err != nil ||
		o.Status != statusShipped {
		return o, err
	}
	f.step = "reporting its delivery"
	key := "load-delivered-" + f.id.String()
	ambiguous, err := f.l.call(ctx, "deliver", func(ctx context.Context) error {
		_, err := courier.DeliverOrderWithResponse(ctx, f.id, &openapi.DeliverOrderParams{IdempotencyKey: &key})
		return err
	})
	if err != nil && !(ambiguous && isConflict(err)) {
		return o, opError{"deliver", err}
	}
	f.step = "waiting for it to be delivered"
	return f.wait(ctx, func(o openapi.OrderView) bool { return o.Status == statusDelivered || elsewhere(o) })
}

// wait polls the order until done says it has settled; transient failures are retried
// until ctx ends.
func (f *flow) wait(ctx context.Context, done func(openapi.OrderView) bool) (openapi.OrderView, error) {
	for {
		o, err := f.admin.WaitForOrder(ctx, f.id, f.l.cfg.SettleTimeout, done)
		if o.Status != "" {
			f.last = o
		}
		if err == nil || ctx.Err() != nil {
			return o, err
		}
		if !transient(err) {
			return o, opError{"poll", err}
		}
		f.l.retried("poll", err)
		if err := sleep(ctx, f.l.cfg.PollInterval); err != nil {
			return o, err
		}
	}
}

// untilReady sends a request the saga may not be ready for: a 404 (and a 409 when
// conflictMeansNotYet) means the order or its ticket is not there yet, and the request
// is sent again every PollInterval until it is taken, refused otherwise, or the order
// settles without it (errSettledMeanwhile).
func (f *flow) untilReady(ctx context.Context, op string, conflictMeansNotYet bool, send func(context.Context) error) (ambiguous bool, err error) {
	lastLook := time.Now()
	for {
		amb, err := f.l.call(ctx, op, send)
		ambiguous = ambiguous || amb
		var p *apiclient.Problem
		if err == nil || !errors.As(err, &p) || !(p.Status == 404 || (conflictMeansNotYet && p.Status == 409)) {
			return ambiguous, err
		}
		if time.Since(lastLook) >= time.Second {
			lastLook = time.Now()
			if resp, err := f.admin.GetOrderWithResponse(ctx, f.id, nil); err == nil {
				f.last = *resp.JSON200
				if settledState(f.last) {
					return ambiguous, errSettledMeanwhile
				}
			}
		}
		if err := sleep(ctx, f.l.cfg.PollInterval); err != nil {
			return ambiguous, err
		}
	}
}

// call sends a request until it succeeds, fails for good or ctx ends, retrying
// transient failures with backoff. ambiguous says a transient failure came first: the
// request may have been carried out by an attempt whose answer was lost.
func (l *loader) call(ctx context.Context, op string, send func(context.Context) error) (ambiguous bool, err error) {
	backoff := 50 * time.Millisecond
	var lastTransient error
	for {
		err = send(ctx)
		if ctx.Err() != nil && lastTransient != nil {
			return ambiguous, lastTransient // the retries ran out of time: say why they were needed
		}
		if err == nil || ctx.Err() != nil || !transient(err) {
			return ambiguous, err
		}
		l.retried(op, err)
		ambiguous, lastTransient = true, err
		if sleep(ctx, backoff) != nil {
			return ambiguous, lastTransient
		}
		backoff = min(2*backoff, time.Second)
	}
}

// transient is a failure worth retrying: no answer, a server error, throttling, or a
// 409 that says to retry.
func transient(err error) bool {
	var p *apiclient.Problem
	if errors.As(err, &p) {
		switch {
		case p.Status == 429 || p.Status >= 500:
			return true
		case p.Status == 409:
			for _, retry := range []string{"/concurrency-conflict", "/idempotency-key-in-flight", "/idempotency-key-retry"} {
				if strings.HasSuffix(p.Type, retry) {
					return true
				}
			}
		}
		return false
	}
	return !errors.Is(err, context.Canceled) // transport errors and timeouts
}

func isConflict(err error) bool {
	var p *apiclient.Problem
	return errors.As(err, &p) && p.Status == 409
}

func refused(o openapi.OrderView, change openapi.OrderViewLastRefusalChange) bool {
	return o.LastRefusal != nil && o.LastRefusal.Change == change
}

// opError names the request that failed.
type opError struct {
	op  string
	err error
}

func (e opError) Error() string { return e.op + ": " + e.err.Error() }
func (e opError) Unwrap() error { return e.err }

func (f *flow) lastOp(err error) string {
	var oe opError
	if errors.As(err, &oe) {
		return oe.op
	}
	return string(f.kind)
}

// errorKey is how a failure is counted: the request and the HTTP status, or what kind
// of failure it was when there was no answer.
func errorKey(op string, err error) string {
	var p *apiclient.Problem
	var ne net.Error
	switch {
	case errors.As(err, &p):
		return fmt.Sprintf("%s: HTTP %d", op, p.Status)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return op + ": timeout"
	}
	return op + ": transport error"
}

// outcome is the settled state, finer than its status.
func (f *flow) outcome(o openapi.OrderView) string {
	s := string(o.Status)
	if o.RejectionReason != nil && *o.RejectionReason != "" {
		s += " " + *o.RejectionReason
	}
	switch {
	case f.kind == Revised && o.Status == statusApproved && o.TotalCents == f.revisedTotal && f.revisedTotal > 0:
		s += " (revised)"
	case o.LastRefusal != nil:
		s += fmt.Sprintf(" (%s refused: %s)", o.LastRefusal.Change, o.LastRefusal.Reason)
	case f.cancelRefused != "":
		s += fmt.Sprintf(" (cancel refused: 409 %s)", f.cancelRefused)
	}
	return s
}

// expected says whether the order ended where its kind leads.
func (f *flow) expected(o openapi.OrderView) bool {
	reason := ""
	if o.RejectionReason != nil {
		reason = *o.RejectionReason
	}
	switch f.kind {
	case Approved:
		return o.Status == statusApproved
	case Declined:
		return o.Status == statusRejected && reason == reasonNoCredit
	case Rejected:
		return o.Status == statusRejected && reason == reasonRestaurant
	case Canceled:
		return o.Status == statusCanceled ||
			((f.cancelRefused != "" || refused(o, "cancel")) && o.Status != needsAttention)
	case Revised:
		return o.Status == statusApproved && (o.TotalCents == f.revisedTotal || refused(o, "revise"))
	case Delivered:
		return o.Status == statusDelivered
	}
	return false
}

func describe(o openapi.OrderView) string {
	if o.Status == "" {
		return "not in the read model yet"
	}
	s := fmt.Sprintf("%s, total %d, version %d", o.Status, o.TotalCents, o.Version)
	if o.RejectionReason != nil {
		s += ", rejected for " + *o.RejectionReason
	}
	if o.LastRefusal != nil {
		s += fmt.Sprintf(", %s refused for %s", o.LastRefusal.Change, o.LastRefusal.Reason)
	}
	return s
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
