package invariants_test

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
)

// An order canceled after approval whose card was reversed but whose kitchen was never
// told. In a real check the Order comes from invariants.Load or Verify; here its
// streams are folded by hand with the domain's own Fold functions.
func ExampleCheck() {
	orderID := uuid.MustParse("6f2a4c1e-8b3d-4e5f-9a0b-1c2d3e4f5a6b")
	consumerID := uuid.MustParse("0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5")
	total := money.MustNew(1300, "EUR")
	lines := []kitchen.Line{{MenuItemID: "burger", Name: "Burger", Quantity: 2}}

	o := invariants.Order{
		ID: orderID,
		State: order.Fold(
			order.OrderCreated{OrderID: orderID, ConsumerID: consumerID, Total: total},
			order.OrderApproved{OrderID: orderID},
			order.OrderCancelRequested{OrderID: orderID},
			order.OrderCanceled{OrderID: orderID, Reason: "changed my mind"},
		),
		Ticket: kitchen.Fold(
			kitchen.TicketCreated{TicketID: orderID, OrderID: orderID, Lines: lines},
			kitchen.TicketAccepted{TicketID: orderID},
		),
		Account: accounting.Fold(
			accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: money.MustNew(10_000, "EUR")},
			accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: orderID, Amount: total},
			accounting.CardTransactionReversed{ConsumerID: consumerID, OrderID: orderID, Amount: total},
		),
		Authorizations: 1,
		Reversals:      1,
	}
	for _, v := range invariants.Check(o, invariants.Options{Settled: true}) {
		fmt.Println(v)
	}
	// Output:
	// ticket: order 6f2a4c1e-8b3d-4e5f-9a0b-1c2d3e4f5a6b: CANCELED order's ticket is ACCEPTED, want none, CANCELED or REJECTED
}
