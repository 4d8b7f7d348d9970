package accounting

import (
	"math"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// State is an account rebuilt from its stream. Copies share the holds map, so Apply
// to one copy only; the decisions never modify the state they get.
type State struct {
	ConsumerID     uuid.UUID
	Opened         bool
	CreditLimit    money.Money
	CardLast4      string
	Enabled        bool
	DisabledReason string
	// Holds is the amount held per order, until reversed.
	Holds map[uuid.UUID]money.Money
}

// Hold returns the amount held for orderID.
func (s State) Hold(orderID uuid.UUID) (money.Money, bool) {
	m, ok := s.Holds[orderID]
	return m, ok
}

// Held is the sum of every hold, in the account's currency. Decisions keep it within
// the credit limit; the sum saturates rather than wraps should history ever say
// otherwise.
func (s State) Held() money.Money {
	var held int64
	for _, h := range s.Holds {
		if h.Cents > 0 && held > math.MaxInt64-h.Cents {
			held = math.MaxInt64
			continue
		}
		held += h.Cents
	}
	return money.Money{Cents: held, Currency: s.CreditLimit.Currency}
}

// Available is the credit limit minus every hold. Decisions keep holds within the
// limit, so it is never negative in practice; the arithmetic saturates rather than
// wraps should history ever say otherwise.
func (s State) Available() money.Money {
	avail := s.CreditLimit.Cents
	for _, h := range s.Holds {
		if h.Cents > 0 && avail < math.MinInt64+h.Cents {
			avail = math.MinInt64
			continue
		}
		avail -= h.Cents
	}
	return money.Money{Cents: avail, Currency: s.CreditLimit.Currency}
}

// Fold rebuilds an account from its events, oldest first (see event.Fold).
func Fold(events ...event.Event) State { return event.Fold[State](events...) }

// Apply folds one event into the state; events it does not know are ignored.
func (s *State) Apply(e event.Event) {
	switch e := e.(type) {
	case AccountOpened:
		s.ConsumerID, s.Opened, s.Enabled = e.ConsumerID, true, true
		s.CreditLimit, s.CardLast4 = e.CreditLimit, e.CardLast4
	case AccountDisabled:
		s.Enabled, s.DisabledReason = false, e.Reason
	case AccountEnabled:
		s.Enabled, s.DisabledReason = true, ""
	case CreditCardAuthorized:
		s.setHold(e.OrderID, e.Amount)
	case CardTransactionRevised:
		s.setHold(e.OrderID, e.NewAmount)
	case CardTransactionReversed:
		delete(s.Holds, e.OrderID)
	case CardAuthorizationDeclined:
		// A decline leaves balances as they were.
	}
}

func (s *State) setHold(orderID uuid.UUID, amount money.Money) {
	if s.Holds == nil {
		s.Holds = make(map[uuid.UUID]money.Money)
	}
	s.Holds[orderID] = amount
}
