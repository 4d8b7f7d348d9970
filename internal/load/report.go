package load

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a load run did: orders placed, where they settled, how fast, and what
// went wrong. It is what `orderflow load --json` prints.
type Report struct {
	Mix         Mix       `json:"mix"`
	Rate        float64   `json:"rate,omitempty"`        // orders started per second; 0 when paced by Concurrency alone
	Concurrency int       `json:"concurrency,omitempty"` // orders in flight at most; 0 for no bound
	StartedAt   time.Time `json:"started_at"`
	// ElapsedSeconds runs from the first order placed to the last one settled or given up.
	ElapsedSeconds float64 `json:"elapsed_seconds"`

	// Placed is the orders the API accepted (202).
	Placed int `json:"placed"`
	// Settled is the placed orders that reached a settled state within the bound:
	// APPROVED, REJECTED, CANCELED, SHIPPED, DELIVERED or NEEDS_ATTENTION, and where the
	// order's kind leads (a requested cancel or revision carried out or refused).
	Settled          int            `json:"settled"`
	SettledByStatus  map[string]int `json:"settled_by_status"`
	SettledPerSecond float64        `json:"settled_per_second"`
	// Latency is from the first POST /v1/orders of an order to the first read of its
	// settled state, over every settled order.
	Latency Latency `json:"latency"`

	Kinds map[Kind]*KindReport `json:"kinds"`

	// Failed is the orders that did not end as their kind expects: not placed, not
	// settled within the bound, settled where the kind does not lead, or refused a
	// request the load needed. ErrorsByKind counts them by what went wrong (an HTTP
	// status with the request it answered, "not settled", "unexpected outcome: …").
	Failed       int            `json:"failed"`
	ErrorsByKind map[string]int `json:"errors_by_kind"`
	// Errors are the first MaxErrors failures, with their orders.
	Errors []OrderError `json:"errors,omitempty"`
	// RetriesByKind counts the transient failures the load retried: transport errors,
	// timeouts, 429, 5xx, and 409s that say to retry (a concurrent modification, an
	// idempotency key in flight). A retry does not fail an order; an order whose
	// retries ran out of time fails with its last one in ErrorsByKind.
	RetriesByKind map[string]int `json:"retries_by_kind"`
}

// KindReport is one kind of order's part of a run.
type KindReport struct {
	Placed          int            `json:"placed"`
	Settled         int            `json:"settled"`
	SettledByStatus map[string]int `json:"settled_by_status"`
	// Outcomes is how the settled orders ended, finer than their status: "REJECTED
	// INSUFFICIENT_CREDIT", "APPROVED (revised)", "APPROVED (cancel refused: …)".
	Outcomes map[string]int `json:"outcomes"`
	// OrderIDs are the settled orders by status.
	OrderIDs map[string][]string `json:"order_ids"`
	Failed   int                 `json:"failed"`
	Latency  Latency             `json:"latency"`
}

// OrderError is a failed order.
type OrderError struct {
	OrderID string `json:"order_id,omitempty"` // empty when the order was never placed
	Kind    Kind   `json:"kind"`
	Error   string `json:"error"` // its key in ErrorsByKind
	Detail  string `json:"detail"`
}

// MaxErrors bounds Report.Errors.
const MaxErrors = 100

// Latency is a distribution of durations, in milliseconds.
type Latency struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of durations sorted in
// ascending order: the smallest value that at least p% of them do not exceed. It is 0
// when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// LatencyOf summarises durations (in any order).
func LatencyOf(ds []time.Duration) Latency {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	l := Latency{Count: len(sorted)}
	if len(sorted) == 0 {
		return l
	}
	l.P50, l.P90, l.P99 = ms(Percentile(sorted, 50)), ms(Percentile(sorted, 90)), ms(Percentile(sorted, 99))
	l.Max = ms(sorted[len(sorted)-1])
	return l
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// Err is nil when every order ended as its kind expects, and otherwise says how many
// did not and why.
func (r Report) Err() error {
	if r.Failed == 0 {
		return nil
	}
	var kinds []string
	for _, k := range sortedKeys(r.ErrorsByKind) {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, r.ErrorsByKind[k]))
	}
	return fmt.Errorf("%d order(s) did not end as expected: %s", r.Failed, strings.Join(kinds, ", "))
}

// WriteText prints the report for a person.
func (r Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	pacing := fmt.Sprintf("concurrency %d", r.Concurrency)
	switch {
	case r.Rate > 0 && r.Concurrency > 0:
		pacing = fmt.Sprintf("rate %g/s, at most %d in flight", r.Rate, r.Concurrency)
	case r.Rate > 0:
		pacing = fmt.Sprintf("rate %g/s", r.Rate)
	}
	fmt.Fprintf(tw, "mix\t%s (%s)\n", r.Mix, pacing)
	fmt.Fprintf(tw, "elapsed\t%.1fs\n", r.ElapsedSeconds)
	fmt.Fprintf(tw, "placed\t%d\n", r.Placed)
	fmt.Fprintf(tw, "settled\t%d (%.1f orders/s)\n", r.Settled, r.SettledPerSecond)
	for _, s := range sortedKeys(r.SettledByStatus) {
		fmt.Fprintf(tw, "  %s\t%d\n", s, r.SettledByStatus[s])
	}
	if l := r.Latency; l.Count > 0 {
		fmt.Fprintf(tw, "latency\tp50 %s  p90 %s  p99 %s  max %s  (POST to settled, %d orders)\n",
			msString(l.P50), msString(l.P90), msString(l.P99), msString(l.Max), l.Count)
	} else {
		fmt.Fprintln(tw, "latency\t- (no order settled)")
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "KIND\tPLACED\tSETTLED\tFAILED\tP50\tP99\tOUTCOMES")
	for _, k := range Kinds {
		kr := r.Kinds[k]
		if kr == nil {
			continue
		}
		var outcomes []string
		for _, o := range sortedKeys(kr.Outcomes) {
			outcomes = append(outcomes, fmt.Sprintf("%s ×%d", o, kr.Outcomes[o]))
		}
		p50, p99 := "-", "-"
		if kr.Latency.Count > 0 {
			p50, p99 = msString(kr.Latency.P50), msString(kr.Latency.P99)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", k, kr.Placed, kr.Settled, kr.Failed, p50, p99, strings.Join(outcomes, ", "))
	}
	fmt.Fprintln(tw)
	if len(r.ErrorsByKind) == 0 {
		fmt.Fprintln(tw, "errors\tnone")
	} else {
		fmt.Fprintf(tw, "errors\t%d order(s) failed\n", r.Failed)
		for _, k := range sortedKeys(r.ErrorsByKind) {
			fmt.Fprintf(tw, "  %s\t%d\n", k, r.ErrorsByKind[k])
		}
	}
	if len(r.RetriesByKind) > 0 {
		fmt.Fprintln(tw, "retried\t(transient failures, sent again)")
		for _, k := range sortedKeys(r.RetriesByKind) {
			fmt.Fprintf(tw, "  %s\t%d\n", k, r.RetriesByKind[k])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, e := range r.Errors {
		if i == 10 {
			_, err := fmt.Fprintf(w, "… and %d more (--json lists up to %d)\n", len(r.Errors)-10, MaxErrors)
			return err
		}
		if _, err := fmt.Fprintf(w, "  %s order %s: %s: %s\n", e.Kind, orNone(e.OrderID), e.Error, e.Detail); err != nil {
			return err
		}
	}
	return nil
}

func msString(v float64) string {
	d := time.Duration(v * float64(time.Millisecond))
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Microsecond).String()
}

func orNone(s string) string {
	if s == "" {
		return "(not placed)"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Strings(keys)
	return keys
}
