package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
)

type scenario struct {
	name   string
	want   openapi.OrderStatus
	reason string
	// trail is the order's audit trail, every stream's events in global order.
	trail []string
	run   func(ctx context.Context, w *world) (orderID uuid.UUID, err error)
}

// The audit trail's common beginning: the create saga up to the restaurant's answer.
var throughAuthorization = []string{"OrderCreated", "ConsumerVerified", "TicketCreated", "CreditCardAuthorized"}

func then(events ...string) []string {
	return append(append([]string(nil), throughAuthorization...), events...)
}

// scenarios walk every path of the sagas.
var scenarios = []scenario{
	{"approved, picked up and delivered", "DELIVERED", "", then("TicketAccepted", "OrderApproved",
		"TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp", "OrderShipped", "OrderDelivered"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		id, err := w.order(ctx, w.ada, w.trattoria, pizzas(2))
		if err != nil {
			return uuid.Nil, err
		}
		if err := w.waitFor(ctx, id, "APPROVED"); err != nil {
			return id, err
		}
		for _, step := range HandOver {
			if err := step.Send(ctx, w.trattoria.client, id); err != nil {
				return id, err
			}
		}
		if err := w.waitFor(ctx, id, "SHIPPED"); err != nil {
			return id, err
		}
		_, err = w.courier.DeliverOrderWithResponse(ctx, id, nil)
		return id, err
	}},
	{"consumer suspended", "REJECTED", "CONSUMER_SUSPENDED", []string{"OrderCreated", "OrderRejected"}, func(ctx context.Context, w *world) (uuid.UUID, error) {
		return w.order(ctx, w.cy, w.trattoria, pizzas(1))
	}},
	{"card declined", "REJECTED", "INSUFFICIENT_CREDIT", []string{"OrderCreated", "ConsumerVerified", "TicketCreated",
		"CardAuthorizationDeclined", "TicketCanceled", "OrderRejected"}, func(ctx context.Context, w *world) (uuid.UUID, error) {
		return w.order(ctx, w.bob, w.trattoria, pizzas(3)) // 27 EUR on a 10 EUR limit
	}},
	{"restaurant rejects", "REJECTED", "RESTAURANT_REJECTED", then("TicketRejected", "CardTransactionReversed", "OrderRejected"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		id, err := w.order(ctx, w.ada, w.sushi, pizzas(1))
		if err != nil {
			return uuid.Nil, err
		}
		return id, eventually(ctx, func() error {
			_, err := w.sushi.client.RejectTicketWithResponse(ctx, id, nil, openapi.RejectTicketRequest{Reason: new("out of rice")})
			return err
		})
	}},
	{"restaurant does not answer in time", "REJECTED", "RESTAURANT_TIMEOUT", then("CardTransactionReversed", "TicketCanceled", "OrderRejected"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		return w.order(ctx, w.ada, w.sleepy, pizzas(1))
	}},
	{"consumer cancels while pending", "CANCELED", "", then("CardTransactionReversed", "TicketCanceled", "OrderCanceled"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		id, err := w.order(ctx, w.ada, w.sushi, pizzas(1))
		if err != nil {
			return uuid.Nil, err
		}
		// Cancel while the saga waits for the restaurant, so that both compensations run.
		if err := w.waitForEvent(ctx, id, "CreditCardAuthorized"); err != nil {
			return id, err
		}
		return id, eventually(ctx, func() error {
			_, err := w.ada.client.CancelOrderWithResponse(ctx, id, nil, openapi.CancelOrderRequest{Reason: new("changed my mind")})
			return err
		})
	}},
	{"canceled after approval", "CANCELED", "", then("TicketAccepted", "OrderApproved",
		"OrderCancelRequested", "TicketCanceled", "CardTransactionReversed", "OrderCanceled"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		id, err := w.order(ctx, w.ada, w.trattoria, pizzas(1))
		if err != nil {
			return uuid.Nil, err
		}
		if err := w.waitFor(ctx, id, "APPROVED"); err != nil {
			return id, err
		}
		_, err = w.ada.client.CancelOrderWithResponse(ctx, id, nil, openapi.CancelOrderRequest{Reason: new("ordered twice")})
		return id, err
	}},
	{"revised after approval", "APPROVED", "", then("TicketAccepted", "OrderApproved",
		"OrderRevisionProposed", "CardTransactionRevised", "TicketRevised", "OrderRevised"), func(ctx context.Context, w *world) (uuid.UUID, error) {
		id, err := w.order(ctx, w.ada, w.trattoria, pizzas(1))
		if err != nil {
			return uuid.Nil, err
		}
		if err := w.waitFor(ctx, id, "APPROVED"); err != nil {
			return id, err
		}
		if _, err := w.ada.client.ReviseOrderWithResponse(ctx, id, nil, openapi.ReviseOrderRequest{
			Items: []openapi.LineChange{{MenuItemID: "margherita", Quantity: 3}}}); err != nil {
			return id, err
		}
		// The revision is done when the order is APPROVED again at the new total.
		_, err = w.admin.WaitForOrder(ctx, id, Timeout, func(o openapi.OrderView) bool {
			return o.Status == "APPROVED" && o.TotalCents == 3*900
		})
		return id, err
	}},
}

func randomTag() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
