package notifier

import "github.com/nats-io/nats.go/jetstream"

// SetAfterCommit makes n run f after a message's transaction commits, before its ack;
// false leaves the message unacked.
func SetAfterCommit(n *Notifier, f func(msg jetstream.Msg) bool) { n.afterCommit = f }
