// Package logtest holds what tests need to read logs: a sink that the goroutines
// writing a log and the test reading it may share.
package logtest

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer for a logger whose output a test reads while it is written.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
