package accounting

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Event type names, as stored.
const (
	TypeAccountOpened             = "AccountOpened"
	TypeAccountDisabled           = "AccountDisabled"
	TypeAccountEnabled            = "AccountEnabled"
	TypeCreditCardAuthorized      = "CreditCardAuthorized"
	TypeCardAuthorizationDeclined = "CardAuthorizationDeclined"
	TypeCardTransactionReversed   = "CardTransactionReversed"
	TypeCardTransactionRevised    = "CardTransactionRevised"
)

// AccountOpened records that a consumer's account was opened with a credit limit and the
// last four digits of its card; the account starts enabled.
type AccountOpened struct {
	ConsumerID  uuid.UUID   `json:"consumer_id"`
	CreditLimit money.Money `json:"credit_limit"`
	CardLast4   string      `json:"card_last4"`
}

// AccountDisabled records that the account stopped accepting new charges, and why; holds
// already placed stay until reversed.
type AccountDisabled struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
	Reason     string    `json:"reason"`
}

// AccountEnabled records that a disabled account accepts charges again.
type AccountEnabled struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
}

// CreditCardAuthorized places a hold of Amount for an order.
type CreditCardAuthorized struct {
	ConsumerID uuid.UUID   `json:"consumer_id"`
	OrderID    uuid.UUID   `json:"order_id"`
	Amount     money.Money `json:"amount"`
}

// CardAuthorizationDeclined records a refused charge; Reason is INSUFFICIENT_CREDIT
// or ACCOUNT_DISABLED.
type CardAuthorizationDeclined struct {
	ConsumerID uuid.UUID   `json:"consumer_id"`
	OrderID    uuid.UUID   `json:"order_id"`
	Amount     money.Money `json:"amount"`
	Reason     domain.Code `json:"reason"`
}

// CardTransactionReversed releases an order's hold, never by editing the
// authorization but by this new fact.
type CardTransactionReversed struct {
	ConsumerID uuid.UUID   `json:"consumer_id"`
	OrderID    uuid.UUID   `json:"order_id"`
	Amount     money.Money `json:"amount"`
}

// CardTransactionRevised changes an order's hold after the order was revised.
type CardTransactionRevised struct {
	ConsumerID uuid.UUID   `json:"consumer_id"`
	OrderID    uuid.UUID   `json:"order_id"`
	OldAmount  money.Money `json:"old_amount"`
	NewAmount  money.Money `json:"new_amount"`
}

func (AccountOpened) EventType() string             { return TypeAccountOpened }
func (AccountDisabled) EventType() string           { return TypeAccountDisabled }
func (AccountEnabled) EventType() string            { return TypeAccountEnabled }
func (CreditCardAuthorized) EventType() string      { return TypeCreditCardAuthorized }
func (CardAuthorizationDeclined) EventType() string { return TypeCardAuthorizationDeclined }
func (CardTransactionReversed) EventType() string   { return TypeCardTransactionReversed }
func (CardTransactionRevised) EventType() string    { return TypeCardTransactionRevised }

func (AccountOpened) SchemaVersion() int             { return 1 }
func (AccountDisabled) SchemaVersion() int           { return 1 }
func (AccountEnabled) SchemaVersion() int            { return 1 }
func (CreditCardAuthorized) SchemaVersion() int      { return 1 }
func (CardAuthorizationDeclined) SchemaVersion() int { return 1 }
func (CardTransactionReversed) SchemaVersion() int   { return 1 }
func (CardTransactionRevised) SchemaVersion() int    { return 1 }

// RegisterEvents adds this context's events to r.
func RegisterEvents(r *event.Registry) {
	event.Register[AccountOpened](r)
	event.Register[AccountDisabled](r)
	event.Register[AccountEnabled](r)
	event.Register[CreditCardAuthorized](r)
	event.Register[CardAuthorizationDeclined](r)
	event.Register[CardTransactionReversed](r)
	event.Register[CardTransactionRevised](r)
}

// Refused is the refusal a declined authorization records: a retry of the step that
// was declined is declined again for the same reason, even if credit was freed since.
func (e CardAuthorizationDeclined) Refused() error {
	return domain.Errorf(e.Reason, "charge of %s for order %s was declined", e.Amount, e.OrderID)
}
