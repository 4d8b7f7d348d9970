package eventstore

import "fmt"

// ExpectedVersion states what the writer believes about the stream it appends to.
// Stream versions count events: a stream's first event is at position 1, and a stream
// that does not exist has version 0.
type ExpectedVersion struct{ v int64 }

const (
	anyVersion   = -2
	streamExists = -1
)

// Any appends whatever the stream's version.
func Any() ExpectedVersion { return ExpectedVersion{anyVersion} }

// NoStream appends only if the stream has no events yet.
func NoStream() ExpectedVersion { return ExpectedVersion{0} }

// StreamExists appends only if the stream has at least one event.
func StreamExists() ExpectedVersion { return ExpectedVersion{streamExists} }

// Exact appends only if the stream's version is exactly n (0 is the same as NoStream).
func Exact(n int64) ExpectedVersion {
	if n < 0 {
		panic(fmt.Sprintf("eventstore: Exact(%d): a version is never negative", n))
	}
	return ExpectedVersion{n}
}

// allows reports whether a stream at version may be appended to by a writer expecting e.
func (e ExpectedVersion) allows(version int64) bool {
	return e.v == anyVersion || (e.v == streamExists && version > 0) || version == e.v
}

func (e ExpectedVersion) String() string {
	switch e.v {
	case anyVersion:
		return "any"
	case streamExists:
		return "stream exists"
	case 0:
		return "no stream"
	default:
		return fmt.Sprintf("version %d", e.v)
	}
}
