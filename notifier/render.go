package notifier

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/integration"
)

// Render is the notification a consumer receives for an event, if any: the order's
// lifecycle is the consumer's business; the kitchen's ticket events are the
// restaurant's (the consumer hears OrderApproved or OrderRejected instead).
func Render(env integration.Envelope, payload any) (Notification, bool) {
	var ref integration.OrderRef
	var text string
	switch p := payload.(type) {
	case integration.OrderCreated:
		ref = p.OrderRef
		text = fmt.Sprintf("We have your order %s (%s); waiting for the restaurant to confirm it.",
			short(p.OrderID), amount(p.TotalCents, p.Currency))
	case integration.OrderApproved:
		ref = p.OrderRef
		text = fmt.Sprintf("Your order %s was approved: the restaurant is preparing it.", short(p.OrderID))
	case integration.OrderRejected:
		ref = p.OrderRef
		text = fmt.Sprintf("Sorry, your order %s was rejected: %s. You were not charged.", short(p.OrderID), why(p.Reason))
	case integration.OrderCanceled:
		ref = p.OrderRef
		text = fmt.Sprintf("Your order %s was canceled; any charge was reversed.", short(p.OrderID))
	case integration.OrderRevised:
		ref = p.OrderRef
		text = fmt.Sprintf("Your order %s was changed: the new total is %s.", short(p.OrderID), amount(p.TotalCents, p.Currency))
	case integration.OrderShipped:
		ref = p.OrderRef
		text = fmt.Sprintf("Your order %s is on its way.", short(p.OrderID))
	case integration.OrderDelivered:
		ref = p.OrderRef
		text = fmt.Sprintf("Your order %s was delivered. Enjoy your meal!", short(p.OrderID))
	default:
		return Notification{}, false
	}
	return Notification{MessageID: env.ID, EventType: env.Type, OrderID: ref.OrderID, ConsumerID: ref.ConsumerID,
		Text: text, OccurredAt: env.OccurredAt}, true
}

func short(id uuid.UUID) string { return id.String()[:8] }

func amount(cents int64, currency string) string {
	return fmt.Sprintf("%s %d.%02d", currency, cents/100, cents%100)
}

func why(reason string) string {
	switch reason {
	case "CONSUMER_SUSPENDED":
		return "your account is suspended"
	case "INSUFFICIENT_CREDIT":
		return "your card was declined"
	case "RESTAURANT_REJECTED":
		return "the restaurant could not take it"
	case "RESTAURANT_TIMEOUT":
		return "the restaurant did not answer in time"
	}
	return "reason " + reason
}
