package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/projections"
)

// A restaurant revises its menu and the consumer app reads it back; a consumer's
// account shows what their order holds while it is in flight and after it changes,
// and nothing once it is canceled. The order is priced from the menu of the moment it
// is placed: a revision while it is in flight, which removes an item it holds, changes
// nothing of it, neither its approval nor its own revision.
func TestMenusAndAccountsThroughTheAPI(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.NewSchema(t, stack.Migrations()...)
	tokens := api.Tokens{Secret: []byte("end-to-end-test-secret-of-32-bytes!!"), Issuer: "orderflow"}
	s := stack.New(schema.Pool, server.Client(t), tokens, slog.New(slog.NewTextHandler(io.Discard, nil)), schema.Name)
	t.Cleanup(s.Close)
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, s.RunWorkers(runCtx)) })
	wg.Go(func() { require.NoError(t, s.RunProjector(runCtx, nil)) })
	httpServer := httptest.NewServer(s.APIHandler(prometheus.NewRegistry()))
	t.Cleanup(func() {
		httpServer.Close()
		stop()
		wg.Wait()
	})

	signed := demo.SignedTokens{Tokens: tokens}
	adminToken, err := signed.Admin()
	require.NoError(t, err)
	admin := apiclient.New(httpServer.URL, adminToken, nil)
	as := func(token string, err error) *apiclient.Client {
		t.Helper()
		require.NoError(t, err)
		return admin.As(token)
	}

	// The restaurant revises its menu; every app reads the menu back.
	created := createRestaurant(ctx, t, admin, "Osteria", false,
		openapi.MenuItemRequest{ID: "margherita", Name: "Margherita", PriceCents: 900},
		openapi.MenuItemRequest{ID: "lasagna", Name: "Lasagna", PriceCents: 1200})
	osteria := as(signed.Restaurant(created))
	reviseMenu := func(menu ...openapi.MenuItemRequest) openapi.Restaurant {
		t.Helper()
		resp, err := osteria.ReviseMenuWithResponse(ctx, created, openapi.ReviseMenuRequest{Menu: menu})
		require.NoError(t, err)
		return *resp.JSON200
	}
	menu := []openapi.MenuItem{{ID: "margherita", Name: "Margherita", PriceCents: 950, Currency: "EUR"},
		{ID: "lasagna", Name: "Lasagna", PriceCents: 1200, Currency: "EUR"}, {ID: "tiramisu", Name: "Tiramisu", PriceCents: 550, Currency: "EUR"}}
	revised := reviseMenu(openapi.MenuItemRequest{ID: "margherita", Name: "Margherita", PriceCents: 950},
		openapi.MenuItemRequest{ID: "lasagna", Name: "Lasagna", PriceCents: 1200}, openapi.MenuItemRequest{ID: "tiramisu", Name: "Tiramisu", PriceCents: 550})
	require.Equal(t, "EUR", revised.Currency)

	stranger := as(signed.Consumer(uuid.New()))
	r := await(t, "the revised menu", func() (openapi.RestaurantView, error) {
		resp, err := stranger.GetRestaurantWithResponse(ctx, created)
		if err != nil {
			return openapi.RestaurantView{}, err
		}
		return *resp.JSON200, nil
	}, func(r openapi.RestaurantView) bool { return r.Version == 3 })
	require.Equal(t, menu, r.Menu)
	require.Equal(t, openapi.RestaurantViewStatusOPEN, r.Status)
	require.Equal(t, "EUR", r.Currency)
	require.False(t, r.AutoAccept)
	require.Equal(t, 60, r.AcceptanceTimeoutSeconds)
	open, err := stranger.ListOpenRestaurantsWithResponse(ctx, &openapi.ListOpenRestaurantsParams{Limit: new(10)})
	require.NoError(t, err)
	require.Nil(t, open.JSON200.NextCursor)
	require.Len(t, open.JSON200.Restaurants, 1)
	require.Equal(t, r, open.JSON200.Restaurants[0])

	// A consumer reads their own account: nothing held yet.
	registered := registerConsumer(ctx, t, admin, "Ada")
	ada := as(signed.Consumer(registered))
	account := func(what string, done func(openapi.Account) bool) openapi.Account {
		t.Helper()
		return await(t, what, func() (openapi.ConsumerWithAccount, error) {
			resp, err := ada.GetConsumerWithResponse(ctx, registered)
			if err != nil {
				return openapi.ConsumerWithAccount{}, err
			}
			return *resp.JSON200, nil
		}, func(c openapi.ConsumerWithAccount) bool { return done(c.Account) }).Account
	}
	a := account("the account", func(openapi.Account) bool { return true })
	require.Equal(t, "EUR", a.Currency)
	require.Equal(t, int64(100_00), a.CreditLimitCents)
	require.Zero(t, a.HeldCents)
	require.Equal(t, int64(100_00), a.AvailableCents)
	require.Equal(t, []openapi.Authorization{}, a.Authorizations)

	// An order: 2 margheritas at 9.50 and a lasagna at 12.00, held while the restaurant
	// has not answered yet.
	placed, err := placeOrder(ctx, ada, registered, created,
		openapi.OrderItemRequest{MenuItemID: "margherita", Quantity: 2}, openapi.OrderItemRequest{MenuItemID: "lasagna", Quantity: 1})
	require.NoError(t, err)
	require.Equal(t, int64(3100), placed.TotalCents)
	held := func(cents int64) func(openapi.Account) bool {
		return func(a openapi.Account) bool { return a.HeldCents == cents }
	}
	a = account("the order's hold", held(3100))
	require.Equal(t, []openapi.Authorization{{OrderID: placed.ID, AmountCents: 3100}}, a.Authorizations)
	require.Equal(t, int64(100_00-3100), a.AvailableCents)
	o, err := ada.GetOrderWithResponse(ctx, placed.ID, nil)
	require.NoError(t, err)
	require.Equal(t, openapi.OrderStatusAPPROVALPENDING, o.JSON200.Status, "the restaurant has not answered")

	// While it is in flight the lasagna leaves the menu and the margherita costs more.
	reviseMenu(openapi.MenuItemRequest{ID: "margherita", Name: "Margherita", PriceCents: 1000},
		openapi.MenuItemRequest{ID: "tiramisu", Name: "Tiramisu", PriceCents: 550})
	require.NoError(t, retryWhileNotThere(ctx, func() error {
		_, err := osteria.AcceptTicketWithResponse(ctx, placed.ID, nil)
		return err
	}))
	approved, err := ada.WaitForOrder(ctx, placed.ID, time.Minute, func(o openapi.OrderView) bool { return o.Status == "APPROVED" })
	require.NoError(t, err)
	require.Equal(t, int64(3100), approved.TotalCents, "priced when placed")
	require.Equal(t, []openapi.OrderItem{{MenuItemID: "margherita", Name: "Margherita", Quantity: 2, UnitPriceCents: 950, TotalCents: 1900},
		{MenuItemID: "lasagna", Name: "Lasagna", Quantity: 1, UnitPriceCents: 1200, TotalCents: 1200}}, approved.Items)
	account("the approved order's hold", held(3100))

	// The order may still change the lasagna it holds, at the price it was placed with.
	_, err = ada.ReviseOrderWithResponse(ctx, placed.ID, nil,
		openapi.ReviseOrderRequest{Items: []openapi.LineChange{{MenuItemID: "lasagna", Quantity: 2}}})
	require.NoError(t, err)
	revisedOrder, err := ada.WaitForOrder(ctx, placed.ID, time.Minute, func(o openapi.OrderView) bool {
		return o.Status == "APPROVED" && o.TotalCents == 4300
	})
	require.NoError(t, err, "the revision did not go through: %+v", revisedOrder)
	require.Nil(t, revisedOrder.LastRefusal)
	a = account("the revised hold", held(4300))
	require.Equal(t, []openapi.Authorization{{OrderID: placed.ID, AmountCents: 4300}}, a.Authorizations)

	// A new order is priced from the menu of its moment, which no longer has lasagna.
	var p *apiclient.Problem
	_, err = placeOrder(ctx, ada, registered, created, openapi.OrderItemRequest{MenuItemID: "lasagna", Quantity: 1})
	require.ErrorAs(t, err, &p)
	require.True(t, p.HasCode(openapi.MENUITEMNOTFOUND), p.Error())
	second, err := placeOrder(ctx, ada, registered, created, openapi.OrderItemRequest{MenuItemID: "margherita", Quantity: 1})
	require.NoError(t, err)
	require.Equal(t, int64(1000), second.TotalCents)
	account("both orders' holds", held(4300+1000))

	// Canceled, each order's hold is released.
	for _, id := range []uuid.UUID{second.ID, placed.ID} {
		require.NoError(t, retryWhileNotThere(ctx, func() error {
			_, err := ada.CancelOrderWithResponse(ctx, id, nil, openapi.CancelOrderRequest{Reason: new("changed my mind")})
			return err
		}))
		_, err = ada.WaitForOrder(ctx, id, time.Minute, func(o openapi.OrderView) bool { return o.Status == "CANCELED" })
		require.NoError(t, err)
	}
	a = account("no hold", held(0))
	require.Empty(t, a.Authorizations)
	require.Equal(t, int64(100_00), a.AvailableCents)

	// Nobody else reads the account, nor learns whether it exists.
	_, theirs := stranger.GetConsumerWithResponse(ctx, registered)
	missing := uuid.New()
	_, none := stranger.GetConsumerWithResponse(ctx, missing)
	require.ErrorAs(t, theirs, &p)
	require.Equal(t, 404, p.Status)
	require.Equal(t, strings.ReplaceAll(none.Error(), missing.String(), "<id>"), strings.ReplaceAll(theirs.Error(), registered.String(), "<id>"))

	// Every read model, the new ones included, equals a replay of the store.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		for _, name := range projections.Names() {
			lag, err := projections.Lag(ctx, schema.Pool, name)
			require.NoError(c, err)
			require.Zero(c, lag, name)
		}
	}, 30*time.Second, 50*time.Millisecond)
	var mismatches []projections.Mismatch
	require.NoError(t, pgx.BeginTxFunc(ctx, schema.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) (err error) {
			_, mismatches, err = projections.Verify(ctx, tx, registry.New())
			return err
		}))
	require.Empty(t, mismatches)
}

// await reads until done says what it read is there (the read models lag the writes
// by a moment; until the first projection a read may be 404), and returns it.
func await[T any](t *testing.T, what string, read func() (T, error), done func(T) bool) T {
	t.Helper()
	var got T
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		v, err := read()
		require.NoError(c, err)
		require.True(c, done(v), "%+v", v)
		got = v
	}, 30*time.Second, 50*time.Millisecond, "never read %s", what)
	return got
}

// retryWhileNotThere retries f while the API answers 404 or 409: the saga has not
// reached the step the request needs yet.
func retryWhileNotThere(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err := f()
		var p *apiclient.Problem
		if err == nil || !errors.As(err, &p) || (p.Status != 404 && p.Status != 409) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
