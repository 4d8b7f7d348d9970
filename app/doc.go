// Package app holds orderflow's application services: the command handlers behind the
// API that are not sagas (registering consumers, creating restaurants) and the order
// commands that start or steer an order's workflow. Each handler is small: validate,
// load, decide with the domain, append, or hand over to Temporal.
package app
