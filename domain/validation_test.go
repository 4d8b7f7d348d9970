package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
)

func TestValidatorWithoutFailuresReturnsUntypedNil(t *testing.T) {
	var v domain.Validator
	require.True(t, v.Check(true, "name", "is required"))
	require.False(t, v.Failed())
	err := v.Err()
	require.NoError(t, err)
	require.True(t, err == nil, "a typed nil would make err != nil")
}

func TestValidatorCollectsEveryFieldInOrder(t *testing.T) {
	var v domain.Validator
	require.False(t, v.Check(false, "items[2].quantity", "must be between 1 and 99"))
	v.Addf("delivery_address.zip", "must be at most %d characters", 20)

	err := v.Err()
	require.ErrorIs(t, err, domain.ErrValidation)
	require.Equal(t, domain.CodeValidationFailed, domain.CodeOf(err))
	var ve *domain.ValidationError
	require.True(t, errors.As(err, &ve))
	require.Equal(t, []domain.FieldError{
		{Field: "items[2].quantity", Message: "must be between 1 and 99"},
		{Field: "delivery_address.zip", Message: "must be at most 20 characters"},
	}, ve.Fields)
	require.Equal(t, "VALIDATION_FAILED: items[2].quantity: must be between 1 and 99; delivery_address.zip: must be at most 20 characters", err.Error())
}

func TestValidatorErrIsASnapshot(t *testing.T) {
	var v domain.Validator
	v.Add("a", "bad")
	err := v.Err()
	v.Add("b", "bad")
	var ve *domain.ValidationError
	require.True(t, errors.As(err, &ve))
	require.Len(t, ve.Fields, 1)
}

func TestValidationErrorIsNotAnotherCode(t *testing.T) {
	err := &domain.ValidationError{}
	require.NotErrorIs(t, err, domain.ErrConsumerNotFound)
}

func TestValidatorText(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		min, max int
		want     string
		message  string // "" when valid
	}{
		{"trimmed", "  Ann  ", 1, 10, "Ann", ""},
		{"required", "   ", 1, 10, "", "is required"},
		{"optional empty", "", 0, 10, "", ""},
		{"too short", "ab", 3, 10, "ab", "must be at least 3 characters"},
		{"counts characters not bytes", "Café", 1, 4, "Café", ""},
		{"too long", strings.Repeat("é", 5), 1, 4, strings.Repeat("é", 5), "must be at most 4 characters"},
		{"control character", "Ann\x00", 1, 10, "Ann\x00", "must not contain control characters"},
		{"newline inside", "a\nb", 1, 10, "a\nb", "must not contain control characters"},
		{"right-to-left override", "Pizza \u202egnp.exe", 1, 20, "Pizza \u202egnp.exe", "must not contain bidirectional control characters"},
		{"right-to-left isolate", "Main St \u2067", 1, 20, "Main St \u2067", "must not contain bidirectional control characters"},
		{"right-to-left mark", "\u200fSushi", 1, 20, "\u200fSushi", "must not contain bidirectional control characters"},
		{"invalid utf-8", "a\xffb", 1, 10, "a\xffb", "must be valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.Validator
			got := v.Text("name", tt.in, tt.min, tt.max)
			require.Equal(t, tt.want, got)
			if tt.message == "" {
				require.NoError(t, v.Err())
				return
			}
			var ve *domain.ValidationError
			require.True(t, errors.As(v.Err(), &ve))
			require.Equal(t, []domain.FieldError{{Field: "name", Message: tt.message}}, ve.Fields)
		})
	}
}
