package restaurant

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Status says whether a restaurant takes orders.
type Status string

// The statuses of a restaurant: whether it takes new orders.
const (
	StatusOpen   Status = "OPEN"
	StatusClosed Status = "CLOSED"
)

// State is a restaurant rebuilt from its stream.
type State struct {
	ID                       uuid.UUID
	Name                     string
	AutoAccept               bool
	AcceptanceTimeoutSeconds int
	Menu                     []MenuItem
	Open                     bool
}

// Exists reports whether the restaurant was created.
func (s State) Exists() bool { return s.ID != uuid.Nil }

// Status is OPEN when the restaurant takes orders, CLOSED otherwise.
func (s State) Status() Status {
	if s.Open {
		return StatusOpen
	}
	return StatusClosed
}

// Currency is the currency the restaurant prices in: its menu's, which every item
// shares and a revision cannot change (orders and accounts are matched on it). Empty
// for a restaurant that does not exist.
func (s State) Currency() string {
	if len(s.Menu) == 0 {
		return ""
	}
	return s.Menu[0].Price.Currency
}

// AcceptanceTimeout is how long the saga waits for a restaurant without auto-accept.
func (s State) AcceptanceTimeout() time.Duration {
	return time.Duration(s.AcceptanceTimeoutSeconds) * time.Second
}

// MenuItem finds an item of the current menu.
func (s State) MenuItem(id string) (MenuItem, bool) {
	i := slices.IndexFunc(s.Menu, func(m MenuItem) bool { return m.ID == id })
	if i < 0 {
		return MenuItem{}, false
	}
	return s.Menu[i], true
}

// Fold rebuilds a restaurant from its events, oldest first (see event.Fold).
func Fold(events ...event.Event) State { return event.Fold[State](events...) }

// Apply folds one event into the state; events it does not know are ignored. Menus
// are copied so the state never shares memory with the event that carried them.
func (s *State) Apply(e event.Event) {
	switch e := e.(type) {
	case RestaurantCreated:
		s.ID, s.Name, s.AutoAccept = e.RestaurantID, e.Name, e.AutoAccept
		s.AcceptanceTimeoutSeconds = e.AcceptanceTimeoutSeconds
		s.Menu = slices.Clone(e.Menu)
	case MenuRevised:
		s.Menu = slices.Clone(e.Menu)
	case RestaurantOpened:
		s.Open = true
	case RestaurantClosed:
		s.Open = false
	}
}
