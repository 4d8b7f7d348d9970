package projections

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
)

// MenuItem is one dish of a restaurant's current menu, its price flattened to cents.
type MenuItem struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	Currency   string `json:"currency"`
}

// RestaurantView is a restaurant as the query side knows it (GET /v1/restaurants/:id,
// and the list of open restaurants): what a consumer app shows before an order.
type RestaurantView struct {
	ID     uuid.UUID         `json:"id"`
	Name   string            `json:"name"`
	Status restaurant.Status `json:"status"`
	// Currency is the currency of every price on the menu; an order from the restaurant
	// needs a consumer whose account is in it.
	Currency                 string     `json:"currency"`
	AutoAccept               bool       `json:"auto_accept"`
	AcceptanceTimeoutSeconds int        `json:"acceptance_timeout_seconds"`
	Menu                     []MenuItem `json:"menu"`
	// Version is the position in the restaurant's stream of the last event applied.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// restaurantView keeps restaurant_view up to date with the restaurant streams.
var restaurantView = folding[restaurant.State, RestaurantView]{
	what: "restaurant view", category: restaurant.Category, creation: restaurant.TypeRestaurantCreated,
	apply: (*restaurant.State).Apply,
	load: func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (RestaurantView, error) {
		return scanRestaurant(tx.QueryRow(ctx, `select `+restaurantColumns+` from `+table+` where restaurant_id = $1`, id))
	},
	unfold: func(v RestaurantView) (restaurant.State, rowMeta) {
		return v.state(), rowMeta{ID: v.ID, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	},
	render: func(s restaurant.State, m rowMeta) RestaurantView {
		v := restaurantViewOf(s)
		v.ID, v.Version, v.CreatedAt, v.UpdatedAt = m.ID, m.Version, m.CreatedAt, m.UpdatedAt
		return v
	},
	save:      upsertRestaurant,
	selectAll: selectRestaurant,
	scan:      scanRestaurant,
}

func restaurantViewHandler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	return restaurantView.handler(reg, log, table)
}

// state is the restaurant.State the row was folded into, for folding the next event.
func (v RestaurantView) state() restaurant.State {
	menu := make([]restaurant.MenuItem, len(v.Menu))
	for i, m := range v.Menu {
		menu[i] = restaurant.MenuItem{ID: m.ID, Name: m.Name, Price: money.Money{Cents: m.PriceCents, Currency: m.Currency}}
	}
	return restaurant.State{ID: v.ID, Name: v.Name, AutoAccept: v.AutoAccept,
		AcceptanceTimeoutSeconds: v.AcceptanceTimeoutSeconds, Menu: menu, Open: v.Status == restaurant.StatusOpen}
}

// restaurantViewOf renders a folded restaurant; the caller sets the version and
// timestamps.
func restaurantViewOf(s restaurant.State) RestaurantView {
	menu := make([]MenuItem, len(s.Menu)) // never nil: the column and the API want []
	for i, m := range s.Menu {
		menu[i] = MenuItem{ID: m.ID, Name: m.Name, PriceCents: m.Price.Cents, Currency: m.Price.Currency}
	}
	return RestaurantView{ID: s.ID, Name: s.Name, Status: s.Status(), Currency: s.Currency(), AutoAccept: s.AutoAccept,
		AcceptanceTimeoutSeconds: s.AcceptanceTimeoutSeconds, Menu: menu}
}

// upsertRestaurant writes a row of table unless it already holds a later version of it.
func upsertRestaurant(ctx context.Context, tx pgx.Tx, table string, v RestaurantView) error {
	_, err := tx.Exec(ctx, `insert into `+table+` as row (restaurant_id, name, status, auto_accept,
		acceptance_timeout_seconds, currency, menu, version, created_at, updated_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		on conflict (restaurant_id) do update set name = excluded.name, status = excluded.status,
			auto_accept = excluded.auto_accept, acceptance_timeout_seconds = excluded.acceptance_timeout_seconds,
			currency = excluded.currency, menu = excluded.menu, version = excluded.version,
			created_at = excluded.created_at, updated_at = excluded.updated_at
		where row.version < excluded.version`,
		v.ID, v.Name, string(v.Status), v.AutoAccept, v.AcceptanceTimeoutSeconds, v.Currency, v.Menu,
		v.Version, v.CreatedAt, v.UpdatedAt)
	return err
}

const (
	restaurantColumns = `restaurant_id, name, status, auto_accept, acceptance_timeout_seconds, currency,
	menu, version, created_at, updated_at`
	selectRestaurant = `select ` + restaurantColumns + ` from restaurant_view `
)

func scanRestaurant(row pgx.Row) (RestaurantView, error) {
	var (
		v      RestaurantView
		status string
	)
	err := row.Scan(&v.ID, &v.Name, &status, &v.AutoAccept, &v.AcceptanceTimeoutSeconds, &v.Currency, &v.Menu,
		&v.Version, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return RestaurantView{}, err
	}
	v.Status = restaurant.Status(status)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, nil
}
