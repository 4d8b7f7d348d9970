package devstack

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS is an embedded NATS server with JetStream (nats-server as a library, in this
// process): the dev stack's broker when NATS_URL is not set, and the broker the tests
// restart.
type NATS struct {
	URL  string
	opts *server.Options
	s    *server.Server
}

// StartNATS starts a server with JetStream on 127.0.0.1:port (a free one when 0),
// keeping its streams under storeDir, and waits until it takes connections.
func StartNATS(storeDir string, port int) (*NATS, error) {
	if port == 0 {
		port = server.RANDOM_PORT
	}
	n := &NATS{opts: &server.Options{ServerName: "orderflow-dev", Host: "127.0.0.1", Port: port,
		JetStream: true, StoreDir: storeDir, NoSigs: true, NoLog: true}}
	if err := n.start(); err != nil {
		return nil, err
	}
	n.opts.Port = n.s.Addr().(*net.TCPAddr).Port // a restart keeps it
	n.URL = "nats://" + net.JoinHostPort(n.opts.Host, strconv.Itoa(n.opts.Port))
	return n, nil
}

func (n *NATS) start() error {
	s, err := server.NewServer(n.opts)
	if err != nil {
		return fmt.Errorf("embedded NATS server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(15 * time.Second) {
		s.Shutdown()
		return fmt.Errorf("embedded NATS server on port %d: not ready in 15s (store %s)", n.opts.Port, n.opts.StoreDir)
	}
	n.s = s
	return nil
}

// Stop shuts the server down (its streams stay in the store directory) and waits.
func (n *NATS) Stop() {
	n.s.Shutdown()
	n.s.WaitForShutdown()
}

// Restart stops the server and starts it again on the same port and store, as a broker
// restart does: clients reconnect, streams and their duplicate windows survive.
func (n *NATS) Restart() error {
	n.Stop()
	return n.start()
}
