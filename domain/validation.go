package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldError names one invalid input. Field is a JSON path in the API's vocabulary
// (items[2].quantity, delivery_address.zip) so a client can point at the culprit.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError reports every invalid input at once rather than the first, so a
// client fixes a form in one round trip.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return string(CodeValidationFailed) + ": " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrValidation) true for any ValidationError.
func (e *ValidationError) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == CodeValidationFailed
}

// Validator collects field errors. The zero value is ready to use:
//
//	var v domain.Validator
//	v.Check(qty >= 1, "items[0].quantity", "must be at least 1")
//	return v.Err()
type Validator struct {
	fields []FieldError
}

// Check records message against field when ok is false, and returns ok so a caller can
// skip checks that only make sense on a valid value.
func (v *Validator) Check(ok bool, field, message string) bool {
	if !ok {
		v.Add(field, message)
	}
	return ok
}

// Add records a field error unconditionally.
func (v *Validator) Add(field, message string) {
	v.fields = append(v.fields, FieldError{Field: field, Message: message})
}

// Addf records a field error with a formatted message.
func (v *Validator) Addf(field, format string, args ...any) {
	v.Add(field, fmt.Sprintf(format, args...))
}

// Failed reports whether any check failed so far.
func (v *Validator) Failed() bool { return len(v.fields) > 0 }

// Err returns a *ValidationError with every recorded field, or nil (an untyped nil,
// safe to compare with == nil) when all checks passed.
func (v *Validator) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: append([]FieldError(nil), v.fields...)}
}

// Text checks a human-entered string and returns it trimmed, which is the form worth
// storing. Lengths count characters (runes), not bytes, so "Café" is 4. Control
// characters are refused: they have no place in names or addresses and break the
// logs and UIs that display them.
func (v *Validator) Text(field, value string, minLen, maxLen int) string {
	value = strings.TrimSpace(value)
	n := utf8.RuneCountInString(value)
	switch {
	case n == 0 && minLen > 0:
		v.Add(field, "is required")
	case n < minLen:
		v.Addf(field, "must be at least %d characters", minLen)
	case n > maxLen:
		v.Addf(field, "must be at most %d characters", maxLen)
	case !utf8.ValidString(value):
		v.Add(field, "must be valid UTF-8")
	case strings.ContainsFunc(value, unicode.IsControl):
		v.Add(field, "must not contain control characters")
	case strings.ContainsFunc(value, isBidiControl):
		v.Add(field, "must not contain bidirectional control characters")
	}
	return value
}

// isBidiControl reports the characters that reorder the text displayed around them
// (U+202A to U+202E, U+2066 to U+2069, the marks): in a name or an address they can
// make a kitchen ticket or a receipt show something else than what is stored.
func isBidiControl(r rune) bool { return unicode.Is(unicode.Bidi_Control, r) }
