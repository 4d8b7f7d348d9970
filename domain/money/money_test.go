package money_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
)

func eur(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }

func TestNew(t *testing.T) {
	tests := []struct {
		name     string
		cents    int64
		currency string
		fields   []domain.FieldError
	}{
		{"valid", 1250, "EUR", nil},
		{"zero", 0, "USD", nil},
		{"max", math.MaxInt64, "JPY", nil},
		{"negative", -1, "EUR", []domain.FieldError{{Field: "cents", Message: "must not be negative"}}},
		{"lowercase", 1, "eur", []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
		{"too short", 1, "EU", []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
		{"too long", 1, "EURO", []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
		{"non-ascii", 1, "ÉUR", []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
		{"digit", 1, "EU1", []domain.FieldError{{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"}}},
		{"empty and negative", -5, "", []domain.FieldError{
			{Field: "currency", Message: "must be a 3-letter uppercase ISO 4217 code"},
			{Field: "cents", Message: "must not be negative"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := money.New(tt.cents, tt.currency)
			if tt.fields == nil {
				require.NoError(t, err)
				require.Equal(t, money.Money{Cents: tt.cents, Currency: tt.currency}, m)
				return
			}
			var ve *domain.ValidationError
			require.ErrorAs(t, err, &ve)
			require.Equal(t, tt.fields, ve.Fields)
			require.Equal(t, money.Money{}, m)
		})
	}
}

func TestMustNewPanicsOnInvalidInput(t *testing.T) {
	require.Equal(t, eur(5), money.MustNew(5, "EUR"))
	require.Panics(t, func() { money.MustNew(-1, "EUR") })
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name     string
		a, b     money.Money
		want     money.Money
		overflow bool
		code     domain.Code
	}{
		{"simple", eur(1250), eur(50), eur(1300), false, ""},
		{"negative operand", eur(100), eur(-150), eur(-50), false, ""},
		{"up to max", eur(math.MaxInt64 - 1), eur(1), eur(math.MaxInt64), false, ""},
		{"overflow", eur(math.MaxInt64), eur(1), money.Money{}, true, ""},
		{"underflow", eur(math.MinInt64), eur(-1), money.Money{}, true, ""},
		{"mismatch", eur(1), money.Money{Cents: 1, Currency: "USD"}, money.Money{}, false, domain.CodeCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Add(tt.b)
			checkResult(t, got, err, tt.want, tt.overflow, tt.code)
		})
	}
}

func TestSub(t *testing.T) {
	tests := []struct {
		name     string
		a, b     money.Money
		want     money.Money
		overflow bool
		code     domain.Code
	}{
		{"simple", eur(1300), eur(50), eur(1250), false, ""},
		{"may go negative", eur(100), eur(150), eur(-50), false, ""},
		{"down to min", eur(math.MinInt64 + 1), eur(1), eur(math.MinInt64), false, ""},
		{"underflow", eur(math.MinInt64), eur(1), money.Money{}, true, ""},
		{"overflow", eur(math.MaxInt64), eur(-1), money.Money{}, true, ""},
		{"zero minus min overflows", eur(0), eur(math.MinInt64), money.Money{}, true, ""},
		{"mismatch", eur(1), money.Money{Cents: 1, Currency: "USD"}, money.Money{}, false, domain.CodeCurrencyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Sub(tt.b)
			checkResult(t, got, err, tt.want, tt.overflow, tt.code)
		})
	}
}

func TestTimes(t *testing.T) {
	tests := []struct {
		name     string
		m        money.Money
		qty      int
		want     money.Money
		overflow bool
	}{
		{"line total", eur(1250), 3, eur(3750), false},
		{"zero quantity", eur(1250), 0, eur(0), false},
		{"zero amount", eur(0), math.MaxInt, eur(0), false},
		{"one", eur(math.MaxInt64), 1, eur(math.MaxInt64), false},
		{"overflow", eur(math.MaxInt64/2 + 1), 2, money.Money{}, true},
		{"large overflow", eur(math.MaxInt64), 99, money.Money{}, true},
		{"min times minus one", eur(math.MinInt64), -1, money.Money{}, true},
		{"minus one times min", eur(-1), math.MinInt, money.Money{}, true},
		{"negative", eur(-5), 3, eur(-15), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.m.Times(tt.qty)
			checkResult(t, got, err, tt.want, tt.overflow, "")
		})
	}
}

func checkResult(t *testing.T, got money.Money, err error, want money.Money, overflow bool, code domain.Code) {
	t.Helper()
	switch {
	case overflow:
		require.ErrorIs(t, err, money.ErrOverflow)
		require.Equal(t, domain.Code(""), domain.CodeOf(err))
	case code != "":
		require.ErrorIs(t, err, domain.ErrCurrencyMismatch)
		require.Equal(t, code, domain.CodeOf(err))
	default:
		require.NoError(t, err)
	}
	require.Equal(t, want, got)
}

func TestCmp(t *testing.T) {
	c, err := eur(1).Cmp(eur(2))
	require.NoError(t, err)
	require.Equal(t, -1, c)
	c, err = eur(2).Cmp(eur(2))
	require.NoError(t, err)
	require.Equal(t, 0, c)
	c, err = eur(3).Cmp(eur(2))
	require.NoError(t, err)
	require.Equal(t, 1, c)
	_, err = eur(3).Cmp(money.Money{Cents: 3, Currency: "USD"})
	require.ErrorIs(t, err, domain.ErrCurrencyMismatch)
}

func TestSum(t *testing.T) {
	got, err := money.Sum("EUR")
	require.NoError(t, err)
	require.Equal(t, money.Zero("EUR"), got)

	got, err = money.Sum("EUR", eur(100), eur(250), eur(5))
	require.NoError(t, err)
	require.Equal(t, eur(355), got)

	_, err = money.Sum("EUR", eur(1), money.Money{Cents: 1, Currency: "USD"})
	require.ErrorIs(t, err, domain.ErrCurrencyMismatch)

	_, err = money.Sum("EUR", eur(math.MaxInt64), eur(1))
	require.ErrorIs(t, err, money.ErrOverflow)
}

func TestIsZero(t *testing.T) {
	require.True(t, money.Money{}.IsZero())
	require.True(t, eur(0).IsZero())
	require.False(t, eur(1).IsZero())
	require.False(t, eur(-1).IsZero())
}

func TestString(t *testing.T) {
	tests := []struct {
		m    money.Money
		want string
	}{
		{eur(1250), "12.50 EUR"},
		{eur(5), "0.05 EUR"},
		{eur(0), "0.00 EUR"},
		{eur(100), "1.00 EUR"},
		{eur(-5), "-0.05 EUR"},
		{eur(-123456), "-1234.56 EUR"},
		{eur(math.MaxInt64), "92233720368547758.07 EUR"},
		{eur(math.MinInt64), "-92233720368547758.08 EUR"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.m.String())
	}
}

func TestJSONShape(t *testing.T) {
	data, err := json.Marshal(eur(1250))
	require.NoError(t, err)
	require.JSONEq(t, `{"cents":1250,"currency":"EUR"}`, string(data))

	var m money.Money
	require.NoError(t, json.Unmarshal(data, &m))
	require.Equal(t, eur(1250), m)
}
