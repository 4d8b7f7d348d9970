package eventstore

import "fmt"

// Checkpoint is a place in the log's commit order: just after the event with this
// transaction id and global position. The zero Checkpoint is the start of the log.
type Checkpoint struct {
	TransactionID  uint64
	GlobalPosition int64
}

// Before reports whether c comes before other in commit order.
func (c Checkpoint) Before(other Checkpoint) bool {
	if c.TransactionID != other.TransactionID {
		return c.TransactionID < other.TransactionID
	}
	return c.GlobalPosition < other.GlobalPosition
}

func (c Checkpoint) String() string {
	return fmt.Sprintf("%d/%d", c.TransactionID, c.GlobalPosition)
}
