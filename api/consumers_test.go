package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
)

type registeredConsumer struct {
	ID              uuid.UUID `json:"id"`
	Name            string    `json:"name"`
	Email           string    `json:"email"`
	Status          string    `json:"status"`
	SuspendedReason string    `json:"suspended_reason"`
	Account         *struct {
		CreditLimitCents int64  `json:"credit_limit_cents"`
		Currency         string `json:"currency"`
	} `json:"account"`
}

func validConsumer() map[string]any {
	return map[string]any{"name": "Ann Example", "email": "ann@example.com", "credit_limit_cents": 50_000, "currency": "EUR"}
}

func TestRegisterConsumer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	rec := h.post("/v1/consumers", h.admin(), validConsumer())
	got := requireJSON[registeredConsumer](t, rec, http.StatusCreated)
	require.NotEqual(t, uuid.Nil, got.ID)
	require.Equal(t, "Ann Example", got.Name)
	require.Equal(t, "ann@example.com", got.Email)
	require.Equal(t, "ACTIVE", got.Status)
	require.NotNil(t, got.Account)
	require.Equal(t, int64(50_000), got.Account.CreditLimitCents)
	require.Equal(t, "EUR", got.Account.Currency)

	// The consumer and their account are on the record, caused by the admin.
	require.Equal(t, []string{consumer.TypeConsumerRegistered}, h.streamTypes(consumer.StreamName(got.ID)))
	require.Equal(t, []string{accounting.TypeAccountOpened}, h.streamTypes(accounting.StreamName(got.ID)))
	require.Equal(t, "admin:root", h.lastEvent(consumer.StreamName(got.ID)).Metadata.User)
	require.Equal(t, "admin:root", h.lastEvent(accounting.StreamName(got.ID)).Metadata.User)
	require.Zero(t, h.wf.calls())
}

func TestRegisterConsumerIsIdempotentWithAKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	send := func(body map[string]any) *responseWithHeaders {
		return postWithKey(h, "/v1/consumers", h.admin(), "register-ann", body)
	}
	first := send(validConsumer())
	require.Equal(t, http.StatusCreated, first.status, first.body)
	events := h.eventCount()

	again := send(validConsumer())
	require.Equal(t, http.StatusCreated, again.status)
	require.Equal(t, "true", again.replayed)
	require.JSONEq(t, first.body, again.body)
	require.Equal(t, events, h.eventCount())

	other := validConsumer()
	other["name"] = "Bob"
	h.nothingWritten(func() {
		refused := send(other)
		require.Equal(t, http.StatusUnprocessableEntity, refused.status)
		require.Contains(t, refused.body, "idempotency-key-reused")
	})
}

// responseWithHeaders is what a test of idempotency looks at in a response.
type responseWithHeaders struct {
	status   int
	replayed string
	body     string
}

// TestRegisterConsumerRefusesBadBodies: every way a body can be wrong is refused with
// its own status and problem, and writes nothing.
func TestRegisterConsumerRefusesBadBodies(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	big := `{"name":"` + strings.Repeat("x", 70<<10) + `","email":"ann@example.com","credit_limit_cents":1,"currency":"EUR"}`
	tests := []struct {
		name        string
		body        any
		contentType string
		key         string
		status      int
		slug        string
		fields      []domain.FieldError
	}{
		{name: "malformed JSON", body: `{"name": "Ann",`, status: 400, slug: "malformed-request"},
		{name: "not JSON", body: `name=Ann`, status: 400, slug: "malformed-request"},
		{name: "empty body", body: ``, status: 400, slug: "malformed-request"},
		{name: "two objects", body: `{"name":"Ann"} {"name":"Bob"}`, status: 400, slug: "malformed-request"},
		{name: "unknown field", body: `{"name":"Ann","email":"ann@example.com","credit_limit_cents":1,"currency":"EUR","admin":true}`,
			status: 422, slug: "validation-failed", fields: []domain.FieldError{{Field: "admin", Message: "is not a known field"}}},
		{name: "wrong type", body: `{"name":"Ann","email":"ann@example.com","credit_limit_cents":"lots","currency":"EUR"}`,
			status: 422, slug: "validation-failed", fields: []domain.FieldError{{Field: "credit_limit_cents", Message: "must be of type number"}}},
		{name: "fractional cents", body: `{"name":"Ann","email":"ann@example.com","credit_limit_cents":1.5,"currency":"EUR"}`,
			status: 422, slug: "validation-failed", fields: []domain.FieldError{{Field: "credit_limit_cents", Message: "must be of type number"}}},
		{name: "array body", body: `[]`, status: 422, slug: "validation-failed"},
		{name: "over 64 KiB", body: big, status: 413, slug: "request-too-large"},
		{name: "over 64 KiB with an idempotency key", body: big, key: "big", status: 413, slug: "request-too-large"},
		{name: "text/plain", body: `{}`, contentType: "text/plain", status: 415, slug: "unsupported-media-type"},
		{name: "form", body: `name=Ann`, contentType: "application/x-www-form-urlencoded", status: 415, slug: "unsupported-media-type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := map[string]string{}
			if tt.contentType != "" {
				header["Content-Type"] = tt.contentType
			}
			if tt.key != "" {
				header["Idempotency-Key"] = tt.key
			}
			h.nothingWritten(func() {
				rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: tt.body, Header: header})
				p := requireProblem(t, rec, tt.status, tt.slug)
				require.NotEmpty(t, p.Detail)
				if tt.fields != nil {
					require.Equal(t, tt.fields, p.Errors)
				}
			})
		})
	}
}

func TestRegisterConsumerAcceptsJSONWithCharset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/consumers", Token: h.admin(), Body: validConsumer(),
		Header: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}

func TestRegisterConsumerValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name   string
		edit   func(map[string]any)
		fields []domain.FieldError
	}{
		{"empty name", func(b map[string]any) { b["name"] = "" },
			[]domain.FieldError{{Field: "name", Message: "is required"}}},
		{"blank name", func(b map[string]any) { b["name"] = "   " },
			[]domain.FieldError{{Field: "name", Message: "is required"}}},
		{"bad email", func(b map[string]any) { b["email"] = "not-an-email" },
			[]domain.FieldError{{Field: "email", Message: "must be a valid email address"}}},
		{"email with a display name", func(b map[string]any) { b["email"] = "Ann <ann@example.com>" },
			[]domain.FieldError{{Field: "email", Message: "must be a valid email address"}}},
		{"missing email", func(b map[string]any) { delete(b, "email") },
			[]domain.FieldError{{Field: "email", Message: "is required"}}},
		{"negative credit", func(b map[string]any) { b["credit_limit_cents"] = -1 },
			[]domain.FieldError{{Field: "credit_limit_cents", Message: "must be zero or more"}}},
		{"everything wrong at once", func(b map[string]any) {
			b["name"], b["email"], b["credit_limit_cents"] = "", "x", -5
		}, []domain.FieldError{
			{Field: "name", Message: "is required"},
			{Field: "email", Message: "must be a valid email address"},
			{Field: "credit_limit_cents", Message: "must be zero or more"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := validConsumer()
			tt.edit(body)
			h.nothingWritten(func() {
				requireValidation(t, h.post("/v1/consumers", h.admin(), body), tt.fields...)
			})
		})
	}

	// A bad currency is reported on currency. (app.Consumers.Register also reports
	// credit_limit_cents, because money.Validate fails on the currency: see the report.)
	for _, currency := range []string{"", "eur", "EURO", "E1R"} {
		t.Run("currency "+currency, func(t *testing.T) {
			body := validConsumer()
			body["currency"] = currency
			h.nothingWritten(func() {
				p := requireProblem(t, h.post("/v1/consumers", h.admin(), body), http.StatusUnprocessableEntity, "validation-failed")
				require.Contains(t, p.Errors, domain.FieldError{Field: "currency", Message: "must be a 3-letter ISO 4217 code"})
			})
		})
	}
}

// TestARegistrationRefusedForItsCardWritesNothing: a registration is the consumer and
// their account, so a card the account refuses refuses the consumer too: 422, every bad
// field at once, and nothing on the record (it used to leave a consumer without an
// account).
func TestARegistrationRefusedForItsCardWritesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := validConsumer()
	body["card_last4"] = "42x2"
	h.nothingWritten(func() {
		requireValidation(t, h.post("/v1/consumers", h.admin(), body),
			domain.FieldError{Field: "card_last4", Message: "must be 4 digits"})
	})
	body["name"] = ""
	h.nothingWritten(func() {
		requireValidation(t, h.post("/v1/consumers", h.admin(), body),
			domain.FieldError{Field: "name", Message: "is required"},
			domain.FieldError{Field: "card_last4", Message: "must be 4 digits"})
	})
}

func TestConsumerCommandsAreForAdminsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newConsumer()
	paths := []string{"/v1/consumers", "/v1/consumers/" + id.String() + "/suspend", "/v1/consumers/" + id.String() + "/reactivate"}
	tokens := map[string]string{"consumer": h.asConsumer(id), "restaurant": h.asRestaurant(uuid.New())}
	for _, path := range paths {
		for role, token := range tokens {
			t.Run(role+" "+path, func(t *testing.T) {
				h.nothingWritten(func() {
					requireProblem(t, h.post(path, token, validConsumer()), http.StatusForbidden, "forbidden")
				})
			})
		}
	}
}

func TestSuspendAndReactivateConsumer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newConsumer()
	path := "/v1/consumers/" + id.String()

	got := requireJSON[registeredConsumer](t, h.post(path+"/suspend", h.admin(), map[string]any{"reason": "chargebacks"}), http.StatusOK)
	require.Equal(t, id, got.ID)
	require.Equal(t, "SUSPENDED", got.Status)
	require.Equal(t, "chargebacks", got.SuspendedReason)
	require.Equal(t, consumer.TypeConsumerSuspended, h.lastEvent(consumer.StreamName(id)).Type)
	require.Equal(t, "admin:root", h.lastEvent(consumer.StreamName(id)).Metadata.User)

	// Suspending again is a no-op that still answers 200.
	h.nothingWritten(func() {
		got = requireJSON[registeredConsumer](t, h.post(path+"/suspend", h.admin(), nil), http.StatusOK)
		require.Equal(t, "SUSPENDED", got.Status)
	})

	got = requireJSON[registeredConsumer](t, h.post(path+"/reactivate", h.admin(), nil), http.StatusOK)
	require.Equal(t, "ACTIVE", got.Status)
	require.Empty(t, got.SuspendedReason)
	require.Equal(t, []string{consumer.TypeConsumerRegistered, consumer.TypeConsumerSuspended, consumer.TypeConsumerReactivated},
		h.streamTypes(consumer.StreamName(id)))

	// Suspending without a body works too.
	got = requireJSON[registeredConsumer](t, h.post(path+"/suspend", h.admin(), nil), http.StatusOK)
	require.Equal(t, "SUSPENDED", got.Status)
}

func TestSuspendAndReactivateRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.newConsumer()
	unknown := uuid.New().String()
	tests := []struct {
		name   string
		path   string
		body   any
		status int
		slug   string
		code   domain.Code
	}{
		{"suspend unknown consumer", "/v1/consumers/" + unknown + "/suspend", nil, 404, "consumer-not-found", domain.CodeConsumerNotFound},
		{"reactivate unknown consumer", "/v1/consumers/" + unknown + "/reactivate", nil, 404, "consumer-not-found", domain.CodeConsumerNotFound},
		{"suspend invalid uuid", "/v1/consumers/not-a-uuid/suspend", nil, 400, "malformed-request", ""},
		{"reactivate invalid uuid", "/v1/consumers/42/reactivate", nil, 400, "malformed-request", ""},
		{"suspend with an unknown field", "/v1/consumers/" + id.String() + "/suspend", map[string]any{"why": "x"}, 422, "validation-failed", domain.CodeValidationFailed},
		{"suspend with a reason too long", "/v1/consumers/" + id.String() + "/suspend",
			map[string]any{"reason": strings.Repeat("r", 501)}, 422, "validation-failed", domain.CodeValidationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.nothingWritten(func() {
				p := requireProblem(t, h.post(tt.path, h.admin(), tt.body), tt.status, tt.slug)
				require.Equal(t, string(tt.code), p.Code)
			})
		})
	}
}
