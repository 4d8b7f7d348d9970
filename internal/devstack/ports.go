package devstack

import (
	"fmt"
	"net"
)

// CheckFree fails with a clear message when something already listens on addr.
func CheckFree(what, addr, hint string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: %s is busy (%w); %s", what, addr, err, hint)
	}
	return l.Close()
}

// FreePort returns a port nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }() // the listener only found the port; nothing was sent on it
	return l.Addr().(*net.TCPAddr).Port, nil
}
