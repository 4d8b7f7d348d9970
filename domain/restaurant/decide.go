package restaurant

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Limits on restaurant input.
const (
	MaxNameLength            = 200
	MaxMenuItemNameLength    = 200
	MaxMenuItemIDLength      = 64
	MaxMenuItems             = 500
	MaxAcceptanceTimeoutSecs = 86400
)

// CreateCommand describes a new restaurant.
type CreateCommand struct {
	ID                       uuid.UUID
	Name                     string
	AutoAccept               bool
	AcceptanceTimeoutSeconds int
	Menu                     []MenuItem
}

// Create opens a restaurant for business. It returns RestaurantCreated followed by
// RestaurantOpened: a restaurant starts closed, and the explicit opening keeps the
// open/closed history in events rather than implied by creation.
func Create(s State, cmd CreateCommand) ([]event.Event, error) {
	var v domain.Validator
	v.Check(cmd.ID != uuid.Nil, "id", "is required")
	name := v.Text("name", cmd.Name, 1, MaxNameLength)
	v.Check(cmd.AcceptanceTimeoutSeconds >= 1 && cmd.AcceptanceTimeoutSeconds <= MaxAcceptanceTimeoutSecs,
		"acceptance_timeout_seconds", fmt.Sprintf("must be between 1 and %d", MaxAcceptanceTimeoutSecs))
	menu := checkMenu(&v, cmd.Menu)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Exists() {
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "restaurant %s already exists", s.ID)
	}
	return []event.Event{
		RestaurantCreated{
			RestaurantID:             cmd.ID,
			Name:                     name,
			AutoAccept:               cmd.AutoAccept,
			AcceptanceTimeoutSeconds: cmd.AcceptanceTimeoutSeconds,
			Menu:                     menu,
		},
		RestaurantOpened{RestaurantID: cmd.ID},
	}, nil
}

// ReviseMenu replaces the menu, in the restaurant's currency. The same menu again is a
// no-op. Orders already placed keep the lines they were priced with, so an item may
// leave the menu while orders for it are in flight.
func ReviseMenu(s State, menu []MenuItem) ([]event.Event, error) {
	var v domain.Validator
	menu = checkMenu(&v, menu)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !s.Exists() {
		return nil, notFound()
	}
	if currency := menu[0].Price.Currency; currency != s.Currency() {
		return nil, domain.Errorf(domain.CodeCurrencyMismatch, "restaurant %s prices in %s, the menu in %s",
			s.ID, s.Currency(), currency)
	}
	if slices.Equal(menu, s.Menu) {
		return nil, nil
	}
	return []event.Event{MenuRevised{RestaurantID: s.ID, Menu: menu}}, nil
}

// Open lets the restaurant take orders; a no-op when it is open.
func Open(s State) ([]event.Event, error) {
	if !s.Exists() {
		return nil, notFound()
	}
	if s.Open {
		return nil, nil
	}
	return []event.Event{RestaurantOpened{RestaurantID: s.ID}}, nil
}

// Close stops new orders; orders in flight carry on. A no-op when it is closed.
func Close(s State) ([]event.Event, error) {
	if !s.Exists() {
		return nil, notFound()
	}
	if !s.Open {
		return nil, nil
	}
	return []event.Event{RestaurantClosed{RestaurantID: s.ID}}, nil
}

// checkMenu validates a menu and returns it with names trimmed, as a new slice. Field
// paths use the API's names (price_cents), since that is where a client must look.
func checkMenu(v *domain.Validator, menu []MenuItem) []MenuItem {
	if !v.Check(len(menu) >= 1 && len(menu) <= MaxMenuItems, "menu", fmt.Sprintf("must have between 1 and %d items", MaxMenuItems)) {
		return nil
	}
	out := make([]MenuItem, len(menu))
	firstIndex := make(map[string]int, len(menu))
	currency := menu[0].Price.Currency
	v.Check(money.ValidCurrency(currency), "currency", "must be a 3-letter uppercase ISO 4217 code")
	for i, item := range menu {
		path := fmt.Sprintf("menu[%d]", i)
		if checkMenuItemID(v, path+".id", item.ID) {
			if j, dup := firstIndex[item.ID]; dup {
				v.Addf(path+".id", "duplicates menu[%d].id", j)
			} else {
				firstIndex[item.ID] = i
			}
		}
		item.Name = v.Text(path+".name", item.Name, 1, MaxMenuItemNameLength)
		v.Check(item.Price.Cents > 0, path+".price_cents", "must be greater than 0")
		if i > 0 && item.Price.Currency != currency {
			v.Addf(path+".price_cents", "currency %q differs from the menu's %q", item.Price.Currency, currency)
		}
		out[i] = item
	}
	return out
}

// checkMenuItemID keeps ids to a URL- and log-safe alphabet.
func checkMenuItemID(v *domain.Validator, field, id string) bool {
	if id == "" {
		v.Add(field, "is required")
		return false
	}
	if len(id) > MaxMenuItemIDLength {
		v.Addf(field, "must be at most %d characters", MaxMenuItemIDLength)
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			v.Add(field, "may contain only letters, digits, '_' and '-'")
			return false
		}
	}
	return true
}

func notFound() error { return domain.Errorf(domain.CodeRestaurantNotFound, "restaurant not found") }
