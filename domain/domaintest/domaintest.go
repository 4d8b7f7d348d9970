// Package domaintest holds what the tests of the domain packages share: the outcome
// a decision must have and the checks of it, and an event no context knows. It is
// imported by tests only.
package domaintest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
)

// Outcome is what a decision must return: exactly these events, and an error of this
// code ("" for none).
type Outcome struct {
	Events []event.Event
	Code   domain.Code
}

// Check fails t unless a decision that returned got and err had the outcome want.
func Check(t testing.TB, want Outcome, got []event.Event, err error) {
	t.Helper()
	if want.Code == "" {
		require.NoError(t, err)
	} else {
		require.Error(t, err)
		require.Equal(t, want.Code, domain.CodeOf(err), err.Error())
	}
	require.Equal(t, want.Events, got)
}

// FieldsOf returns the field errors of a validation error; it fails t when err is
// not one.
func FieldsOf(t testing.TB, err error) []domain.FieldError {
	t.Helper()
	var ve *domain.ValidationError
	require.ErrorAs(t, err, &ve)
	return ve.Fields
}

// Refused fails t unless err is a refusal of code that names fields: those of a
// validation error, or of a domain.Error of another code (nil fields are then not
// checked).
func Refused(t testing.TB, err error, code domain.Code, fields []domain.FieldError) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, domain.CodeOf(err), err.Error())
	switch {
	case code == domain.CodeValidationFailed:
		require.Equal(t, fields, FieldsOf(t, err))
	case fields != nil:
		var de *domain.Error
		require.True(t, errors.As(err, &de), "%v is not a *domain.Error", err)
		require.Equal(t, fields, de.Fields)
	}
}

// Foreign is an event of no context: every State's Apply ignores it.
type Foreign struct{}

func (Foreign) EventType() string  { return "SomethingElse" }
func (Foreign) SchemaVersion() int { return 1 }
