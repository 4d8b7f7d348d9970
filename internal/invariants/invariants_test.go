package invariants_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
)

// The paths of docs/sagas.md, as their streams are left, break no rule; and the
// loader sees what they wrote (a loader that saw nothing would break settled/ticket).
func TestHealthyOrdersHaveNoViolations(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)
	ctx := context.Background()

	approved := w.approved()
	rejected := w.rejectedByRestaurant()
	canceled := w.canceledAfterApproval()

	delivered := uuid.New()
	w.order(delivered, w.created(delivered), order.OrderApproved{OrderID: delivered},
		order.OrderShipped{OrderID: delivered}, order.OrderDelivered{OrderID: delivered})
	w.ticket(delivered, ticketCreated(delivered), kitchen.TicketAccepted{TicketID: delivered},
		kitchen.TicketPreparationStarted{TicketID: delivered}, kitchen.TicketReadyForPickup{TicketID: delivered},
		kitchen.TicketPickedUp{TicketID: delivered})
	w.account(w.authorized(delivered, orderTotal))

	// Revised to 3 burgers: new lines on order and ticket (in another order), hold revised.
	revised := uuid.New()
	newLines := []order.Line{orderLines[1], orderLines[0]}
	newLines[1].Quantity, newLines[1].Total = 3, eur(1500)
	w.order(revised, w.created(revised), order.OrderApproved{OrderID: revised},
		order.OrderRevisionProposed{OrderID: revised, Lines: newLines, Total: eur(1800)},
		order.OrderRevised{OrderID: revised, Lines: newLines, Total: eur(1800)})
	w.ticket(revised, ticketCreated(revised), kitchen.TicketAccepted{TicketID: revised},
		kitchen.TicketRevised{TicketID: revised, Lines: []kitchen.Line{{MenuItemID: "burger", Name: "Burger", Quantity: 3}, ticketLines[1]}})
	w.account(w.authorized(revised, orderTotal),
		accounting.CardTransactionRevised{ConsumerID: w.consumer, OrderID: revised, OldAmount: orderTotal, NewAmount: eur(1800)})

	declined := uuid.New() // card declined: ticket canceled, nothing held
	w.order(declined, w.created(declined), order.OrderRejected{OrderID: declined, Reason: domain.CodeInsufficientCredit})
	w.ticket(declined, ticketCreated(declined), kitchen.TicketCanceled{TicketID: declined, Reason: "the order was not approved"})
	w.account(accounting.CardAuthorizationDeclined{ConsumerID: w.consumer, OrderID: declined, Amount: orderTotal,
		Reason: domain.CodeInsufficientCredit})

	noConsumer := uuid.New() // consumer missing: no ticket, no account stream
	created := w.created(noConsumer)
	created.ConsumerID = uuid.New()
	w.order(noConsumer, created, order.OrderRejected{OrderID: noConsumer, Reason: domain.CodeConsumerNotFound})

	all := []uuid.UUID{approved, rejected, canceled, delivered, revised, declined, noConsumer}
	var orders []invariants.Order
	for _, id := range all {
		o := w.load(id)
		require.Empty(t, invariants.Check(o, settled), "order %s (%s)", id, o.State.Status)
		orders = append(orders, o)
	}

	a := orders[0]
	require.Equal(t, order.StatusApproved, a.State.Status)
	require.Equal(t, kitchen.StatusAccepted, a.Ticket.Status)
	require.Equal(t, 1, a.Authorizations)
	// AccountOpened, then the card events of approved (1), rejected (2), canceled (2),
	// delivered (1), revised (2), declined (1): every order sees the whole account.
	require.Equal(t, int64(10), a.AccountVersion)
	hold, ok := a.Account.Hold(approved)
	require.True(t, ok)
	require.Equal(t, orderTotal, hold)
	require.Equal(t, 1, orders[1].Reversals)

	r := invariants.CheckOrders(orders, settled)
	require.True(t, r.OK(), "%v", r.Violations)
	require.Equal(t, len(all), r.Orders)

	r, err := invariants.Verify(ctx, w.st, settled)
	require.NoError(t, err)
	require.True(t, r.OK(), "%v", r.Violations)
	require.Equal(t, len(all), r.Orders)
	require.Equal(t, 1+2*len(all)-1, r.Streams) // the account, every order, every ticket but noConsumer's
	require.Empty(t, r.NeedsAttention)

	vs, err := invariants.CheckStreams(ctx, w.st.Events)
	require.NoError(t, err)
	require.Empty(t, vs)
}

func TestSettledRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)

	pending := uuid.New() // mid create saga: ticket awaiting the restaurant, card held
	w.order(pending, w.created(pending))
	w.ticket(pending, ticketCreated(pending))
	w.account(w.authorized(pending, orderTotal))

	cancelPending := w.approved()
	w.order(cancelPending, order.OrderCancelRequested{OrderID: cancelPending})

	revisionPending := w.approved()
	w.order(revisionPending, order.OrderRevisionProposed{OrderID: revisionPending, Lines: orderLines[:1], Total: eur(1000)})

	for _, id := range []uuid.UUID{pending, cancelPending, revisionPending} {
		o := w.load(id)
		v := requireOnly(t, invariants.Check(o, settled), invariants.RuleSettled, id)
		require.Contains(t, v.Detail, string(o.State.Status))
		// A running system: pending is fine, and the other rules wait for the saga.
		require.Empty(t, invariants.Check(o, invariants.Options{}))
	}

	never := uuid.New() // an order the API accepted but whose stream was never written
	requireOnly(t, w.check(never), invariants.RuleSettled, never)
	require.Empty(t, invariants.Check(w.load(never), invariants.Options{}))

	unknown := invariants.Order{ID: uuid.New(), State: order.State{Status: "LOST"}}
	requireOnly(t, invariants.Check(unknown, invariants.Options{}), invariants.RuleSettled, unknown.ID)
}

func TestAuthorizationsRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)

	twice := w.approved() // a retried authorization stored twice: the hold still looks right
	w.account(w.authorized(twice, orderTotal))
	v := requireOnly(t, w.check(twice), invariants.RuleAuthorizations, twice)
	require.Contains(t, v.Detail, "2 authorizations and 0 reversals")

	// Rejected, authorized twice and reversed once: the reversal dropped the hold, so
	// the hold looks right, but a charge is left.
	rejected := uuid.New()
	w.order(rejected, w.created(rejected), order.OrderRejected{OrderID: rejected, Reason: domain.CodeRestaurantTimeout})
	w.ticket(rejected, ticketCreated(rejected), kitchen.TicketCanceled{TicketID: rejected})
	w.account(w.authorized(rejected, orderTotal), w.authorized(rejected, orderTotal), w.reversed(rejected, orderTotal))
	v = requireOnly(t, w.check(rejected), invariants.RuleAuthorizations, rejected)
	require.Contains(t, v.Detail, "net 1, want 0")
}

func TestHoldRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)

	short := uuid.New() // authorized for less than the order's total
	w.order(short, w.created(short), order.OrderApproved{OrderID: short})
	w.ticket(short, ticketCreated(short), kitchen.TicketAccepted{TicketID: short})
	w.account(w.authorized(short, eur(1000)))
	v := requireOnly(t, w.check(short), invariants.RuleHold, short)
	require.Contains(t, v.Detail, "13.00 EUR holds 10.00 EUR")

	// Canceled and reversed, but a late revision put the hold back.
	canceled := w.canceledAfterApproval()
	w.account(accounting.CardTransactionRevised{ConsumerID: w.consumer, OrderID: canceled, OldAmount: orderTotal, NewAmount: orderTotal})
	v = requireOnly(t, w.check(canceled), invariants.RuleHold, canceled)
	require.Contains(t, v.Detail, "CANCELED order still holds 13.00 EUR")
}

func TestTicketRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)

	// Canceled, card reversed, but the kitchen was never told: still cooking.
	canceled := uuid.New()
	w.order(canceled, w.created(canceled), order.OrderApproved{OrderID: canceled}, order.OrderCancelRequested{OrderID: canceled},
		order.OrderCanceled{OrderID: canceled})
	w.ticket(canceled, ticketCreated(canceled), kitchen.TicketAccepted{TicketID: canceled},
		kitchen.TicketPreparationStarted{TicketID: canceled})
	w.account(w.authorized(canceled, orderTotal), w.reversed(canceled, orderTotal))
	v := requireOnly(t, w.check(canceled), invariants.RuleTicket, canceled)
	require.Contains(t, v.Detail, "CANCELED order's ticket is PREPARING")

	// Picked up, but the order never shipped: wrong once settled, a moment's lag while running.
	notShipped := w.approved()
	w.ticket(notShipped, kitchen.TicketPreparationStarted{TicketID: notShipped}, kitchen.TicketReadyForPickup{TicketID: notShipped},
		kitchen.TicketPickedUp{TicketID: notShipped})
	requireOnly(t, w.check(notShipped), invariants.RuleTicket, notShipped)
	require.Empty(t, invariants.Check(w.load(notShipped), invariants.Options{}))

	// Shipped without a pickup.
	shipped := w.approved()
	w.order(shipped, order.OrderShipped{OrderID: shipped})
	v = requireOnly(t, w.check(shipped), invariants.RuleTicket, shipped)
	require.Contains(t, v.Detail, "SHIPPED order's ticket is ACCEPTED, want PICKED_UP")

	// Approved without a ticket: reported once, by the ticket rule, not again as lines.
	noTicket := uuid.New()
	w.order(noTicket, w.created(noTicket), order.OrderApproved{OrderID: noTicket})
	w.account(w.authorized(noTicket, orderTotal))
	requireOnly(t, w.check(noTicket), invariants.RuleTicket, noTicket)

	// Approved while the ticket was canceled by a compensation.
	compensated := uuid.New()
	w.order(compensated, w.created(compensated), order.OrderApproved{OrderID: compensated})
	w.ticket(compensated, ticketCreated(compensated), kitchen.TicketCanceled{TicketID: compensated})
	w.account(w.authorized(compensated, orderTotal))
	requireOnly(t, w.check(compensated), invariants.RuleTicket, compensated)
}

func TestLinesRule(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)

	// The kitchen was revised to 3 burgers, the order was not.
	revisedTicket := w.approved()
	w.ticket(revisedTicket, kitchen.TicketRevised{TicketID: revisedTicket,
		Lines: []kitchen.Line{{MenuItemID: "burger", Name: "Burger", Quantity: 3}, ticketLines[1]}})
	v := requireOnly(t, w.check(revisedTicket), invariants.RuleLines, revisedTicket)
	require.Contains(t, v.Detail, "burger x3")

	// A line counted twice is a difference: lines compare as multisets.
	doubled := w.approved()
	w.ticket(doubled, kitchen.TicketRevised{TicketID: doubled, Lines: append(ticketLines[:2:2], ticketLines[1])})
	requireOnly(t, w.check(doubled), invariants.RuleLines, doubled)

	// The same lines in another order are the same ticket.
	reordered := w.approved()
	w.ticket(reordered, kitchen.TicketRevised{TicketID: reordered, Lines: []kitchen.Line{ticketLines[1], ticketLines[0]}})
	require.Empty(t, w.check(reordered))

	// Names are not compared: the kitchen may call a dish what it likes.
	renamed := w.approved()
	w.ticket(renamed, kitchen.TicketRevised{TicketID: renamed,
		Lines: []kitchen.Line{{MenuItemID: "burger", Name: "Cheeseburger", Quantity: 2}, ticketLines[1]}})
	require.Empty(t, w.check(renamed))
}

func TestAccountHeldRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("over the credit limit", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 2000)
		first, second := w.approved(), w.approved() // 13.00 each on a 20.00 limit
		orders := []invariants.Order{w.load(first), w.load(second)}
		for _, o := range orders {
			require.Empty(t, invariants.Check(o, settled), "each order on its own is fine")
		}
		r := invariants.CheckOrders(orders, settled)
		v := requireOnly(t, r.Violations, invariants.RuleAccountHeld, uuid.Nil)
		require.Equal(t, accounting.StreamName(w.consumer), v.Stream)
		require.Contains(t, v.Detail, "holds 2600 cents in 2 holds, over the credit limit 20.00 EUR")

		r, err := invariants.Verify(ctx, w.st, invariants.Options{})
		require.NoError(t, err)
		requireOnly(t, r.Violations, invariants.RuleAccountHeld, uuid.Nil)
	})

	t.Run("a hold for an order that does not exist", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 10_000)
		approved := w.approved()
		ghost := uuid.New()
		w.account(w.authorized(ghost, eur(700)))

		orders := []invariants.Order{w.load(approved)}
		requireOnly(t, invariants.CheckOrders(orders, settled).Violations, invariants.RuleAccountHeld, ghost)
		// Running: the order may have been placed after the caller listed its orders.
		require.Empty(t, invariants.CheckOrders(orders, invariants.Options{}).Violations)
		// Verify reads every order in the account's snapshot, so there is no excuse.
		r, err := invariants.Verify(ctx, w.st, invariants.Options{})
		require.NoError(t, err)
		v := requireOnly(t, r.Violations, invariants.RuleAccountHeld, ghost)
		require.Contains(t, v.Detail, "holds 7.00 EUR for an order with no events")
	})

	t.Run("a hold for a rejected order", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 10_000)
		rejected := uuid.New() // the reversal never happened
		w.order(rejected, w.created(rejected), order.OrderRejected{OrderID: rejected, Reason: domain.CodeRestaurantTimeout})
		w.ticket(rejected, ticketCreated(rejected), kitchen.TicketCanceled{TicketID: rejected})
		w.account(w.authorized(rejected, orderTotal))

		r := invariants.CheckOrders([]invariants.Order{w.load(rejected)}, settled)
		// The order's own rules see it too; the account rule says which account.
		require.ElementsMatch(t, []invariants.Rule{invariants.RuleAuthorizations, invariants.RuleHold, invariants.RuleAccountHeld},
			rules(r.Violations))
		held := r.Violations[len(r.Violations)-1]
		require.Equal(t, invariants.RuleAccountHeld, held.Rule)
		require.Equal(t, rejected, held.OrderID)
		require.Contains(t, held.Detail, "for a REJECTED order")
	})

	t.Run("the newest account fold is judged", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, 10_000)
		canceled := w.canceledAfterApproval()
		fresh := w.load(canceled) // version 3: opened, authorized, reversed; nothing held
		// An order of the same consumer loaded earlier, from an account that (say) held
		// too much then: only the newest fold says what the account holds now.
		staleAccount := accounting.Fold(accounting.AccountOpened{ConsumerID: w.consumer, CreditLimit: eur(1000)},
			w.authorized(uuid.New(), eur(5000)))
		earlier := invariants.Order{ID: uuid.New(), State: order.State{Status: order.StatusApprovalPending, ConsumerID: w.consumer},
			Account: staleAccount, AccountVersion: 2}
		r := invariants.CheckOrders([]invariants.Order{earlier, fresh}, invariants.Options{})
		require.True(t, r.OK(), "the stale account (over its limit) must not be judged: %v", r.Violations)
	})
}

// An order an operator owns is listed, and no rule judges its money or ticket.
func TestNeedsAttentionIsListedNotViolated(t *testing.T) {
	t.Parallel()
	id, consumer := uuid.New(), uuid.New()
	o := invariants.Order{
		ID:    id,
		State: order.State{ID: id, ConsumerID: consumer, Status: "NEEDS_ATTENTION", Lines: orderLines, Total: orderTotal},
		Ticket: kitchen.Fold(kitchen.TicketCreated{TicketID: id, OrderID: id, Lines: ticketLines},
			kitchen.TicketPickedUp{TicketID: id}),
		Account: accounting.Fold(accounting.AccountOpened{ConsumerID: consumer, CreditLimit: eur(10_000)},
			accounting.CreditCardAuthorized{ConsumerID: consumer, OrderID: id, Amount: eur(1)}),
		AccountVersion: 2,
		Authorizations: 3,
	}
	require.True(t, o.NeedsAttention())
	require.Empty(t, invariants.Check(o, settled))
	r := invariants.CheckOrders([]invariants.Order{o}, settled)
	require.True(t, r.OK(), "%v", r.Violations)
	require.Equal(t, []uuid.UUID{id}, r.NeedsAttention)

	o.State.Status = order.StatusApproved // the same streams, judged, break three rules
	require.Equal(t, []invariants.Rule{invariants.RuleAuthorizations, invariants.RuleHold, invariants.RuleTicket},
		rules(invariants.Check(o, settled)))
}

func TestViolationJSON(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("6f2a4c1e-8b3d-4e5f-9a0b-1c2d3e4f5a6b")
	b, err := json.Marshal(invariants.Violation{OrderID: id, Rule: invariants.RuleHold, Detail: "d"})
	require.NoError(t, err)
	require.JSONEq(t, `{"order_id":"6f2a4c1e-8b3d-4e5f-9a0b-1c2d3e4f5a6b","rule":"hold","detail":"d"}`, string(b))
	b, err = json.Marshal(invariants.Violation{Stream: "order-x", Rule: invariants.RuleGapless, Detail: "d"})
	require.NoError(t, err)
	require.JSONEq(t, `{"stream":"order-x","rule":"gapless","detail":"d"}`, string(b))
}
