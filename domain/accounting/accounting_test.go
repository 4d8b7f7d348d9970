package accounting_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/domaintest"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

var (
	consumerID = uuid.MustParse("11111111-1111-4111-8111-111111111111")
	order1     = uuid.MustParse("22222222-2222-4222-8222-222222222222")
	order2     = uuid.MustParse("33333333-3333-4333-8333-333333333333")

	opened     = accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: eur(10000), CardLast4: "4242"}
	disabled   = accounting.AccountDisabled{ConsumerID: consumerID, Reason: "chargeback"}
	enabled    = accounting.AccountEnabled{ConsumerID: consumerID}
	authorized = accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: order1, Amount: eur(3000)}
	reversed   = accounting.CardTransactionReversed{ConsumerID: consumerID, OrderID: order1, Amount: eur(3000)}
)

func eur(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }

func authorize(o uuid.UUID, c int64) accounting.CreditCardAuthorized {
	return accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: o, Amount: eur(c)}
}

func declined(o uuid.UUID, c int64, reason domain.Code) accounting.CardAuthorizationDeclined {
	return accounting.CardAuthorizationDeclined{ConsumerID: consumerID, OrderID: o, Amount: eur(c), Reason: reason}
}

func revisedTo(oldC, newC int64) accounting.CardTransactionRevised {
	return accounting.CardTransactionRevised{ConsumerID: consumerID, OrderID: order1, OldAmount: eur(oldC), NewAmount: eur(newC)}
}

func TestStreamName(t *testing.T) {
	require.Equal(t, "account-11111111-1111-4111-8111-111111111111", accounting.StreamName(consumerID))
	require.Equal(t, "account", accounting.Category)
}

func TestFold(t *testing.T) {
	base := accounting.State{ConsumerID: consumerID, Opened: true, CreditLimit: eur(10000), CardLast4: "4242", Enabled: true}
	with := func(edit func(*accounting.State)) accounting.State { s := base; edit(&s); return s }
	tests := []struct {
		name    string
		history []event.Event
		want    accounting.State
		avail   int64
	}{
		{"nothing", nil, accounting.State{}, 0},
		{"opened", []event.Event{opened}, base, 10000},
		{"disabled", []event.Event{opened, disabled},
			with(func(s *accounting.State) { s.Enabled, s.DisabledReason = false, "chargeback" }), 10000},
		{"enabled again", []event.Event{opened, disabled, enabled}, base, 10000},
		{"authorized", []event.Event{opened, authorized},
			with(func(s *accounting.State) { s.Holds = map[uuid.UUID]money.Money{order1: eur(3000)} }), 7000},
		{"two holds", []event.Event{opened, authorized, authorize(order2, 500)},
			with(func(s *accounting.State) { s.Holds = map[uuid.UUID]money.Money{order1: eur(3000), order2: eur(500)} }), 6500},
		{"declined changes nothing", []event.Event{opened, declined(order1, 99999, domain.CodeInsufficientCredit)}, base, 10000},
		{"revised", []event.Event{opened, authorized, revisedTo(3000, 4500)},
			with(func(s *accounting.State) { s.Holds = map[uuid.UUID]money.Money{order1: eur(4500)} }), 5500},
		{"reversed", []event.Event{opened, authorized, reversed},
			with(func(s *accounting.State) { s.Holds = map[uuid.UUID]money.Money{} }), 10000},
		{"foreign event ignored", []event.Event{opened, domaintest.Foreign{}}, base, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := accounting.Fold(tt.history...)
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.avail, got.Available().Cents)
			if got.Opened {
				require.Equal(t, eur(10000-tt.avail), got.Held(), "what is not available is held")
			}
		})
	}
}

func TestAvailableSaturatesInsteadOfWrapping(t *testing.T) {
	s := accounting.Fold(
		accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: eur(0), CardLast4: "4242"},
		authorize(order1, math.MaxInt64), authorize(order2, math.MaxInt64),
	)
	require.Equal(t, eur(math.MinInt64), s.Available())
	require.Equal(t, eur(math.MaxInt64), s.Held())
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		limit   money.Money
		last4   string
		want    domaintest.Outcome
	}{
		{"new account", nil, eur(10000), "4242", domaintest.Outcome{Events: []event.Event{opened}}},
		{"zero limit", nil, eur(0), "0000", domaintest.Outcome{Events: []event.Event{
			accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: eur(0), CardLast4: "0000"}}}},
		{"same again", []event.Event{opened}, eur(10000), "4242", domaintest.Outcome{}},
		{"other terms", []event.Event{opened}, eur(20000), "4242", domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
		{"negative limit", nil, eur(-1), "4242", domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"bad currency", nil, money.Money{Cents: 1, Currency: "euro"}, "4242", domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"bad card", nil, eur(1), "42a2", domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"short card", nil, eur(1), "424", domaintest.Outcome{Code: domain.CodeValidationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := accounting.Open(accounting.Fold(tt.history...), consumerID, tt.limit, tt.last4)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestOpenReportsEveryField(t *testing.T) {
	_, err := accounting.Open(accounting.State{}, uuid.Nil, money.Money{Cents: -1}, "")
	var ve *domain.ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, []domain.FieldError{
		{Field: "consumer_id", Message: "is required"},
		{Field: "credit_limit_cents", Message: "must not be negative"},
		{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"},
		{Field: "card_last4", Message: "must be 4 digits"},
	}, ve.Fields)
}

func TestDisableAndEnable(t *testing.T) {
	tests := []struct {
		name    string
		decide  func(accounting.State) ([]event.Event, error)
		history []event.Event
		want    domaintest.Outcome
	}{
		{"disable enabled", func(s accounting.State) ([]event.Event, error) { return accounting.Disable(s, " chargeback ") },
			[]event.Event{opened}, domaintest.Outcome{Events: []event.Event{disabled}}},
		{"disable disabled", func(s accounting.State) ([]event.Event, error) { return accounting.Disable(s, "x") },
			[]event.Event{opened, disabled}, domaintest.Outcome{}},
		{"disable nothing", func(s accounting.State) ([]event.Event, error) { return accounting.Disable(s, "x") },
			nil, domaintest.Outcome{Code: domain.CodeAccountNotFound}},
		{"disable with a long reason", func(s accounting.State) ([]event.Event, error) {
			return accounting.Disable(s, strings.Repeat("x", 501))
		},
			[]event.Event{opened}, domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"enable disabled", accounting.Enable, []event.Event{opened, disabled}, domaintest.Outcome{Events: []event.Event{enabled}}},
		{"enable enabled", accounting.Enable, []event.Event{opened}, domaintest.Outcome{}},
		{"enable nothing", accounting.Enable, nil, domaintest.Outcome{Code: domain.CodeAccountNotFound}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.decide(accounting.Fold(tt.history...))
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		order   uuid.UUID
		amount  money.Money
		want    domaintest.Outcome
	}{
		{"within limit", []event.Event{opened}, order1, eur(3000), domaintest.Outcome{Events: []event.Event{authorized}}},
		{"exactly the available credit", []event.Event{opened, authorize(order2, 7000)}, order1, eur(3000),
			domaintest.Outcome{Events: []event.Event{authorized}}},
		{"one cent over", []event.Event{opened, authorize(order2, 7000)}, order1, eur(3001), domaintest.Outcome{
			Events: []event.Event{declined(order1, 3001, domain.CodeInsufficientCredit)}, Code: domain.CodeInsufficientCredit}},
		{"over the limit", []event.Event{opened}, order1, eur(10001), domaintest.Outcome{
			Events: []event.Event{declined(order1, 10001, domain.CodeInsufficientCredit)}, Code: domain.CodeInsufficientCredit}},
		{"released credit is available again", []event.Event{opened, authorize(order2, 10000),
			accounting.CardTransactionReversed{ConsumerID: consumerID, OrderID: order2, Amount: eur(10000)}},
			order1, eur(3000), domaintest.Outcome{Events: []event.Event{authorized}}},
		{"disabled", []event.Event{opened, disabled}, order1, eur(1), domaintest.Outcome{
			Events: []event.Event{declined(order1, 1, domain.CodeAccountDisabled)}, Code: domain.CodeAccountDisabled}},
		{"disabled wins over insufficient credit", []event.Event{opened, disabled}, order1, eur(999999), domaintest.Outcome{
			Events: []event.Event{declined(order1, 999999, domain.CodeAccountDisabled)}, Code: domain.CodeAccountDisabled}},
		{"re-enabled", []event.Event{opened, disabled, enabled}, order1, eur(3000), domaintest.Outcome{Events: []event.Event{authorized}}},
		{"no account", nil, order1, eur(1), domaintest.Outcome{Code: domain.CodeAccountNotFound}},
		{"other currency", []event.Event{opened}, order1, money.Money{Cents: 1, Currency: "USD"}, domaintest.Outcome{Code: domain.CodeCurrencyMismatch}},
		{"retry after success", []event.Event{opened, authorized}, order1, eur(3000), domaintest.Outcome{}},
		{"retry after success, disabled since", []event.Event{opened, authorized, disabled}, order1, eur(3000), domaintest.Outcome{}},
		{"another amount for the same order", []event.Event{opened, authorized}, order1, eur(3100),
			domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
		{"again after a reversal", []event.Event{opened, authorized, reversed}, order1, eur(3000),
			domaintest.Outcome{Events: []event.Event{authorized}}},
		{"zero amount", []event.Event{opened}, order1, eur(0), domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"negative amount", []event.Event{opened}, order1, eur(-5), domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"invalid currency", []event.Event{opened}, order1, money.Money{Cents: 5}, domaintest.Outcome{Code: domain.CodeValidationFailed}},
		{"no order", []event.Event{opened}, uuid.Nil, eur(5), domaintest.Outcome{Code: domain.CodeValidationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := accounting.Authorize(accounting.Fold(tt.history...), tt.order, tt.amount)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestDeclineErrorsMatchTheirSentinels(t *testing.T) {
	_, err := accounting.Authorize(accounting.Fold(opened), order1, eur(10001))
	require.ErrorIs(t, err, domain.ErrInsufficientCredit)
	_, err = accounting.Authorize(accounting.Fold(opened, disabled), order1, eur(1))
	require.ErrorIs(t, err, domain.ErrAccountDisabled)
}

func TestReverse(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		want    domaintest.Outcome
	}{
		{"held", []event.Event{opened, authorized}, domaintest.Outcome{Events: []event.Event{reversed}}},
		{"reverses the revised amount", []event.Event{opened, authorized, revisedTo(3000, 1000)}, domaintest.Outcome{Events: []event.Event{
			accounting.CardTransactionReversed{ConsumerID: consumerID, OrderID: order1, Amount: eur(1000)}}}},
		{"held while disabled", []event.Event{opened, authorized, disabled}, domaintest.Outcome{Events: []event.Event{reversed}}},
		{"never authorized", []event.Event{opened}, domaintest.Outcome{}},
		{"declined only", []event.Event{opened, declined(order1, 99999, domain.CodeInsufficientCredit)}, domaintest.Outcome{}},
		{"already reversed", []event.Event{opened, authorized, reversed}, domaintest.Outcome{}},
		{"other order held", []event.Event{opened, authorize(order2, 100)}, domaintest.Outcome{}},
		{"no account", nil, domaintest.Outcome{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := accounting.Reverse(accounting.Fold(tt.history...), order1)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestRevise(t *testing.T) {
	tests := []struct {
		name    string
		history []event.Event
		amount  money.Money
		want    domaintest.Outcome
	}{
		{"increase within credit", []event.Event{opened, authorized}, eur(10000), domaintest.Outcome{Events: []event.Event{revisedTo(3000, 10000)}}},
		{"increase beyond credit", []event.Event{opened, authorized}, eur(10001), domaintest.Outcome{
			Events: []event.Event{declined(order1, 10001, domain.CodeInsufficientCredit)}, Code: domain.CodeInsufficientCredit}},
		{"increase counts other holds", []event.Event{opened, authorized, authorize(order2, 6000)}, eur(4001), domaintest.Outcome{
			Events: []event.Event{declined(order1, 4001, domain.CodeInsufficientCredit)}, Code: domain.CodeInsufficientCredit}},
		{"decrease", []event.Event{opened, authorized}, eur(1000), domaintest.Outcome{Events: []event.Event{revisedTo(3000, 1000)}}},
		{"decrease while disabled", []event.Event{opened, authorized, disabled}, eur(1000), domaintest.Outcome{Events: []event.Event{revisedTo(3000, 1000)}}},
		{"increase while disabled", []event.Event{opened, authorized, disabled}, eur(3001), domaintest.Outcome{
			Events: []event.Event{declined(order1, 3001, domain.CodeAccountDisabled)}, Code: domain.CodeAccountDisabled}},
		{"same amount", []event.Event{opened, authorized}, eur(3000), domaintest.Outcome{}},
		{"retry after success", []event.Event{opened, authorized, revisedTo(3000, 4000)}, eur(4000), domaintest.Outcome{}},
		{"no hold", []event.Event{opened}, eur(3000), domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
		{"reversed hold", []event.Event{opened, authorized, reversed}, eur(3000), domaintest.Outcome{Code: domain.CodeInvalidStateTransition}},
		{"no account", nil, eur(3000), domaintest.Outcome{Code: domain.CodeAccountNotFound}},
		{"other currency", []event.Event{opened, authorized}, money.Money{Cents: 3000, Currency: "USD"}, domaintest.Outcome{Code: domain.CodeCurrencyMismatch}},
		{"zero", []event.Event{opened, authorized}, eur(0), domaintest.Outcome{Code: domain.CodeValidationFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := accounting.Revise(accounting.Fold(tt.history...), order1, tt.amount)
			domaintest.Check(t, tt.want, got, err)
		})
	}
}

func TestStateCopiesDoNotChangeWhenDecisionsRun(t *testing.T) {
	s := accounting.Fold(opened, authorized)
	_, _ = accounting.Reverse(s, order1)
	_, _ = accounting.Revise(s, order1, eur(5000))
	_, _ = accounting.Authorize(s, order2, eur(100))
	held, ok := s.Hold(order1)
	require.True(t, ok)
	require.Equal(t, eur(3000), held)
	require.Len(t, s.Holds, 1)
}

// The revise saga's compensation lowers a raised hold back (RestoreCardHold), and a
// cut lowers the hold after the point of no return: lowering is never declined, not
// with the credit taken by other orders, not with the account disabled.
func TestLoweringAHoldIsNeverDeclined(t *testing.T) {
	for name, history := range map[string][]event.Event{
		"credit all taken":         {opened, authorize(order1, 4000), authorize(order2, 6000)},
		"account disabled":         {opened, authorize(order1, 4000), disabled},
		"raised, then credit gone": {opened, authorized, revisedTo(3000, 4000), authorize(order2, 6000)},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := accounting.Revise(accounting.Fold(history...), order1, eur(3000))
			require.NoError(t, err)
			require.Len(t, got, 1)
		})
	}
}

// Reversing (the create saga's compensation, the cancel saga's step past its point of
// no return) is never refused: there is a hold to release, or nothing to do.
func TestReversingIsNeverRefused(t *testing.T) {
	for name, history := range map[string][]event.Event{
		"held":             {opened, authorized},
		"held, disabled":   {opened, authorized, disabled},
		"never authorized": {opened},
		"declined":         {opened, declined(order1, 3000, domain.CodeInsufficientCredit)},
		"already reversed": {opened, authorized, reversed},
		"no account":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := accounting.Reverse(accounting.Fold(history...), order1)
			require.NoError(t, err)
		})
	}
}

// A declined authorization is a fact that answers a retried step: its refusal carries
// the code it was declined with.
func TestDeclineStatesItsRefusal(t *testing.T) {
	var refusal event.Refusal = declined(order1, 3000, domain.CodeAccountDisabled)
	require.ErrorIs(t, refusal.Refused(), domain.ErrAccountDisabled)
}
