package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/api/openapi"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/projections"
)

// ConsumerCommands registers and manages consumers.
type ConsumerCommands interface {
	Register(ctx context.Context, actor string, cmd app.RegisterConsumer) (consumer.State, error)
	Suspend(ctx context.Context, actor string, id uuid.UUID, reason string) (consumer.State, error)
	Reactivate(ctx context.Context, actor string, id uuid.UUID) (consumer.State, error)
}

// ConsumerQueries reads the consumers' and accounts' read models (package
// projections).
type ConsumerQueries interface {
	GetConsumer(ctx context.Context, id uuid.UUID) (projections.ConsumerWithAccount, error)
}

type consumerHandlers struct {
	commands ConsumerCommands
	queries  ConsumerQueries
}

type registerConsumerRequest struct {
	Name             string `json:"name"`
	Email            string `json:"email"`
	CreditLimitCents int64  `json:"credit_limit_cents"`
	Currency         string `json:"currency"`
	// CardLast4 identifies the card on file; the dev stack's test card is the default.
	CardLast4 string `json:"card_last4"`
}

func toConsumer(s consumer.State) openapi.Consumer {
	return openapi.Consumer{ID: s.ID, Name: s.Name, Email: s.Email, Status: openapi.ConsumerStatus(s.Status),
		SuspendedReason: optional(s.SuspendedReason)}
}

// RegisterConsumer registers a consumer and opens their account. Admins only.
func (h consumerHandlers) RegisterConsumer(c *gin.Context, _ openapi.RegisterConsumerParams) {
	if !admin(c) {
		return
	}
	var req registerConsumerRequest
	if err := decodeJSON(c, &req); err != nil {
		abort(c, err)
		return
	}
	if req.CardLast4 == "" {
		req.CardLast4 = "4242"
	}
	cmd := app.RegisterConsumer{
		ID: newID(c, "consumer"), Name: req.Name, Email: req.Email,
		CreditLimit: money.Money{Cents: req.CreditLimitCents, Currency: req.Currency}, CardLast4: req.CardLast4,
	}
	state, err := h.commands.Register(c, principal(c).String(), cmd)
	if err != nil {
		abort(c, err)
		return
	}
	registered := openapi.RegisteredConsumer{ID: state.ID, Name: state.Name, Email: state.Email,
		Status: openapi.RegisteredConsumerStatus(state.Status), SuspendedReason: optional(state.SuspendedReason)}
	registered.Account.CreditLimitCents, registered.Account.Currency = req.CreditLimitCents, req.Currency
	c.JSON(http.StatusCreated, registered)
}

// GetConsumer serves a consumer with their account (read models). The consumer
// themself or an admin; anyone else is told the consumer does not exist, in the same
// words as for an id that does not (app.ConsumerNotFound), before anything is read.
func (h consumerHandlers) GetConsumer(c *gin.Context, id openapi.ConsumerID) {
	if !principal(c).IsConsumer(id) {
		abort(c, app.ConsumerNotFound(id))
		return
	}
	view, err := h.queries.GetConsumer(c, id)
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toConsumerWithAccount(view))
}

func toConsumerWithAccount(v projections.ConsumerWithAccount) openapi.ConsumerWithAccount {
	a := v.Account
	authorizations := make([]openapi.Authorization, len(a.Authorizations))
	for i, au := range a.Authorizations {
		authorizations[i] = openapi.Authorization{OrderID: au.OrderID, AmountCents: au.AmountCents}
	}
	return openapi.ConsumerWithAccount{ID: v.ID, Name: v.Name, Email: v.Email,
		Status: openapi.ConsumerWithAccountStatus(v.Status), SuspendedReason: optional(v.SuspendedReason),
		Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
		Account: openapi.Account{Currency: a.Currency, CreditLimitCents: a.CreditLimitCents, HeldCents: a.HeldCents,
			AvailableCents: a.AvailableCents, Authorizations: authorizations, CardLast4: a.CardLast4,
			Enabled: a.Enabled, DisabledReason: optional(a.DisabledReason),
			Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}}
}

type suspendRequest struct {
	Reason string `json:"reason"`
}

// SuspendConsumer suspends a consumer. Admins only.
func (h consumerHandlers) SuspendConsumer(c *gin.Context, id openapi.ConsumerID, _ openapi.SuspendConsumerParams) {
	if !admin(c) {
		return
	}
	var req suspendRequest
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			abort(c, err)
			return
		}
	}
	respond(c, http.StatusOK, toConsumer)(h.commands.Suspend(c, principal(c).String(), id, req.Reason))
}

// ReactivateConsumer reactivates a suspended consumer. Admins only.
func (h consumerHandlers) ReactivateConsumer(c *gin.Context, id openapi.ConsumerID, _ openapi.ReactivateConsumerParams) {
	if !admin(c) {
		return
	}
	respond(c, http.StatusOK, toConsumer)(h.commands.Reactivate(c, principal(c).String(), id))
}

// newID is the id of a resource a POST creates: derived from the principal's identity
// (the scope of its keys, idempotencyScope) and the Idempotency-Key when there is one
// (so a retried request names the same resource), random otherwise.
func newID(c *gin.Context, kind string) uuid.UUID {
	if key := IdempotencyKey(c); key != "" {
		return uuid.NewSHA1(idempotentIDs, []byte(kind+"\x00"+idempotencyScope(principal(c))+"\x00"+key))
	}
	return uuid.New()
}

var idempotentIDs = uuid.MustParse("8c1f0a52-66f0-4d4e-b1c9-3f1c2a8f5e77")

// withUpdateID is the request's context (not gin's, which gin reuses once the handler
// returns) naming the workflow update it sends after its Idempotency-Key
// (app.WithUpdateID), so that a retry cannot change the order twice.
func withUpdateID(c *gin.Context) context.Context {
	if IdempotencyKey(c) == "" {
		return c.Request.Context()
	}
	return app.WithUpdateID(c.Request.Context(), newID(c, "update "+c.FullPath()).String())
}

// respond writes a command's result with status, or its error as a problem.
func respond[S, R any](c *gin.Context, status int, view func(S) R) func(S, error) {
	return func(s S, err error) {
		if err != nil {
			abort(c, err)
			return
		}
		c.JSON(status, view(s))
	}
}
