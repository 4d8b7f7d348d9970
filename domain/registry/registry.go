// Package registry assembles the event registry of every bounded context. It lives
// apart from package event so that event stays a leaf the contexts can import.
package registry

import (
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
)

// New returns a registry holding the events of all contexts. It panics if two
// contexts claim the same event type, which would make stored events ambiguous.
func New() *event.Registry {
	r := event.NewRegistry()
	RegisterAll(r)
	return r
}

// RegisterAll adds the events of all contexts to r.
func RegisterAll(r *event.Registry) {
	consumer.RegisterEvents(r)
	restaurant.RegisterEvents(r)
	kitchen.RegisterEvents(r)
	accounting.RegisterEvents(r)
	order.RegisterEvents(r)
}
