package eventstore

import (
	"errors"
	"fmt"
)

var (
	// ErrStreamNotFound means the stream has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrDuplicateEventID means an event id is already stored as a different event, or
	// appears twice in one batch. A retry of the very same append is not an error.
	ErrDuplicateEventID = errors.New("eventstore: event id already used for another event")
	// ErrInvalidInput means the append or read was refused before anything was written.
	ErrInvalidInput = errors.New("eventstore: invalid input")
)

// WrongExpectedVersionError reports an optimistic concurrency conflict: the stream
// moved on since the writer read it. errors.Is(err, ErrWrongExpectedVersion) is true.
type WrongExpectedVersionError struct {
	Stream   string
	Expected ExpectedVersion
	Actual   int64
}

// ErrWrongExpectedVersion matches any *WrongExpectedVersionError with errors.Is.
var ErrWrongExpectedVersion = errors.New("eventstore: wrong expected version")

func (e *WrongExpectedVersionError) Error() string {
	return fmt.Sprintf("eventstore: wrong expected version for stream %q: expected %s, actual version %d",
		e.Stream, e.Expected, e.Actual)
}

func (e *WrongExpectedVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}
