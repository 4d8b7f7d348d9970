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
	admin := &apiclient.Client{BaseURL: httpServer.URL, Token: adminToken}
	as := func(token string, err error) *apiclient.Client {
		t.Helper()
		require.NoError(t, err)
		return admin.As(token)
	}

	// The restaurant revises its menu; every app reads the menu back.
	created, err := admin.CreateRestaurant(ctx, apiclient.NewRestaurant{Name: "Osteria", AcceptanceTimeoutSeconds: 60,
		Currency: "EUR", Menu: []apiclient.MenuItem{
			{ID: "margherita", Name: "Margherita", PriceCents: 900}, {ID: "lasagna", Name: "Lasagna", PriceCents: 1200}}})
	require.NoError(t, err)
	osteria := as(signed.Restaurant(created.ID))
	menu := []apiclient.MenuItem{{ID: "margherita", Name: "Margherita", PriceCents: 950},
		{ID: "lasagna", Name: "Lasagna", PriceCents: 1200}, {ID: "tiramisu", Name: "Tiramisu", PriceCents: 550}}
	revised, err := osteria.ReviseMenu(ctx, created.ID, menu)
	require.NoError(t, err)
	require.Equal(t, "EUR", revised.Currency)

	stranger := as(signed.Consumer(uuid.NewString()))
	r := await(t, "the revised menu", func() (apiclient.Restaurant, error) { return stranger.GetRestaurant(ctx, created.ID) },
		func(r apiclient.Restaurant) bool { return r.Version == 3 })
	require.Equal(t, menu, r.Menu)
	require.Equal(t, "OPEN", r.Status)
	require.Equal(t, "EUR", r.Currency)
	require.False(t, r.AutoAccept)
	require.Equal(t, 60, r.AcceptanceTimeoutSeconds)
	open, next, err := stranger.OpenRestaurants(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, open, 1)
	require.Equal(t, r, open[0])

	// A consumer reads their own account: nothing held yet.
	registered, err := admin.RegisterConsumer(ctx, "Ada", "ada."+uuid.NewString()[:8]+"@example.com", 100_00, "EUR")
	require.NoError(t, err)
	ada := as(signed.Consumer(registered.ID))
	account := func(what string, done func(apiclient.Account) bool) apiclient.Account {
		t.Helper()
		return await(t, what, func() (apiclient.Consumer, error) { return ada.GetConsumer(ctx, registered.ID) },
			func(c apiclient.Consumer) bool { return done(c.Account) }).Account
	}
	a := account("the account", func(apiclient.Account) bool { return true })
	require.Equal(t, apiclient.Account{Currency: "EUR", CreditLimitCents: 100_00, HeldCents: 0, AvailableCents: 100_00,
		Authorizations: []apiclient.Authorization{}}, a)

	// An order: 2 margheritas at 9.50 and a lasagna at 12.00, held while the restaurant
	// has not answered yet.
	placed, err := ada.PlaceOrder(ctx, apiclient.NewOrder{ConsumerID: registered.ID, RestaurantID: created.ID,
		Items:           []apiclient.Item{{MenuItemID: "margherita", Quantity: 2}, {MenuItemID: "lasagna", Quantity: 1}},
		DeliveryAddress: apiclient.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}, "")
	require.NoError(t, err)
	require.Equal(t, int64(3100), placed.TotalCents)
	held := func(cents int64) func(apiclient.Account) bool {
		return func(a apiclient.Account) bool { return a.HeldCents == cents }
	}
	a = account("the order's hold", held(3100))
	require.Equal(t, []apiclient.Authorization{{OrderID: placed.ID, AmountCents: 3100}}, a.Authorizations)
	require.Equal(t, int64(100_00-3100), a.AvailableCents)
	o, err := ada.GetOrder(ctx, placed.ID)
	require.NoError(t, err)
	require.Equal(t, "APPROVAL_PENDING", o.Status, "the restaurant has not answered")

	// While it is in flight the lasagna leaves the menu and the margherita costs more.
	_, err = osteria.ReviseMenu(ctx, created.ID, []apiclient.MenuItem{{ID: "margherita", Name: "Margherita", PriceCents: 1000},
		{ID: "tiramisu", Name: "Tiramisu", PriceCents: 550}})
	require.NoError(t, err)
	require.NoError(t, retryWhileNotThere(ctx, func() error { return osteria.TicketAction(ctx, placed.ID, "accept", "") }))
	o, err = ada.WaitForOrder(ctx, placed.ID, time.Minute, func(o apiclient.Order) bool { return o.Status == "APPROVED" })
	require.NoError(t, err)
	require.Equal(t, int64(3100), o.TotalCents, "priced when placed")
	require.Equal(t, []apiclient.Line{{MenuItemID: "margherita", Quantity: 2, UnitPriceCents: 950, TotalCents: 1900},
		{MenuItemID: "lasagna", Quantity: 1, UnitPriceCents: 1200, TotalCents: 1200}}, o.Items)
	account("the approved order's hold", held(3100))

	// The order may still change the lasagna it holds, at the price it was placed with.
	require.NoError(t, ada.ReviseOrder(ctx, placed.ID, []apiclient.Item{{MenuItemID: "lasagna", Quantity: 2}}))
	o, err = ada.WaitForOrder(ctx, placed.ID, time.Minute, func(o apiclient.Order) bool {
		return o.Status == "APPROVED" && o.TotalCents == 4300
	})
	require.NoError(t, err, "the revision did not go through: %+v", o)
	require.Nil(t, o.LastRefusal)
	a = account("the revised hold", held(4300))
	require.Equal(t, []apiclient.Authorization{{OrderID: placed.ID, AmountCents: 4300}}, a.Authorizations)

	// A new order is priced from the menu of its moment, which no longer has lasagna.
	var p *apiclient.Problem
	_, err = ada.PlaceOrder(ctx, apiclient.NewOrder{ConsumerID: registered.ID, RestaurantID: created.ID,
		Items:           []apiclient.Item{{MenuItemID: "lasagna", Quantity: 1}},
		DeliveryAddress: apiclient.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}, "")
	require.ErrorAs(t, err, &p)
	require.Equal(t, "MENU_ITEM_NOT_FOUND", p.Code)
	second, err := ada.PlaceOrder(ctx, apiclient.NewOrder{ConsumerID: registered.ID, RestaurantID: created.ID,
		Items:           []apiclient.Item{{MenuItemID: "margherita", Quantity: 1}},
		DeliveryAddress: apiclient.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}, "")
	require.NoError(t, err)
	require.Equal(t, int64(1000), second.TotalCents)
	account("both orders' holds", held(4300+1000))

	// Canceled, each order's hold is released.
	for _, id := range []string{second.ID, placed.ID} {
		require.NoError(t, retryWhileNotThere(ctx, func() error { return ada.CancelOrder(ctx, id, "changed my mind") }))
		_, err = ada.WaitForOrder(ctx, id, time.Minute, func(o apiclient.Order) bool { return o.Status == "CANCELED" })
		require.NoError(t, err)
	}
	a = account("no hold", held(0))
	require.Empty(t, a.Authorizations)
	require.Equal(t, int64(100_00), a.AvailableCents)

	// Nobody else reads the account, nor learns whether it exists.
	_, theirs := stranger.GetConsumer(ctx, registered.ID)
	missing := uuid.NewString()
	_, none := stranger.GetConsumer(ctx, missing)
	require.ErrorAs(t, theirs, &p)
	require.Equal(t, 404, p.Status)
	require.Equal(t, strings.ReplaceAll(none.Error(), missing, "<id>"), strings.ReplaceAll(theirs.Error(), registered.ID, "<id>"))

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
