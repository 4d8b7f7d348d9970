package accounting

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// MaxReasonLength bounds the reason for disabling an account.
const MaxReasonLength = 500

// Open creates a consumer's account with a card and a credit limit. Opening the same
// account again with the same terms is a no-op; other terms are refused.
func Open(s State, consumerID uuid.UUID, creditLimit money.Money, cardLast4 string) ([]event.Event, error) {
	var v domain.Validator
	v.Check(consumerID != uuid.Nil, "consumer_id", "is required")
	v.Check(creditLimit.Cents >= 0, "credit_limit_cents", "must not be negative")
	v.Check(money.ValidCurrency(creditLimit.Currency), "currency", "must be a 3-letter uppercase ISO 4217 code")
	v.Check(validLast4(cardLast4), "card_last4", "must be 4 digits")
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Opened {
		if s.ConsumerID == consumerID && s.CreditLimit == creditLimit && s.CardLast4 == cardLast4 {
			return nil, nil
		}
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "account %s is already open", s.ConsumerID)
	}
	return []event.Event{AccountOpened{ConsumerID: consumerID, CreditLimit: creditLimit, CardLast4: cardLast4}}, nil
}

func validLast4(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Disable stops new charges; holds stay until reversed. A no-op when disabled.
func Disable(s State, reason string) ([]event.Event, error) {
	var v domain.Validator
	reason = v.Text("reason", reason, 0, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.Opened {
		return nil, notFound()
	}
	if !s.Enabled {
		return nil, nil
	}
	return []event.Event{AccountDisabled{ConsumerID: s.ConsumerID, Reason: reason}}, nil
}

// Enable allows charges again; a no-op when enabled.
func Enable(s State) ([]event.Event, error) {
	if !s.Opened {
		return nil, notFound()
	}
	if s.Enabled {
		return nil, nil
	}
	return []event.Event{AccountEnabled{ConsumerID: s.ConsumerID}}, nil
}

// Authorize holds amount on the card for orderID. See the package documentation for
// the decline contract: a decline returns a CardAuthorizationDeclined event AND an
// INSUFFICIENT_CREDIT or ACCOUNT_DISABLED error. A hold of the same amount for the
// order means this authorization already happened: no events, no error.
func Authorize(s State, orderID uuid.UUID, amount money.Money) ([]event.Event, error) {
	if err := checkCharge(orderID, amount); err != nil {
		return nil, err
	}
	if !s.Opened {
		return nil, notFound()
	}
	if held, ok := s.Hold(orderID); ok {
		if held == amount {
			return nil, nil
		}
		return nil, domain.Errorf(domain.CodeInvalidStateTransition,
			"order %s already holds %s, not %s; revise the transaction instead", orderID, held, amount)
	}
	if amount.Currency != s.CreditLimit.Currency {
		return nil, mismatch(s, amount)
	}
	if err := s.decline(amount, amount); err != nil {
		return []event.Event{s.declined(orderID, amount, domain.CodeOf(err))}, err
	}
	return []event.Event{CreditCardAuthorized{ConsumerID: s.ConsumerID, OrderID: orderID, Amount: amount}}, nil
}

// Reverse releases the hold of orderID. Without a hold there is nothing to undo (the
// authorization being compensated never happened, or was reversed already): no events.
func Reverse(s State, orderID uuid.UUID) ([]event.Event, error) {
	held, ok := s.Hold(orderID)
	if !ok {
		return nil, nil
	}
	return []event.Event{CardTransactionReversed{ConsumerID: s.ConsumerID, OrderID: orderID, Amount: held}}, nil
}

// Revise changes the hold of orderID to newAmount after the order changed. Lowering
// is always allowed; raising needs an enabled account and enough credit for the
// difference, and a refusal is a decline event plus an error, as for Authorize.
func Revise(s State, orderID uuid.UUID, newAmount money.Money) ([]event.Event, error) {
	if err := checkCharge(orderID, newAmount); err != nil {
		return nil, err
	}
	if !s.Opened {
		return nil, notFound()
	}
	held, ok := s.Hold(orderID)
	if !ok {
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "no authorization to revise for order %s", orderID)
	}
	if newAmount.Currency != held.Currency {
		return nil, mismatch(s, newAmount)
	}
	if newAmount == held {
		return nil, nil
	}
	if newAmount.Cents > held.Cents {
		increase := money.Money{Cents: newAmount.Cents - held.Cents, Currency: held.Currency}
		if err := s.decline(increase, newAmount); err != nil {
			return []event.Event{s.declined(orderID, newAmount, domain.CodeOf(err))}, err
		}
	}
	return []event.Event{CardTransactionRevised{
		ConsumerID: s.ConsumerID, OrderID: orderID, OldAmount: held, NewAmount: newAmount,
	}}, nil
}

// decline returns why an extra hold of extra (for a charge of total) must be refused,
// or nil when it fits.
func (s State) decline(extra, total money.Money) error {
	if !s.Enabled {
		return domain.Errorf(domain.CodeAccountDisabled, "account %s is disabled", s.ConsumerID)
	}
	if avail := s.Available(); extra.Cents > avail.Cents {
		return domain.Errorf(domain.CodeInsufficientCredit, "charge of %s needs %s, %s available", total, extra, avail)
	}
	return nil
}

func (s State) declined(orderID uuid.UUID, amount money.Money, reason domain.Code) CardAuthorizationDeclined {
	return CardAuthorizationDeclined{ConsumerID: s.ConsumerID, OrderID: orderID, Amount: amount, Reason: reason}
}

func checkCharge(orderID uuid.UUID, amount money.Money) error {
	var v domain.Validator
	v.Check(orderID != uuid.Nil, "order_id", "is required")
	v.Check(amount.Cents > 0, "amount", "must be greater than 0")
	v.Check(money.ValidCurrency(amount.Currency), "amount.currency", "must be a 3-letter uppercase ISO 4217 code")
	return v.Err()
}

func mismatch(s State, amount money.Money) error {
	return domain.Errorf(domain.CodeCurrencyMismatch, "account %s is in %s, the charge in %s",
		s.ConsumerID, s.CreditLimit.Currency, amount.Currency)
}

func notFound() error { return domain.Errorf(domain.CodeAccountNotFound, "account not found") }
