package projections_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/projections"
)

func TestRestaurantViewFollowsTheRestaurant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	stream := restaurant.StreamName(id)

	v := e.waitRestaurant(id, e.append(stream, restaurantCreated(id)))
	require.Equal(t, restaurant.StatusClosed, v.Status, "a restaurant starts closed")
	require.Equal(t, "Luigi's", v.Name)
	require.Equal(t, "USD", v.Currency)
	require.True(t, v.AutoAccept)
	require.Equal(t, 300, v.AcceptanceTimeoutSeconds)
	require.Equal(t, []projections.MenuItem{
		{ID: "pizza", Name: "Pizza", PriceCents: 1250, Currency: "USD"}, {ID: "cola", Name: "Cola", PriceCents: 300, Currency: "USD"},
	}, v.Menu)
	e.requireRestaurantMatchesAggregate(v)

	revised := []restaurant.MenuItem{{ID: "cola", Name: "Cola", Price: money.MustNew(350, "USD")}}
	for _, step := range []event.Event{
		restaurant.RestaurantOpened{RestaurantID: id},
		restaurant.MenuRevised{RestaurantID: id, Menu: revised},
		restaurant.RestaurantClosed{RestaurantID: id},
	} {
		v = e.waitRestaurant(id, e.append(stream, step))
		e.requireRestaurantMatchesAggregate(v)
	}
	require.Equal(t, restaurant.StatusClosed, v.Status)
	require.Equal(t, []projections.MenuItem{{ID: "cola", Name: "Cola", PriceCents: 350, Currency: "USD"}}, v.Menu,
		"the current menu only: the pizza is gone")

	_, err := e.q.GetRestaurant(context.Background(), uuid.New())
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrRestaurantNotFound)
}

// walkOpenRestaurants reads every page of the open restaurants and returns the ids in
// the order served.
func walkOpenRestaurants(t *testing.T, e *env, limit int) (ids []uuid.UUID, pages int) {
	t.Helper()
	cursor := ""
	for {
		page, next, err := e.q.OpenRestaurants(context.Background(), cursor, limit)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), limit)
		pages++
		for _, v := range page {
			require.Equal(t, restaurant.StatusOpen, v.Status)
			ids = append(ids, v.ID)
		}
		if next == "" {
			return ids, pages
		}
		require.Len(t, page, limit, "only the last page may be short")
		require.Less(t, pages, 100, "the cursor never ends")
		cursor = next
	}
}

func TestOpenRestaurantsPagesOldestFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()

	var open, closed []uuid.UUID // oldest first
	for i := range 7 {
		id := uuid.New()
		events := []event.Event{restaurantCreated(id), restaurant.RestaurantOpened{RestaurantID: id}}
		switch i % 3 {
		case 1: // closed again: not listed
			events = append(events, restaurant.RestaurantClosed{RestaurantID: id})
			closed = append(closed, id)
		case 2: // never opened
			events = events[:1]
		default:
			open = append(open, id)
		}
		e.append(restaurant.StreamName(id), events...)
	}
	e.waitCaughtUp()

	ids, pages := walkOpenRestaurants(t, e, 2)
	require.Equal(t, open, ids, "oldest first, every open restaurant once")
	require.Equal(t, 2, pages)
	ids, pages = walkOpenRestaurants(t, e, 3)
	require.Equal(t, open, ids)
	require.Equal(t, 1, pages, "a page that holds exactly the rest is the last")

	// A restaurant that opens again is listed where its creation puts it.
	e.append(restaurant.StreamName(closed[0]), restaurant.RestaurantOpened{RestaurantID: closed[0]})
	e.waitCaughtUp()
	ids, _ = walkOpenRestaurants(t, e, 2)
	require.Equal(t, slices.Insert(slices.Clone(open), 1, closed[0]), ids)

	page, next, err := e.q.OpenRestaurants(context.Background(), "", 0)
	require.NoError(t, err)
	require.Len(t, page, 4, "limit 0 is the default page size")
	require.Empty(t, next)

	_, _, err = e.q.OpenRestaurants(context.Background(), "not a cursor!", 2)
	requireErrorIsAll(t, err, projections.ErrInvalidCursor, domain.ErrValidation)
}

func TestOpenRestaurantsOfNoneIsAnEmptyPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page, next, err := e.q.OpenRestaurants(context.Background(), "", 10)
	require.NoError(t, err)
	require.NotNil(t, page, "no restaurants is [], not null")
	require.Empty(t, page)
	require.Empty(t, next)
}
