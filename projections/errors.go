package projections

import (
	"errors"
	"fmt"

	"github.com/orderflow/orderflow/domain"
)

var (
	// ErrNotFound means the read model has no such row (yet: reads are eventually
	// consistent, so a just-created order may not be there for a moment).
	ErrNotFound = errors.New("projections: not found")
	// ErrInvalidCursor means a pagination cursor that this package did not issue. The error
	// is also a *domain.ValidationError naming the field "cursor".
	ErrInvalidCursor = errors.New("projections: invalid cursor")
	// ErrInvalidStatus means a status filter that is not a status of the entity listed. The
	// error is also a *domain.ValidationError naming the field "status".
	ErrInvalidStatus = errors.New("projections: invalid status filter")
	// ErrVersionNotReached means WaitForOrderVersion ran out of time (its maxWait or its
	// caller's context) before the order's view reached the version asked for.
	ErrVersionNotReached = errors.New("projections: version not reached")
	// ErrUnknownProjection means Rebuild or Lag was given a name that is not in Names().
	ErrUnknownProjection = errors.New("projections: unknown projection")
	// ErrProjectionStopped means WaitForOrderVersion gave up at once because the order view
	// is stopped at an event it cannot apply; it also is ErrVersionNotReached.
	ErrProjectionStopped = errors.New("projections: the projection is stopped")
	// ErrNotUnderstood means an event of a type, or a schema version, this build does not
	// read. The projection stops at it until a build that reads it takes over.
	ErrNotUnderstood = errors.New("projections: event not understood by this build")
)

// notFound is ErrNotFound that is also the domain's not-found error of that entity
// (domain.ErrOrderNotFound, domain.ErrTicketNotFound), so the API's single mapping of
// domain errors to problem documents handles it without knowing this package.
func notFound(code domain.Code, what string, id fmt.Stringer) error {
	return fmt.Errorf("%w: %w", ErrNotFound, domain.Errorf(code, "%s %s not found", what, id))
}

// invalidCursor is ErrInvalidCursor that is also a validation failure of the "cursor"
// query parameter, for the same reason.
func invalidCursor() error {
	var v domain.Validator
	v.Add("cursor", "is not a cursor returned by this endpoint")
	return fmt.Errorf("%w: %w", ErrInvalidCursor, v.Err())
}

// invalidStatus is ErrInvalidStatus that is also a validation failure of the "status"
// query parameter.
func invalidStatus(status string, valid []string) error {
	var v domain.Validator
	v.Addf("status", "%q is not one of %v", status, valid)
	return fmt.Errorf("%w: %w", ErrInvalidStatus, v.Err())
}
