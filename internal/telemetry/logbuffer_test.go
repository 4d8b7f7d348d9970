package telemetry_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/internal/logtest"
	"github.com/orderflow/orderflow/internal/telemetry"
)

func bufferedLogger(out *logtest.Buffer, interval time.Duration) (*slog.Logger, *telemetry.LogBuffer) {
	b := telemetry.NewLogBuffer(out, interval)
	return slog.New(telemetry.FlushingHandler(slog.NewJSONHandler(b, nil), b, slog.LevelWarn)), b
}

// An info line waits in the buffer; a warning or an error is written at once and takes
// what waited before it along, in order; Close writes the rest.
func TestLogBufferHoldsInfoAndWritesWarningsAtOnce(t *testing.T) {
	out := &logtest.Buffer{}
	log, b := bufferedLogger(out, time.Hour) // no periodic flush within the test
	log.Info("request", "n", 1)
	require.Empty(t, out.String(), "an info line is buffered")
	log.With("request_id", "r-1").Warn("slow")
	require.Equal(t, []string{"request", "slow"}, messages(t, out.String()), "a warning is written at once, after what came before")
	log.Error("failed")
	require.Equal(t, []string{"request", "slow", "failed"}, messages(t, out.String()))
	log.Info("last")
	require.NoError(t, b.Close())
	require.Equal(t, []string{"request", "slow", "failed", "last"}, messages(t, out.String()), "Close writes what is left")
	log.Info("after close")
	require.Equal(t, []string{"request", "slow", "failed", "last", "after close"}, messages(t, out.String()),
		"after Close every line is written at once")
}

// Buffered lines are written within the flush interval without anything else happening.
func TestLogBufferFlushesPeriodically(t *testing.T) {
	out := &logtest.Buffer{}
	log, b := bufferedLogger(out, 10*time.Millisecond)
	t.Cleanup(func() { _ = b.Close() })
	log.Info("request")
	require.Eventually(t, func() bool { return strings.Contains(out.String(), `"msg":"request"`) },
		10*time.Second, 5*time.Millisecond, "the info line was never written")
}

func messages(t *testing.T, s string) []string {
	t.Helper()
	var msgs []string
	for line := range strings.Lines(s) {
		_, rest, ok := strings.Cut(line, `"msg":"`)
		require.True(t, ok, "line %q", line)
		msg, _, _ := strings.Cut(rest, `"`)
		msgs = append(msgs, msg)
	}
	return msgs
}

// failingOnce fails its first write (a full disk, say) and takes every later one.
type failingOnce struct {
	logtest.Buffer
	failed bool
}

func (f *failingOnce) Write(p []byte) (int, error) {
	if !f.failed {
		f.failed = true
		return 0, errors.New("no space left on device")
	}
	return f.Buffer.Write(p)
}

// A write that failed once loses what was buffered then, not every line after it: a
// process whose log output was briefly unwritable logs again once it is writable.
func TestLogBufferLogsAgainAfterAFailedWrite(t *testing.T) {
	out := &failingOnce{}
	b := telemetry.NewLogBuffer(out, time.Hour)
	t.Cleanup(func() { _ = b.Close() })
	logger := slog.New(telemetry.FlushingHandler(slog.NewJSONHandler(b, nil), b, slog.LevelWarn))

	logger.Warn("lost")
	logger.Warn("written")
	logger.Info("written too")
	require.NoError(t, b.Flush())
	require.NotContains(t, out.String(), `"lost"`)
	require.Contains(t, out.String(), `"written"`)
	require.Contains(t, out.String(), `"written too"`)
}
