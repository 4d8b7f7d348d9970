// Package natstest connects tests to the real NATS server with JetStream that runs on
// the development machines and in CI (127.0.0.1:4222, or ORDERFLOW_TEST_NATS_URL), and
// gives each test a stream and subject prefix of its own, so tests run in parallel on
// one server without seeing each other's messages. A server that cannot be reached,
// or has no JetStream, fails the test: it is never skipped. StartServer starts an
// embedded one, for the tests that restart the broker.
package natstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orderflow/orderflow/internal/devstack"
)

// DefaultURL is the server tests use when ORDERFLOW_TEST_NATS_URL is not set.
const DefaultURL = "nats://127.0.0.1:4222"

// URL is the test server's URL.
func URL() string {
	if u := os.Getenv("ORDERFLOW_TEST_NATS_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// Connect connects to url (URL() when empty), closing the connection when the test
// ends, and fails the test when the server is unreachable or has no JetStream.
func Connect(tb testing.TB, url string, opts ...nats.Option) (*nats.Conn, jetstream.JetStream) {
	tb.Helper()
	if url == "" {
		url = URL()
	}
	nc, err := nats.Connect(url, append([]nats.Option{nats.Name("orderflow test " + tb.Name())}, opts...)...)
	if err != nil {
		tb.Fatalf("natstest: NATS with JetStream is required and unreachable at %s (scripts/require-nats.sh starts it; "+
			"set ORDERFLOW_TEST_NATS_URL for another): %v", url, err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatalf("natstest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		tb.Fatalf("natstest: the NATS server at %s has no JetStream (start it with -js): %v", url, err)
	}
	return nc, js
}

// Names are a test's own stream and subject prefix.
type Names struct {
	Stream        string // e.g. TEST_1A2B3C4D
	SubjectPrefix string // e.g. test_1a2b3c4d.events: outside orderflow.events.>
}

// Unique makes names no other test uses, and deletes the stream when the test ends.
func Unique(tb testing.TB, js jetstream.JetStream) Names {
	tb.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	tag := hex.EncodeToString(b)
	n := Names{Stream: "TEST_" + strings.ToUpper(tag), SubjectPrefix: "test_" + tag + ".events"}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = js.DeleteStream(ctx, n.Stream)
	})
	return n
}

// StartServer starts an embedded NATS server with JetStream on a free port, keeping
// its streams in storeDir, and stops it when the test ends: for the tests that restart
// the broker (devstack.NATS.Restart).
func StartServer(tb testing.TB, storeDir string) *devstack.NATS {
	tb.Helper()
	n, err := devstack.StartNATS(storeDir, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(n.Stop)
	return n
}
