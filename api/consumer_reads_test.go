package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/projections"
)

func TestGetConsumerWithTheirAccount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	orderID := h.approvedOrder(consumerID, restaurantID) // holds 3400 EUR cents
	h.waitConsumerView(consumerID, 2, 2)
	path := "/v1/consumers/" + consumerID.String()

	for name, token := range map[string]string{"themself": h.asConsumer(consumerID), "an admin": h.admin()} {
		rec := h.get(path, token)
		raw := requireJSON[map[string]json.RawMessage](t, rec, http.StatusOK)
		for _, field := range []string{"id", "name", "email", "status", "account"} {
			require.Contains(t, raw, field, "%s: the contract's field %s", name, field)
		}
		var account map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw["account"], &account))
		for _, field := range []string{"currency", "credit_limit_cents", "held_cents", "available_cents", "authorizations"} {
			require.Contains(t, account, field, "%s: the contract's field account.%s", name, field)
		}
		require.JSONEq(t, `[{"order_id":"`+orderID.String()+`","amount_cents":3400}]`, string(account["authorizations"]))

		got := decodeBody[projections.ConsumerWithAccount](t, rec)
		require.Equal(t, consumerID, got.ID)
		require.Equal(t, "Ann Example", got.Name)
		require.Equal(t, "ann@example.com", got.Email)
		require.Equal(t, consumer.StatusActive, got.Status)
		require.Equal(t, "EUR", got.Account.Currency)
		require.Equal(t, int64(100_000), got.Account.CreditLimitCents)
		require.Equal(t, int64(3400), got.Account.HeldCents)
		require.Equal(t, int64(100_000-3400), got.Account.AvailableCents)
	}

	// Once the hold is released and the consumer suspended, the reads say so.
	execute(h, accounting.StreamName(consumerID), (*accounting.State).Apply, sagaMeta(orderID, "system", "reverse"),
		func(s accounting.State) ([]event.Event, error) { return accounting.Reverse(s, orderID) })
	requireJSON[map[string]any](t, h.post(path+"/suspend", h.admin(), map[string]any{"reason": "chargeback"}), http.StatusOK)
	h.waitConsumerView(consumerID, 3, 3)
	got := requireJSON[projections.ConsumerWithAccount](t, h.get(path, h.asConsumer(consumerID)), http.StatusOK)
	require.Equal(t, consumer.StatusSuspended, got.Status)
	require.Equal(t, "chargeback", got.SuspendedReason)
	require.Zero(t, got.Account.HeldCents)
	require.Equal(t, int64(100_000), got.Account.AvailableCents)
	require.Empty(t, got.Account.Authorizations)
	require.Zero(t, h.wf.calls(), "reads never touch Temporal")
}

// Another consumer reads exactly as a missing one, to other consumers and to
// restaurants, and the refusal reads nothing.
func TestOthersConsumersReadAsMissing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.runProjector()
	consumerID := h.newConsumer()
	h.waitConsumerView(consumerID, 1, 1)
	missing := uuid.New()

	for name, token := range map[string]string{"another consumer": h.asConsumer(uuid.New()), "a restaurant": h.asRestaurant(uuid.New())} {
		theirs := h.get("/v1/consumers/"+consumerID.String(), token)
		requireProblem(t, theirs, http.StatusNotFound, "consumer-not-found")
		none := h.get("/v1/consumers/"+missing.String(), token)
		require.Equal(t, strings.ReplaceAll(none.Body.String(), missing.String(), "<id>"),
			strings.ReplaceAll(theirs.Body.String(), consumerID.String(), "<id>"), "%s tells a consumer from a missing one", name)
	}
	// The same words as an id that is nobody's, which an admin is told.
	admin := h.get("/v1/consumers/"+missing.String(), h.admin())
	requireProblem(t, admin, http.StatusNotFound, "consumer-not-found")
	require.Equal(t, admin.Body.String(), h.get("/v1/consumers/"+missing.String(), h.asConsumer(uuid.New())).Body.String())
	requireProblem(t, h.get("/v1/consumers/ann", h.admin()), http.StatusBadRequest, "malformed-request")
}

// waitConsumerView waits until the consumer's read model reaches consumerVersion and
// their account's accountVersion.
func (h *harness) waitConsumerView(id uuid.UUID, consumerVersion, accountVersion int64) {
	h.t.Helper()
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		v, err := h.queries.GetConsumer(context.Background(), id)
		require.NoError(c, err)
		require.GreaterOrEqual(c, v.Version, consumerVersion)
		require.GreaterOrEqual(c, v.Account.Version, accountVersion)
	}, 15*time.Second, 10*time.Millisecond, "consumer %s never reached versions %d and %d in the read models", id, consumerVersion, accountVersion)
}
