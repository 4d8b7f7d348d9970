// Package refusals reads a domain refusal back out of an error that crossed Temporal.
// An activity or a workflow update that refuses (a declined card, an order that
// cannot be canceled any more) fails with a non-retryable application error whose
// type is the domain code and whose details, when it has any, are the field errors;
// the workflows that run the activities and the application services that send the
// updates both need to tell such a refusal from an outage, and to get the domain
// error back.
package refusals

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/orderflow/orderflow/domain"
)

// Code returns the domain code err was refused with, or "" when it failed for
// another reason (timeout, cancellation, retries exhausted). The code is looked for
// along the whole chain of causes, so a refusal wrapped by a saga (a compensation
// that was refused) or carried out of a child workflow still tells its code.
func Code(err error) domain.Code {
	if err == nil {
		return ""
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		for _, c := range domain.Codes() {
			if string(c) == app.Type() {
				return c
			}
		}
		if code := Code(app.Unwrap()); code != "" {
			return code
		}
	}
	// One level at a time, by hand: errors.As above stops at the first application
	// error, and one without a code must not hide a refusal in another branch of a join.
	switch e := err.(type) { //nolint:errorlint // the cases are the unwrap interfaces themselves, not wrapped targets
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			if code := Code(inner); code != "" {
				return code
			}
		}
	case interface{ Unwrap() error }:
		return Code(e.Unwrap())
	}
	return ""
}

// DomainError turns a refusal back into the domain error it carried: a
// *domain.ValidationError for VALIDATION_FAILED, a *domain.Error otherwise, with the
// field errors of the application error's details. Any other error is returned as
// it is.
func DomainError(err error) error {
	code := Code(err)
	var app *temporal.ApplicationError
	if code == "" || !errors.As(err, &app) {
		return err
	}
	var fields []domain.FieldError
	if app.HasDetails() {
		_ = app.Details(&fields)
	}
	if code == domain.CodeValidationFailed {
		return &domain.ValidationError{Fields: fields}
	}
	return &domain.Error{Code: code, Message: app.Message(), Fields: fields}
}
