package api

import "github.com/orderflow/orderflow/api/openapi"

// handlers serve the operations of api/openapi.yaml under /v1: the generated wrapper
// (openapi.RegisterHandlersWithOptions) reads each operation's path, query and header
// parameters and calls its method here with them typed, or refuses the request
// (refuseParameter). Each resource's handlers are a type of their own, with what they
// use.
type handlers struct {
	consumerHandlers
	restaurantHandlers
	orderHandlers
	ticketHandlers
}

var _ openapi.ServerInterface = handlers{}

// optional is a string as the generated types hold an optional or nullable one: nil
// (absent, or null) when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// deref is the value of an optional parameter, or its zero value when it is absent.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// alloc points p at a new T and returns it: for the generated types' optional members
// whose type is an anonymous struct, which has no name to write a literal with.
func alloc[T any](p **T) *T {
	*p = new(T)
	return *p
}
