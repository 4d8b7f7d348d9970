package refusals_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/internal/refusals"
)

// acrossTemporal is err as the other side of Temporal sees it: encoded as a failure
// and decoded again by the SDK's default failure converter.
func acrossTemporal(err error) error {
	fc := temporal.GetDefaultFailureConverter()
	return fc.FailureToError(fc.ErrorToFailure(err))
}

func TestCodeFindsTheRefusalAlongTheChainOfCauses(t *testing.T) {
	refused := temporal.NewNonRetryableApplicationError("no credit", string(domain.CodeInsufficientCredit), nil)
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"nil", nil, ""},
		{"a refusal", refused, domain.CodeInsufficientCredit},
		{"a refusal across Temporal", acrossTemporal(refused), domain.CodeInsufficientCredit},
		{"wrapped", fmt.Errorf("compensate: %w", refused), domain.CodeInsufficientCredit},
		{"joined after an outage", errors.Join(context.DeadlineExceeded, refused), domain.CodeInsufficientCredit},
		{"the cause of another application error", acrossTemporal(
			temporal.NewApplicationErrorWithCause("child failed", "ChildWorkflowFailed", refused)), domain.CodeInsufficientCredit},
		{"an application error of another type", temporal.NewApplicationError("boom", "PanicError"), ""},
		{"a timeout", temporal.NewTimeoutError(0, nil), ""},
		{"a plain error", errors.New("connection refused"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, refusals.Code(tt.err))
		})
	}
}

func TestDomainErrorGivesBackWhatWasRefused(t *testing.T) {
	fields := []domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}

	validation := acrossTemporal(temporal.NewNonRetryableApplicationError("invalid", string(domain.CodeValidationFailed), nil, fields))
	var ve *domain.ValidationError
	require.ErrorAs(t, refusals.DomainError(validation), &ve)
	require.Equal(t, fields, ve.Fields)

	late := acrossTemporal(temporal.NewNonRetryableApplicationError("the food was picked up",
		string(domain.CodeTicketAlreadyPickedUp), nil))
	require.Equal(t, &domain.Error{Code: domain.CodeTicketAlreadyPickedUp, Message: "the food was picked up"},
		refusals.DomainError(late))

	outage := acrossTemporal(temporal.NewApplicationError("boom", "PanicError"))
	require.Same(t, outage, refusals.DomainError(outage), "not a refusal: returned as it is")
	require.NoError(t, refusals.DomainError(nil))
}
