package domain

import (
	"errors"
	"fmt"
)

// Code names a business failure. Codes are part of the contract: they are stored in
// events (an order's rejection reason), used as Temporal application error types and
// rendered in the API's problem documents, so never rename one.
type Code string

// The codes of the business failures; each names the rule that refused.
const (
	CodeConsumerNotFound          Code = "CONSUMER_NOT_FOUND"
	CodeConsumerSuspended         Code = "CONSUMER_SUSPENDED"
	CodeConsumerAlreadyRegistered Code = "CONSUMER_ALREADY_REGISTERED"
	CodeRestaurantNotFound        Code = "RESTAURANT_NOT_FOUND"
	CodeRestaurantClosed          Code = "RESTAURANT_CLOSED"
	CodeMenuItemNotFound          Code = "MENU_ITEM_NOT_FOUND"
	CodeInsufficientCredit        Code = "INSUFFICIENT_CREDIT"
	CodeAccountDisabled           Code = "ACCOUNT_DISABLED"
	CodeAccountNotFound           Code = "ACCOUNT_NOT_FOUND"
	CodeCurrencyMismatch          Code = "CURRENCY_MISMATCH"
	CodeRestaurantRejected        Code = "RESTAURANT_REJECTED"
	CodeRestaurantTimeout         Code = "RESTAURANT_TIMEOUT"
	CodeConsumerCanceled          Code = "CONSUMER_CANCELED"
	CodeOrderNotFound             Code = "ORDER_NOT_FOUND"
	CodeInvalidStateTransition    Code = "INVALID_STATE_TRANSITION"
	CodeTicketNotFound            Code = "TICKET_NOT_FOUND"
	CodeTicketAlreadyPickedUp     Code = "TICKET_ALREADY_PICKED_UP"
	CodeTicketNotRevisable        Code = "TICKET_NOT_REVISABLE"
	CodeValidationFailed          Code = "VALIDATION_FAILED"
	// CodeServiceUnavailable rejects an order whose saga step kept failing for
	// reasons other than a business rule until its retries ran out.
	CodeServiceUnavailable Code = "SERVICE_UNAVAILABLE"
	// CodeWorkflowCanceled refuses a change request whose saga, or the order's
	// workflow, was canceled from Temporal before the change could take effect.
	CodeWorkflowCanceled Code = "WORKFLOW_CANCELED"
)

// Codes lists every code, for exhaustive mappings (HTTP statuses, error types).
func Codes() []Code {
	return []Code{
		CodeConsumerNotFound, CodeConsumerSuspended, CodeConsumerAlreadyRegistered,
		CodeRestaurantNotFound, CodeRestaurantClosed, CodeMenuItemNotFound,
		CodeInsufficientCredit, CodeAccountDisabled, CodeAccountNotFound, CodeCurrencyMismatch,
		CodeRestaurantRejected, CodeRestaurantTimeout, CodeConsumerCanceled,
		CodeOrderNotFound, CodeInvalidStateTransition,
		CodeTicketNotFound, CodeTicketAlreadyPickedUp, CodeTicketNotRevisable,
		CodeValidationFailed, CodeServiceUnavailable, CodeWorkflowCanceled,
	}
}

// Error is a business rule's refusal. Two Errors are the same failure when their codes
// match, whatever the message, so callers test with errors.Is(err, ErrXxx).
type Error struct {
	Code    Code
	Message string
	// Fields, when set, points at the inputs that caused the failure (for example the
	// order line whose menu item does not exist), so the API can say which one.
	Fields []FieldError
}

// Errorf builds an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Is matches any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// The sentinels exist for errors.Is; a rule returns its own Error with a precise message.
var (
	ErrConsumerNotFound          = &Error{Code: CodeConsumerNotFound, Message: "consumer not found"}
	ErrConsumerSuspended         = &Error{Code: CodeConsumerSuspended, Message: "consumer is suspended"}
	ErrConsumerAlreadyRegistered = &Error{Code: CodeConsumerAlreadyRegistered, Message: "consumer is already registered"}
	ErrRestaurantNotFound        = &Error{Code: CodeRestaurantNotFound, Message: "restaurant not found"}
	ErrRestaurantClosed          = &Error{Code: CodeRestaurantClosed, Message: "restaurant is closed"}
	ErrMenuItemNotFound          = &Error{Code: CodeMenuItemNotFound, Message: "menu item not found"}
	ErrInsufficientCredit        = &Error{Code: CodeInsufficientCredit, Message: "insufficient credit"}
	ErrAccountDisabled           = &Error{Code: CodeAccountDisabled, Message: "account is disabled"}
	ErrAccountNotFound           = &Error{Code: CodeAccountNotFound, Message: "account not found"}
	ErrCurrencyMismatch          = &Error{Code: CodeCurrencyMismatch, Message: "currency mismatch"}
	ErrRestaurantRejected        = &Error{Code: CodeRestaurantRejected, Message: "restaurant rejected the order"}
	ErrRestaurantTimeout         = &Error{Code: CodeRestaurantTimeout, Message: "restaurant did not answer in time"}
	ErrConsumerCanceled          = &Error{Code: CodeConsumerCanceled, Message: "consumer canceled the order"}
	ErrOrderNotFound             = &Error{Code: CodeOrderNotFound, Message: "order not found"}
	ErrInvalidStateTransition    = &Error{Code: CodeInvalidStateTransition, Message: "invalid state transition"}
	ErrTicketNotFound            = &Error{Code: CodeTicketNotFound, Message: "ticket not found"}
	ErrTicketAlreadyPickedUp     = &Error{Code: CodeTicketAlreadyPickedUp, Message: "ticket already picked up"}
	ErrTicketNotRevisable        = &Error{Code: CodeTicketNotRevisable, Message: "ticket can no longer be revised"}
	ErrValidation                = &Error{Code: CodeValidationFailed, Message: "validation failed"}
	ErrServiceUnavailable        = &Error{Code: CodeServiceUnavailable, Message: "a service the saga needs was unavailable"}
	ErrWorkflowCanceled          = &Error{Code: CodeWorkflowCanceled, Message: "the order's workflow was canceled"}
)

// CodeOf returns the business code carried by err (a *ValidationError counts as
// VALIDATION_FAILED), or "" when err is not a business error: the caller then treats
// it as an infrastructure failure worth retrying.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return CodeValidationFailed
	}
	return ""
}
