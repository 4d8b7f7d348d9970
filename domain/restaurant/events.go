package restaurant

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Event type names, as stored.
const (
	TypeRestaurantCreated = "RestaurantCreated"
	TypeMenuRevised       = "MenuRevised"
	TypeRestaurantOpened  = "RestaurantOpened"
	TypeRestaurantClosed  = "RestaurantClosed"
)

// MenuItem is one dish. Its ID is chosen by the restaurant and is what orders name.
type MenuItem struct {
	ID    string      `json:"id"`
	Name  string      `json:"name"`
	Price money.Money `json:"price"`
}

// RestaurantCreated records that a restaurant was set up with its name, menu and how it
// accepts tickets (automatically, or by hand within AcceptanceTimeoutSeconds).
type RestaurantCreated struct {
	RestaurantID             uuid.UUID  `json:"restaurant_id"`
	Name                     string     `json:"name"`
	AutoAccept               bool       `json:"auto_accept"`
	AcceptanceTimeoutSeconds int        `json:"acceptance_timeout_seconds"`
	Menu                     []MenuItem `json:"menu"`
}

// MenuRevised replaces the whole menu; orders already priced keep their prices.
type MenuRevised struct {
	RestaurantID uuid.UUID  `json:"restaurant_id"`
	Menu         []MenuItem `json:"menu"`
}

// RestaurantOpened records that the restaurant takes orders.
type RestaurantOpened struct {
	RestaurantID uuid.UUID `json:"restaurant_id"`
}

// RestaurantClosed records that the restaurant stopped taking new orders.
type RestaurantClosed struct {
	RestaurantID uuid.UUID `json:"restaurant_id"`
}

func (RestaurantCreated) EventType() string { return TypeRestaurantCreated }
func (MenuRevised) EventType() string       { return TypeMenuRevised }
func (RestaurantOpened) EventType() string  { return TypeRestaurantOpened }
func (RestaurantClosed) EventType() string  { return TypeRestaurantClosed }

func (RestaurantCreated) SchemaVersion() int { return 1 }
func (MenuRevised) SchemaVersion() int       { return 1 }
func (RestaurantOpened) SchemaVersion() int  { return 1 }
func (RestaurantClosed) SchemaVersion() int  { return 1 }

// RegisterEvents adds this context's events to r.
func RegisterEvents(r *event.Registry) {
	event.Register[RestaurantCreated](r)
	event.Register[MenuRevised](r)
	event.Register[RestaurantOpened](r)
	event.Register[RestaurantClosed](r)
}
