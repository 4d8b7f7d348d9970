// Package invariants checks, over the event streams, what must hold whatever fails:
// every order settles; an order's card authorizations, its hold, its ticket and its
// lines agree with its status; an account holds money only for orders that may still
// need it and never more than its limit; stream versions are gapless and no event id
// repeats.
//
// The rules are pure functions of folded streams (Check, CheckOrders), so the same code
// judges a generated fault-injection run of the sagas and, through Verify, an operator's
// pass over a whole store. They read only what the events say, never a read model or a
// workflow, because the store is the record that has to be right.
//
// A system that is still running is checked with Options{Settled: false}: an order in a
// pending state (a saga in flight) is then not a violation, and is left out of the other
// rules, whose promises hold only once its saga has finished. Load and Verify read each
// order together with its ticket and account in one database snapshot, so a saga
// moving between two reads cannot make a healthy order look broken.
//
// An order in NEEDS_ATTENTION (a compensation that could not run) belongs to an
// operator: it is listed apart, never a violation, and skipped by the money and ticket
// rules.
package invariants

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
)

// Rule names a checked invariant. The names are stable: they are what the verify
// command prints and what tests match on.
type Rule string

const (
	// RuleSettled checks that every order is REJECTED, CANCELED, APPROVED, SHIPPED, DELIVERED or
	// NEEDS_ATTENTION. In a settled check a pending status, or an order stream with no
	// events, is a violation; an unknown status always is.
	RuleSettled Rule = "settled"
	// RuleAuthorizations checks that CreditCardAuthorized minus CardTransactionReversed events for
	// the order in its consumer's account stream is 1 for a live order
	// (APPROVED/SHIPPED/DELIVERED) and 0 for a REJECTED or CANCELED one.
	RuleAuthorizations Rule = "authorizations"
	// RuleHold checks that the account's hold for the order (accounting.State.Hold) equals the
	// order's total, currency included, for a live order, and is absent for a REJECTED
	// or CANCELED one.
	RuleHold Rule = "hold"
	// RuleTicket checks that a REJECTED or CANCELED order's ticket is absent, CANCELED or REJECTED;
	// a live order's ticket exists and was accepted (ACCEPTED, PREPARING,
	// READY_FOR_PICKUP or PICKED_UP); a SHIPPED or DELIVERED order's ticket is
	// PICKED_UP; and a PICKED_UP ticket means the order is SHIPPED or DELIVERED (in a
	// settled check only: the order ships just after the pickup is recorded).
	RuleTicket Rule = "ticket"
	// RuleLines checks that a live order's ticket has the order's lines, compared as multisets of
	// (menu_item_id, quantity) pairs.
	RuleLines Rule = "lines"
	// RuleAccountHeld checks that every hold of an account belongs to an order that is live,
	// pending or NEEDS_ATTENTION (not REJECTED or CANCELED, and known to the check
	// when it is settled), is in the account's currency, and the holds together do
	// not exceed the credit limit.
	RuleAccountHeld Rule = "account-held"
	// RuleGapless checks that each stream's positions are 1, 2, 3, … with no gap or repeat.
	RuleGapless Rule = "gapless"
	// RuleUniqueEventID checks that no event id is stored twice.
	RuleUniqueEventID Rule = "unique-event-id"
)

// Violation is one broken invariant. OrderID is set when the violation is about an
// order (or an account's hold for one); Stream when it is about a stream as such.
type Violation struct {
	OrderID uuid.UUID `json:"order_id,omitzero"`
	Stream  string    `json:"stream,omitempty"`
	Rule    Rule      `json:"rule"`
	Detail  string    `json:"detail"`
}

func (v Violation) String() string {
	subject := v.Stream
	if v.OrderID != uuid.Nil {
		subject = "order " + v.OrderID.String()
	}
	return fmt.Sprintf("%s: %s: %s", v.Rule, subject, v.Detail)
}

// Order is everything the rules need about one order: the folded states of its stream,
// its ticket's and its consumer's account, and what the account stream says about the
// order's card transactions. Account's holds map may be shared with other Orders of
// the same consumer; the rules only read it.
type Order struct {
	// ID is the order's id, set even when its stream is empty.
	ID      uuid.UUID
	State   order.State
	Ticket  kitchen.State
	Account accounting.State
	// AccountVersion is the version of the account stream Account was folded from;
	// CheckOrders judges each account by its newest fold.
	AccountVersion int64
	// Authorizations and Reversals count the order's CreditCardAuthorized and
	// CardTransactionReversed events in the account stream. The hold alone cannot
	// tell an order authorized twice and reversed once from one authorized once.
	Authorizations int
	Reversals      int
}

// NeedsAttention reports whether the order waits for an operator.
func (o Order) NeedsAttention() bool { return o.State.Status == order.StatusNeedsAttention }

// Options says what kind of system is checked.
type Options struct {
	// Settled is true when no saga is running (the end of a test, a quiesced store):
	// every order must then have settled. When false, pending orders are not
	// violations and are skipped by the other rules.
	Settled bool
}

// Check applies the per-order rules (settled, authorizations, hold, ticket, lines) to
// o. Violations come in that rule order. The account-wide rule needs the other orders
// of the account; see CheckOrders.
func Check(o Order, opts Options) []Violation {
	c := checker{id: o.ID}
	status := o.State.Status
	switch {
	case status == order.StatusNeedsAttention:
		return nil
	case status == "":
		if opts.Settled {
			c.add(RuleSettled, "the order stream has no OrderCreated")
		}
		return c.out
	case pending(status):
		if opts.Settled {
			c.add(RuleSettled, "the order is still %s", status)
		}
		return c.out
	case !live(status) && !ended(status):
		c.add(RuleSettled, "unknown status %q", status)
		return c.out
	}
	c.authorizations(o)
	c.hold(o)
	c.ticket(o, opts)
	c.lines(o)
	return c.out
}

// Report is the outcome of checking many orders.
type Report struct {
	// Streams and Events count what Verify read; CheckOrders leaves them 0.
	Streams int   `json:"streams,omitempty"`
	Events  int64 `json:"events,omitempty"`
	Orders  int   `json:"orders"`
	// ByStatus counts the orders by status.
	ByStatus map[order.Status]int `json:"by_status"`
	// NeedsAttention lists the orders an operator owns: not violations, but to be
	// looked at.
	NeedsAttention []uuid.UUID `json:"needs_attention"`
	Violations     []Violation `json:"violations"`
}

// OK reports whether no invariant is broken.
func (r Report) OK() bool { return len(r.Violations) == 0 }

// CheckOrders checks each order (Check) and then each consumer's account
// (RuleAccountHeld), judged by the newest account fold among that consumer's orders.
// Give it every order of the consumers involved: in a settled check a hold for an
// order that is not among them is a violation, since nothing would ever release it.
func CheckOrders(orders []Order, opts Options) Report {
	newest := make(map[uuid.UUID]Order) // by consumer
	for _, o := range orders {
		consumer := o.State.ConsumerID
		if consumer == uuid.Nil {
			continue
		}
		if prev, ok := newest[consumer]; !ok || o.AccountVersion > prev.AccountVersion {
			newest[consumer] = o
		}
	}
	accounts := make(map[uuid.UUID]accounting.State, len(newest))
	for c, o := range newest {
		accounts[c] = o.Account
	}
	return report(orders, accounts, opts, opts.Settled)
}

// report checks orders and accounts (by consumer id). A hold for an order not among
// orders is a violation when reportUnknown.
func report(orders []Order, accounts map[uuid.UUID]accounting.State, opts Options, reportUnknown bool) Report {
	r := Report{Orders: len(orders), ByStatus: map[order.Status]int{}, NeedsAttention: []uuid.UUID{}, Violations: []Violation{}}
	statuses := make(map[uuid.UUID]order.Status, len(orders))
	for _, o := range orders {
		r.ByStatus[o.State.Status]++
		if o.NeedsAttention() {
			r.NeedsAttention = append(r.NeedsAttention, o.ID)
		}
		r.Violations = append(r.Violations, Check(o, opts)...)
		statuses[o.ID] = o.State.Status
	}
	consumers := make([]uuid.UUID, 0, len(accounts))
	for c := range accounts {
		consumers = append(consumers, c)
	}
	slices.SortFunc(consumers, func(a, b uuid.UUID) int { return cmp.Compare(a.String(), b.String()) })
	for _, c := range consumers {
		r.Violations = append(r.Violations, checkAccount(c, accounts[c], statuses, reportUnknown)...)
	}
	return r
}

// checkAccount applies RuleAccountHeld to one account. statuses holds the orders the
// check knows; a hold for any other order is a violation only when reportUnknown (a
// settled check, or one that read every order in the same snapshot as the account):
// in a running system the order may have been placed after the list was drawn.
func checkAccount(consumerID uuid.UUID, a accounting.State, statuses map[uuid.UUID]order.Status, reportUnknown bool) []Violation {
	stream := accounting.StreamName(consumerID)
	var out []Violation
	add := func(orderID uuid.UUID, format string, args ...any) {
		out = append(out, Violation{OrderID: orderID, Stream: stream, Rule: RuleAccountHeld, Detail: fmt.Sprintf(format, args...)})
	}
	orderIDs := make([]uuid.UUID, 0, len(a.Holds))
	for id := range a.Holds {
		orderIDs = append(orderIDs, id)
	}
	slices.SortFunc(orderIDs, func(x, y uuid.UUID) int { return cmp.Compare(x.String(), y.String()) })
	var held int64
	for _, id := range orderIDs {
		h := a.Holds[id]
		status, known := statuses[id]
		switch {
		case !known && reportUnknown:
			add(id, "holds %s for an order with no events", h)
		case known && ended(status):
			add(id, "holds %s for a %s order", h, status)
		}
		if h.Currency != a.CreditLimit.Currency {
			add(id, "holds %s, not in the account's currency %s", h, a.CreditLimit.Currency)
			continue
		}
		if h.Cents > 0 && held > math.MaxInt64-h.Cents {
			held = math.MaxInt64 // more than any limit: saturate rather than wrap
			continue
		}
		held += h.Cents
	}
	if held > a.CreditLimit.Cents {
		add(uuid.Nil, "holds %d cents in %d holds, over the credit limit %s", held, len(orderIDs), a.CreditLimit)
	}
	return out
}

func pending(s order.Status) bool {
	return s == order.StatusApprovalPending || s == order.StatusCancelPending || s == order.StatusRevisionPending
}

// live orders keep their card hold and their ticket.
func live(s order.Status) bool {
	return s == order.StatusApproved || s == order.StatusShipped || s == order.StatusDelivered
}

// ended orders have given everything back.
func ended(s order.Status) bool { return s == order.StatusRejected || s == order.StatusCanceled }

type checker struct {
	id  uuid.UUID
	out []Violation
}

func (c *checker) add(rule Rule, format string, args ...any) {
	c.out = append(c.out, Violation{OrderID: c.id, Rule: rule, Detail: fmt.Sprintf(format, args...)})
}

func (c *checker) authorizations(o Order) {
	want := 0
	if live(o.State.Status) {
		want = 1
	}
	if net := o.Authorizations - o.Reversals; net != want {
		c.add(RuleAuthorizations, "%s order has %d authorizations and %d reversals (net %d, want %d)",
			o.State.Status, o.Authorizations, o.Reversals, net, want)
	}
}

func (c *checker) hold(o Order) {
	h, held := o.Account.Hold(o.ID)
	switch {
	case live(o.State.Status) && !held:
		c.add(RuleHold, "%s order of %s has no hold", o.State.Status, o.State.Total)
	case live(o.State.Status) && h != o.State.Total:
		c.add(RuleHold, "%s order of %s holds %s", o.State.Status, o.State.Total, h)
	case ended(o.State.Status) && held:
		c.add(RuleHold, "%s order still holds %s", o.State.Status, h)
	}
}

func (c *checker) ticket(o Order, opts Options) {
	status, t := o.State.Status, o.Ticket.Status
	switch {
	case ended(status):
		if t != "" && t != kitchen.StatusCanceled && t != kitchen.StatusRejected {
			c.add(RuleTicket, "%s order's ticket is %s, want none, CANCELED or REJECTED", status, t)
		}
	case t == "":
		c.add(RuleTicket, "%s order has no ticket", status)
	case t == kitchen.StatusAwaitingAcceptance || t == kitchen.StatusCanceled || t == kitchen.StatusRejected:
		c.add(RuleTicket, "%s order's ticket is %s, want it accepted", status, t)
	case status == order.StatusApproved && t == kitchen.StatusPickedUp && opts.Settled:
		c.add(RuleTicket, "ticket is PICKED_UP but the order is APPROVED, want SHIPPED or DELIVERED")
	case (status == order.StatusShipped || status == order.StatusDelivered) && t != kitchen.StatusPickedUp:
		c.add(RuleTicket, "%s order's ticket is %s, want PICKED_UP", status, t)
	}
}

// lineKey is what the kitchen and the order must agree on: prices and names are the
// order's business only.
type lineKey struct {
	MenuItemID string
	Quantity   int
}

// lines compares as multisets: the order of lines means nothing to the kitchen, and a
// revision may rebuild them in another order, but a line counted twice is a
// difference.
func (c *checker) lines(o Order) {
	if !live(o.State.Status) || !o.Ticket.Exists() {
		return // the ticket rule reports a missing ticket
	}
	want := make([]lineKey, len(o.State.Lines))
	for i, l := range o.State.Lines {
		want[i] = lineKey{l.MenuItemID, l.Quantity}
	}
	got := make([]lineKey, len(o.Ticket.Lines))
	for i, l := range o.Ticket.Lines {
		got[i] = lineKey{l.MenuItemID, l.Quantity}
	}
	sortLines(want)
	sortLines(got)
	if !slices.Equal(want, got) {
		c.add(RuleLines, "ticket lines %v differ from order lines %v", got, want)
	}
}

func sortLines(ls []lineKey) {
	slices.SortFunc(ls, func(a, b lineKey) int {
		return cmp.Or(cmp.Compare(a.MenuItemID, b.MenuItemID), cmp.Compare(a.Quantity, b.Quantity))
	})
}

func (k lineKey) String() string { return fmt.Sprintf("%s x%d", k.MenuItemID, k.Quantity) }
