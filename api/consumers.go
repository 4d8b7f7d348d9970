package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

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

func (h consumerHandlers) routes(v1 *gin.RouterGroup) {
	v1.POST("/consumers", requireAdmin, h.register)
	v1.GET("/consumers/:id", h.get)
	v1.POST("/consumers/:id/suspend", requireAdmin, h.suspend)
	v1.POST("/consumers/:id/reactivate", requireAdmin, h.reactivate)
}

type registerConsumerRequest struct {
	Name             string `json:"name"`
	Email            string `json:"email"`
	CreditLimitCents int64  `json:"credit_limit_cents"`
	Currency         string `json:"currency"`
	// CardLast4 identifies the card on file; the dev stack's test card is the default.
	CardLast4 string `json:"card_last4"`
}

type consumerResponse struct {
	ID              uuid.UUID `json:"id"`
	Name            string    `json:"name"`
	Email           string    `json:"email"`
	Status          string    `json:"status"`
	SuspendedReason string    `json:"suspended_reason,omitempty"`
}

type accountResponse struct {
	CreditLimitCents int64  `json:"credit_limit_cents"`
	Currency         string `json:"currency"`
}

func toConsumer(s consumer.State) consumerResponse {
	return consumerResponse{ID: s.ID, Name: s.Name, Email: s.Email, Status: string(s.Status), SuspendedReason: s.SuspendedReason}
}

func (h consumerHandlers) register(c *gin.Context) {
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
	c.JSON(http.StatusCreated, struct {
		consumerResponse
		Account accountResponse `json:"account"`
	}{toConsumer(state), accountResponse{req.CreditLimitCents, req.Currency}})
}

// get serves a consumer with their account (read models). The consumer themself or an
// admin; anyone else is told the consumer does not exist, in the same words as for an
// id that does not (app.ConsumerNotFound), before anything is read.
func (h consumerHandlers) get(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
		return
	}
	if !principal(c).IsConsumer(id) {
		abort(c, app.ConsumerNotFound(id))
		return
	}
	view, err := h.queries.GetConsumer(c, id)
	if err != nil {
		abort(c, err)
		return
	}
	c.JSON(http.StatusOK, view)
}

type suspendRequest struct {
	Reason string `json:"reason"`
}

func (h consumerHandlers) suspend(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
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

func (h consumerHandlers) reactivate(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		abort(c, err)
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
