// Package money is an amount in integer minor units (cents) of one currency. Floats
// never appear: a total must equal the sum of its lines to the cent, and every
// operation checks for int64 overflow because prices and quantities come from clients.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/orderflow/orderflow/domain"
)

// Money is an amount of a currency, in minor units. The String form assumes two
// decimal places, which holds for the currencies the service deals in; amounts
// themselves are exact whatever the currency's exponent.
type Money struct {
	Cents    int64  `json:"cents"`
	Currency string `json:"currency"`
}

// ErrOverflow means a result does not fit in int64 cents. It is not a domain.Error
// because it is the caller who knows which input was too large.
var ErrOverflow = errors.New("money: amount out of range")

// New builds a non-negative amount of a valid currency: inputs are prices, limits and
// charges, none of which is ever negative. Differences may be negative; see Sub.
func New(cents int64, currency string) (Money, error) {
	m := Money{Cents: cents, Currency: currency}
	if err := m.Validate(); err != nil {
		return Money{}, err
	}
	return m, nil
}

// MustNew is New for constants and tests; it panics on invalid input.
func MustNew(cents int64, currency string) Money {
	m, err := New(cents, currency)
	if err != nil {
		panic(err)
	}
	return m
}

// Zero is no money in currency, the start of a sum.
func Zero(currency string) Money { return Money{Currency: currency} }

// Validate checks an amount that arrived from outside (a decoded command): a valid
// currency and non-negative cents. Failures are VALIDATION_FAILED.
func (m Money) Validate() error {
	var v domain.Validator
	v.Check(ValidCurrency(m.Currency), "currency", "must be a 3-letter uppercase ISO 4217 code")
	v.Check(m.Cents >= 0, "cents", "must not be negative")
	return v.Err()
}

// ValidCurrency reports whether c has the shape of an ISO 4217 code: three uppercase
// ASCII letters. It does not consult the list of codes, which changes over time.
func ValidCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := range 3 {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}

// Add returns m + o. Currencies must match (CURRENCY_MISMATCH) and the sum must fit.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	if (o.Cents > 0 && m.Cents > math.MaxInt64-o.Cents) || (o.Cents < 0 && m.Cents < math.MinInt64-o.Cents) {
		return Money{}, fmt.Errorf("%w: %s + %s", ErrOverflow, m, o)
	}
	return Money{Cents: m.Cents + o.Cents, Currency: m.Currency}, nil
}

// Sub returns m - o, which may be negative (a shortfall).
func (m Money) Sub(o Money) (Money, error) {
	if err := m.sameCurrency(o); err != nil {
		return Money{}, err
	}
	if (o.Cents < 0 && m.Cents > math.MaxInt64+o.Cents) || (o.Cents > 0 && m.Cents < math.MinInt64+o.Cents) {
		return Money{}, fmt.Errorf("%w: %s - %s", ErrOverflow, m, o)
	}
	return Money{Cents: m.Cents - o.Cents, Currency: m.Currency}, nil
}

// Times returns m x qty, the total of an order line.
func (m Money) Times(qty int) (Money, error) {
	q := int64(qty)
	if m.Cents != 0 && q != 0 {
		p := m.Cents * q
		// Division undoes the product exactly unless it wrapped; MinInt64 x -1 is the
		// one case division cannot detect.
		if p/q != m.Cents || (m.Cents == -1 && q == math.MinInt64) || (q == -1 && m.Cents == math.MinInt64) {
			return Money{}, fmt.Errorf("%w: %s x %d", ErrOverflow, m, qty)
		}
		return Money{Cents: p, Currency: m.Currency}, nil
	}
	return Money{Currency: m.Currency}, nil
}

// Cmp compares m with o: -1, 0 or +1. Amounts of different currencies do not compare.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency(o); err != nil {
		return 0, err
	}
	switch {
	case m.Cents < o.Cents:
		return -1, nil
	case m.Cents > o.Cents:
		return 1, nil
	}
	return 0, nil
}

// IsZero reports a zero amount, whatever the currency.
func (m Money) IsZero() bool { return m.Cents == 0 }

// String renders "12.50 EUR" (and "-0.05 EUR"): for logs and messages, never parsed.
func (m Money) String() string {
	// Split before taking the sign off: -MinInt64 does not fit in an int64, but
	// -(MinInt64/100) and -(MinInt64%100) do.
	sign, units, cents := "", m.Cents/100, m.Cents%100
	if m.Cents < 0 {
		sign, units, cents = "-", -units, -cents
	}
	frac := strconv.FormatInt(cents, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatInt(units, 10) + "." + frac + " " + m.Currency
}

// Sum adds amounts of currency; an empty list is zero.
func Sum(currency string, amounts ...Money) (Money, error) {
	total := Zero(currency)
	for _, a := range amounts {
		var err error
		if total, err = total.Add(a); err != nil {
			return Money{}, err
		}
	}
	return total, nil
}

func (m Money) sameCurrency(o Money) error {
	if m.Currency != o.Currency {
		return domain.Errorf(domain.CodeCurrencyMismatch, "%q and %q are different currencies", m.Currency, o.Currency)
	}
	return nil
}
