package telemetry

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LogFlushInterval is how long a log line may wait in a LogBuffer.
const LogFlushInterval = 100 * time.Millisecond

// LogBuffer is a process's log output with the writes gathered: the API logs a line per
// request, and writing each with a system call of its own cost a read more than
// formatting it. Lines wait at most LogFlushInterval, and a warning or an error is
// written at once (FlushingHandler). Close writes what is left: call it before the
// process exits.
type LogBuffer struct {
	mu     sync.Mutex
	out    io.Writer
	w      *bufio.Writer
	direct bool // closed: every write goes straight through
	stop   chan struct{}
	closed sync.Once
	done   sync.WaitGroup
}

// NewLogBuffer buffers writes to w and flushes them every interval.
func NewLogBuffer(w io.Writer, interval time.Duration) *LogBuffer {
	b := &LogBuffer{out: w, w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{})}
	b.done.Go(func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				_ = b.Flush()
			case <-b.stop:
				return
			}
		}
	})
	return b
}

// Write buffers p; a line longer than the buffer, or any after Close, is written
// through.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if err == nil && b.direct {
		err = b.w.Flush()
	}
	if err != nil {
		b.w.Reset(b.out)
	}
	return n, err
}

// Flush writes what is buffered.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

// flushLocked writes what is buffered. A bufio.Writer keeps its first write error and
// refuses everything after it, so a failed write (a full disk for a moment) would
// silence the process for good: the lines buffered then are dropped instead, and the
// next ones are written once the output takes them again.
func (b *LogBuffer) flushLocked() error {
	err := b.w.Flush()
	if err != nil {
		b.w.Reset(b.out)
	}
	return err
}

// Close stops the periodic flushes and writes what is left; writes after it (what a
// process logs on its way out) are written at once.
func (b *LogBuffer) Close() error {
	b.closed.Do(func() { close(b.stop) })
	b.done.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.direct = true
	return b.flushLocked()
}

// FlushingHandler is h, which writes to b, with b flushed after every record at level
// or above: warnings and errors are not held back, whatever happens to the process next.
func FlushingHandler(h slog.Handler, b *LogBuffer, level slog.Level) slog.Handler {
	return flushingHandler{Handler: h, buffer: b, level: level}
}

type flushingHandler struct {
	slog.Handler
	buffer *LogBuffer
	level  slog.Level
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= h.level {
		if ferr := h.buffer.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), buffer: h.buffer, level: h.level}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), buffer: h.buffer, level: h.level}
}
