package eventstore

import "sync"

// knownHeads remembers, per stream, a position this process has seen stored. Events are
// never deleted, so once position n of a stream has been seen it exists for good, and
// an append that expects exactly a version seen here need not read the stream's head
// first: it inserts at the next position, and the unique (stream, position) key still
// refuses it if another writer got there first. Reading the head costs a tenth of the
// single-event append rate (docs/benchmarks.md); this is what lets the usual
// load-decide-append skip it. A cache: forgetting never makes an append wrong, only
// slower, so when it is full it starts afresh.
type knownHeads struct {
	mu    sync.Mutex
	limit int
	heads map[string]int64
}

func newKnownHeads(limit int) *knownHeads {
	return &knownHeads{limit: limit, heads: make(map[string]int64)}
}

// saw records that stream holds an event at position.
func (k *knownHeads) saw(stream string, position int64) {
	if position <= 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if position <= k.heads[stream] {
		return
	}
	if len(k.heads) >= k.limit {
		clear(k.heads)
	}
	k.heads[stream] = position
}

// has reports whether stream is known to hold an event at position.
func (k *knownHeads) has(stream string, position int64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return position > 0 && position <= k.heads[stream]
}
