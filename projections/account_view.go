package projections

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/eventstore"
)

// Authorization is a live hold on an account: the amount held for one order, in the
// account's currency, until the order is paid or the hold is reversed.
type Authorization struct {
	OrderID     uuid.UUID `json:"order_id"`
	AmountCents int64     `json:"amount_cents"`
}

// AccountView is a consumer's account as the query side knows it, the second half of
// GET /v1/consumers/:id (ConsumerWithAccount). An account's id is its consumer's.
type AccountView struct {
	ConsumerID       uuid.UUID `json:"-"`
	Currency         string    `json:"currency"`
	CreditLimitCents int64     `json:"credit_limit_cents"`
	// HeldCents is the sum of the authorizations, and AvailableCents the credit limit
	// minus it: what the next order may cost.
	HeldCents      int64           `json:"held_cents"`
	AvailableCents int64           `json:"available_cents"`
	Authorizations []Authorization `json:"authorizations"`
	CardLast4      string          `json:"card_last4"`
	// Enabled is false while the account is disabled: every new charge is declined.
	Enabled        bool   `json:"enabled"`
	DisabledReason string `json:"disabled_reason,omitempty"`
	// Version is the position in the account's stream of the last event applied.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// accountView keeps account_view up to date with the account streams.
var accountView = folding[accounting.State, AccountView]{
	what: "account view", category: accounting.Category, creation: accounting.TypeAccountOpened,
	apply: (*accounting.State).Apply,
	load: func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (AccountView, error) {
		return scanAccount(tx.QueryRow(ctx, `select `+accountColumns+` from `+table+` where consumer_id = $1`, id))
	},
	unfold: func(v AccountView) (accounting.State, rowMeta) {
		return v.state(), rowMeta{ID: v.ConsumerID, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	},
	render: func(s accounting.State, m rowMeta) AccountView {
		v := accountViewOf(s)
		v.ConsumerID, v.Version, v.CreatedAt, v.UpdatedAt = m.ID, m.Version, m.CreatedAt, m.UpdatedAt
		return v
	},
	save:      upsertAccount,
	selectAll: selectAccount,
	scan:      scanAccount,
}

func accountViewHandler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	return accountView.handler(reg, log, table)
}

// state is the accounting.State the row was folded into, for folding the next event.
// Holds are in the account's currency: Authorize and Revise refuse any other.
func (v AccountView) state() accounting.State {
	s := accounting.State{ConsumerID: v.ConsumerID, Opened: true,
		CreditLimit: money.Money{Cents: v.CreditLimitCents, Currency: v.Currency}, CardLast4: v.CardLast4,
		Enabled: v.Enabled, DisabledReason: v.DisabledReason}
	if len(v.Authorizations) > 0 {
		s.Holds = make(map[uuid.UUID]money.Money, len(v.Authorizations))
		for _, a := range v.Authorizations {
			s.Holds[a.OrderID] = money.Money{Cents: a.AmountCents, Currency: v.Currency}
		}
	}
	return s
}

// accountViewOf renders a folded account; the caller sets the id, the version and the
// timestamps. The holds are listed by order id, so that a replay renders them alike.
func accountViewOf(s accounting.State) AccountView {
	auths := make([]Authorization, 0, len(s.Holds)) // never nil: the column and the API want []
	for orderID, amount := range s.Holds {
		auths = append(auths, Authorization{OrderID: orderID, AmountCents: amount.Cents})
	}
	slices.SortFunc(auths, func(a, b Authorization) int { return bytes.Compare(a.OrderID[:], b.OrderID[:]) })
	return AccountView{Currency: s.CreditLimit.Currency, CreditLimitCents: s.CreditLimit.Cents,
		HeldCents: s.Held().Cents, AvailableCents: s.Available().Cents, Authorizations: auths,
		CardLast4: s.CardLast4, Enabled: s.Enabled, DisabledReason: s.DisabledReason}
}

// upsertAccount writes a row of table unless it already holds a later version of it.
func upsertAccount(ctx context.Context, tx pgx.Tx, table string, v AccountView) error {
	_, err := tx.Exec(ctx, `insert into `+table+` as row (consumer_id, currency, credit_limit_cents, card_last4,
		enabled, disabled_reason, authorizations, held_cents, available_cents, version, created_at, updated_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		on conflict (consumer_id) do update set currency = excluded.currency,
			credit_limit_cents = excluded.credit_limit_cents, card_last4 = excluded.card_last4,
			enabled = excluded.enabled, disabled_reason = excluded.disabled_reason,
			authorizations = excluded.authorizations, held_cents = excluded.held_cents,
			available_cents = excluded.available_cents, version = excluded.version,
			created_at = excluded.created_at, updated_at = excluded.updated_at
		where row.version < excluded.version`,
		v.ConsumerID, v.Currency, v.CreditLimitCents, v.CardLast4, v.Enabled, v.DisabledReason, v.Authorizations,
		v.HeldCents, v.AvailableCents, v.Version, v.CreatedAt, v.UpdatedAt)
	return err
}

const (
	accountColumns = `consumer_id, currency, credit_limit_cents, card_last4, enabled, disabled_reason,
	authorizations, held_cents, available_cents, version, created_at, updated_at`
	selectAccount = `select ` + accountColumns + ` from account_view `
)

func scanAccount(row pgx.Row) (AccountView, error) {
	var v AccountView
	err := row.Scan(&v.ConsumerID, &v.Currency, &v.CreditLimitCents, &v.CardLast4, &v.Enabled, &v.DisabledReason,
		&v.Authorizations, &v.HeldCents, &v.AvailableCents, &v.Version, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return AccountView{}, err
	}
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, nil
}
