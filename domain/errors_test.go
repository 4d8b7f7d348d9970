package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
)

func TestErrorIsMatchesOnCodeWhateverTheMessage(t *testing.T) {
	err := domain.Errorf(domain.CodeConsumerSuspended, "consumer %d is suspended", 42)

	require.ErrorIs(t, err, domain.ErrConsumerSuspended)
	require.ErrorIs(t, fmt.Errorf("verify: %w", err), domain.ErrConsumerSuspended)
	require.NotErrorIs(t, err, domain.ErrConsumerNotFound)
	require.NotErrorIs(t, err, errors.New("CONSUMER_SUSPENDED"))
	require.Equal(t, "CONSUMER_SUSPENDED: consumer 42 is suspended", err.Error())
}

func TestErrorWithoutMessageIsItsCode(t *testing.T) {
	require.Equal(t, "ORDER_NOT_FOUND", (&domain.Error{Code: domain.CodeOrderNotFound}).Error())
}

func TestEverySentinelCarriesItsCode(t *testing.T) {
	sentinels := map[domain.Code]*domain.Error{
		"CONSUMER_NOT_FOUND":          domain.ErrConsumerNotFound,
		"CONSUMER_SUSPENDED":          domain.ErrConsumerSuspended,
		"CONSUMER_ALREADY_REGISTERED": domain.ErrConsumerAlreadyRegistered,
		"RESTAURANT_NOT_FOUND":        domain.ErrRestaurantNotFound,
		"RESTAURANT_CLOSED":           domain.ErrRestaurantClosed,
		"MENU_ITEM_NOT_FOUND":         domain.ErrMenuItemNotFound,
		"INSUFFICIENT_CREDIT":         domain.ErrInsufficientCredit,
		"ACCOUNT_DISABLED":            domain.ErrAccountDisabled,
		"ACCOUNT_NOT_FOUND":           domain.ErrAccountNotFound,
		"CURRENCY_MISMATCH":           domain.ErrCurrencyMismatch,
		"RESTAURANT_REJECTED":         domain.ErrRestaurantRejected,
		"RESTAURANT_TIMEOUT":          domain.ErrRestaurantTimeout,
		"CONSUMER_CANCELED":           domain.ErrConsumerCanceled,
		"ORDER_NOT_FOUND":             domain.ErrOrderNotFound,
		"INVALID_STATE_TRANSITION":    domain.ErrInvalidStateTransition,
		"TICKET_NOT_FOUND":            domain.ErrTicketNotFound,
		"TICKET_ALREADY_PICKED_UP":    domain.ErrTicketAlreadyPickedUp,
		"TICKET_NOT_REVISABLE":        domain.ErrTicketNotRevisable,
		"VALIDATION_FAILED":           domain.ErrValidation,
		"SERVICE_UNAVAILABLE":         domain.ErrServiceUnavailable,
		"WORKFLOW_CANCELED":           domain.ErrWorkflowCanceled,
	}
	require.Len(t, domain.Codes(), len(sentinels))
	for _, code := range domain.Codes() {
		s, ok := sentinels[code]
		require.True(t, ok, "no sentinel for %s", code)
		require.Equal(t, code, s.Code)
		require.ErrorIs(t, domain.Errorf(code, "x"), s)
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"domain error", domain.Errorf(domain.CodeRestaurantClosed, "closed"), domain.CodeRestaurantClosed},
		{"wrapped domain error", fmt.Errorf("price: %w", domain.Errorf(domain.CodeMenuItemNotFound, "x")), domain.CodeMenuItemNotFound},
		{"validation error", &domain.ValidationError{Fields: []domain.FieldError{{Field: "a", Message: "b"}}}, domain.CodeValidationFailed},
		{"infrastructure error", errors.New("connection refused"), ""},
		{"nil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, domain.CodeOf(tt.err))
		})
	}
}
