package load

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/api/openapi"
)

func TestParseMixReadsKindsAndPercents(t *testing.T) {
	m, err := ParseMix(DefaultMix)
	require.NoError(t, err)
	require.Equal(t, Mix{Approved: 70, Declined: 5, Rejected: 5, Canceled: 5, Revised: 5, Delivered: 10}, m)
	require.Equal(t, DefaultMix, m.String())

	m, err = ParseMix(" Approved = 60 , canceled=40 ")
	require.NoError(t, err, "spaces and case are forgiven")
	require.Equal(t, Mix{Approved: 60, Canceled: 40}, m)
	require.Equal(t, "approved=60,canceled=40", m.String())

	m, err = ParseMix("declined=100,approved=0")
	require.NoError(t, err)
	require.Equal(t, "declined=100", m.String())
	require.NoError(t, m.Validate())
}

func TestParseMixRefusesWhatItCannotRun(t *testing.T) {
	for mix, want := range map[string]string{
		"":                                 "mix is empty",
		"approved=80,shipped=20":           `unknown kind "shipped" (the kinds are approved, declined, rejected, canceled, revised, delivered)`,
		"approved=80,declined=15":          "the percents add up to 95, want 100",
		"approved=80,declined=30":          "the percents add up to 110, want 100",
		"approved=50,approved=50":          "approved is given twice",
		"approved":                         `"approved" is not kind=percent`,
		"approved=100,":                    `"" is not kind=percent`,
		"=100":                             `"=100" is not kind=percent`,
		"approved=eighty,declined=20":      "approved=eighty: the percent must be a whole number from 0 to 100",
		"approved=120,declined=-20":        "approved=120: the percent must be a whole number from 0 to 100",
		"approved=80.5,declined=19.5":      "approved=80.5: the percent must be a whole number from 0 to 100",
		"approved=80;declined=20":          "approved=80;declined=20: the percent must be",
		"approved=90,rejected=5,revised=4": "add up to 99",
	} {
		t.Run(mix, func(t *testing.T) {
			_, err := ParseMix(mix)
			require.ErrorContains(t, err, want)
		})
	}
	require.ErrorContains(t, Mix{Approved: 50}.Validate(), "add up to 50")
	require.ErrorContains(t, Mix{"shipped": 100}.Validate(), `unknown kind "shipped"`)
	require.ErrorContains(t, Mix{Approved: 150, Declined: -50}.Validate(), "from 0 to 100")
}

// The picker spreads kinds evenly: every window of 100 picks holds each kind's percent
// exactly, and a short run starts with the largest share and reaches every kind soon.
func TestPickerFollowsTheMixExactly(t *testing.T) {
	mix := Mix{Approved: 80, Declined: 5, Rejected: 5, Canceled: 5, Revised: 5}
	p := newPicker(mix)
	var picks []Kind
	for range 350 {
		picks = append(picks, p.next())
	}
	for start := 0; start+100 <= len(picks); start += 37 {
		counts := Mix{}
		for _, k := range picks[start : start+100] {
			counts[k]++
		}
		require.Equal(t, mix, counts, "picks %d to %d", start, start+100)
	}
	first := map[Kind]bool{}
	for _, k := range picks[:25] {
		first[k] = true
	}
	require.Len(t, first, 5, "every kind within the first 25 picks: %v", picks[:25])

	p = newPicker(Mix{Canceled: 100})
	for range 10 {
		require.Equal(t, Canceled, p.next())
	}
	p = newPicker(Mix{Approved: 40, Declined: 15, Rejected: 15, Canceled: 15, Revised: 15})
	counts := Mix{}
	for range 30 {
		counts[p.next()]++
	}
	require.Equal(t, Mix{Approved: 12, Declined: 5, Rejected: 5, Canceled: 4, Revised: 4}, counts)
}

func TestPercentileIsNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 100; i >= 1; i-- { // any order in, sorted before use
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	l := LatencyOf(hundred)
	require.Equal(t, Latency{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100}, l)
	require.Equal(t, 100, len(hundred), "LatencyOf leaves its argument alone")
	require.Equal(t, 100*time.Millisecond, hundred[0])

	sorted := []time.Duration{10, 20, 30, 40, 50, 60, 70, 80, 90, 1000}
	for p, want := range map[float64]time.Duration{1: 10, 10: 10, 11: 20, 50: 50, 51: 60, 90: 90, 91: 1000, 99: 1000, 100: 1000} {
		require.Equal(t, want, Percentile(sorted, p), "p%g", p)
	}
	require.Equal(t, time.Duration(7), Percentile([]time.Duration{7}, 50))
	require.Equal(t, time.Duration(7), Percentile([]time.Duration{7}, 99))
	require.Zero(t, Percentile(nil, 50))
	require.Equal(t, Latency{}, LatencyOf(nil))

	l = LatencyOf([]time.Duration{1500 * time.Microsecond, 2250 * time.Microsecond})
	require.Equal(t, Latency{Count: 2, P50: 1.5, P90: 2.25, P99: 2.25, Max: 2.25}, l, "milliseconds keep their fraction")
}

func TestOutcomesAreJudgedByKind(t *testing.T) {
	reason := func(s string) *string { return &s }
	// The last refusal is an unnamed type of the generated OrderView: set from the wire.
	refused := func(o openapi.OrderView, change string) openapi.OrderView {
		require.NoError(t, json.Unmarshal([]byte(`{"change":"`+change+`","reason":"INVALID_STATE_TRANSITION"}`), &o.LastRefusal))
		return o
	}
	for _, c := range []struct {
		flow     flow
		order    openapi.OrderView
		outcome  string
		expected bool
	}{
		{flow{kind: Approved}, openapi.OrderView{Status: "APPROVED"}, "APPROVED", true},
		{flow{kind: Approved}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("RESTAURANT_TIMEOUT")}, "REJECTED RESTAURANT_TIMEOUT", false},
		{flow{kind: Approved}, openapi.OrderView{Status: "NEEDS_ATTENTION"}, "NEEDS_ATTENTION", false},
		{flow{kind: Declined}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("INSUFFICIENT_CREDIT")}, "REJECTED INSUFFICIENT_CREDIT", true},
		{flow{kind: Declined}, openapi.OrderView{Status: "APPROVED"}, "APPROVED", false},
		{flow{kind: Declined}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("RESTAURANT_REJECTED")}, "REJECTED RESTAURANT_REJECTED", false},
		{flow{kind: Rejected}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("RESTAURANT_REJECTED")}, "REJECTED RESTAURANT_REJECTED", true},
		{flow{kind: Rejected}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("RESTAURANT_TIMEOUT")}, "REJECTED RESTAURANT_TIMEOUT", false},
		{flow{kind: Canceled}, openapi.OrderView{Status: "CANCELED"}, "CANCELED", true},
		{flow{kind: Canceled}, openapi.OrderView{Status: "APPROVED"}, "APPROVED", false},
		{flow{kind: Canceled, cancelRefused: "INVALID_STATE_TRANSITION"}, openapi.OrderView{Status: "APPROVED"},
			"APPROVED (cancel refused: 409 INVALID_STATE_TRANSITION)", true},
		{flow{kind: Canceled}, refused(openapi.OrderView{Status: "APPROVED"}, "cancel"),
			"APPROVED (cancel refused: INVALID_STATE_TRANSITION)", true},
		{flow{kind: Canceled, cancelRefused: "INVALID_STATE_TRANSITION"}, openapi.OrderView{Status: "NEEDS_ATTENTION"},
			"NEEDS_ATTENTION (cancel refused: 409 INVALID_STATE_TRANSITION)", false},
		{flow{kind: Revised, revisedTotal: 2700}, openapi.OrderView{Status: "APPROVED", TotalCents: 2700}, "APPROVED (revised)", true},
		{flow{kind: Revised, revisedTotal: 2700}, refused(openapi.OrderView{Status: "APPROVED", TotalCents: 900}, "revise"),
			"APPROVED (revise refused: INVALID_STATE_TRANSITION)", true},
		{flow{kind: Revised, revisedTotal: 2700}, openapi.OrderView{Status: "APPROVED", TotalCents: 900}, "APPROVED", false},
		{flow{kind: Revised}, openapi.OrderView{Status: "REJECTED", RejectionReason: reason("RESTAURANT_TIMEOUT")}, "REJECTED RESTAURANT_TIMEOUT", false},
	} {
		t.Run(fmt.Sprintf("%s %s", c.flow.kind, c.outcome), func(t *testing.T) {
			require.Equal(t, c.outcome, c.flow.outcome(c.order))
			require.Equal(t, c.expected, c.flow.expected(c.order))
		})
	}
}

func TestReportErrSaysWhatFailed(t *testing.T) {
	require.NoError(t, Report{Placed: 3, Settled: 3}.Err())
	err := Report{Failed: 3, ErrorsByKind: map[string]int{"not settled": 2, "place: HTTP 503": 1}}.Err()
	require.EqualError(t, err, "3 order(s) did not end as expected: not settled ×2, place: HTTP 503 ×1")
}
