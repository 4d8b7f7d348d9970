package perf

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Spread is a median and the range around it.
type Spread struct {
	Median, Min, Max float64
}

// SpreadOf is the median (the mean of the middle two of an even count), the smallest
// and the largest of values.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	mid := len(s) / 2
	median := s[mid]
	if len(s)%2 == 0 {
		median = (s[mid-1] + s[mid]) / 2
	}
	return Spread{Median: median, Min: s[0], Max: s[len(s)-1]}
}

func (s Spread) format(verb string) string {
	return fmt.Sprintf(verb+" ("+verb+"–"+verb+")", s.Median, s.Min, s.Max)
}

// ratio is a/b as a percentage, or 0 when b is 0 (nothing to compare with).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}

// OrdersPerSecond and NoopPerSecond are the saga rounds' throughputs.
func (s SagaReport) OrdersPerSecond() Spread {
	return SpreadOf(collect(s.Rounds, func(r SagaRound) float64 { return r.Orders.PerSecond }))
}

// NoopPerSecond is the no-op workflows' throughput over the rounds.
func (s SagaReport) NoopPerSecond() Spread {
	return SpreadOf(collect(s.Rounds, func(r SagaRound) float64 { return r.Noop.PerSecond }))
}

// ThroughputRatio is the orders' median throughput as a percentage of the no-op
// workflows'.
func (s SagaReport) ThroughputRatio() float64 {
	return ratio(s.OrdersPerSecond().Median, s.NoopPerSecond().Median)
}

// LatencyRatio is the orders' median unloaded p50 as a percentage of the no-op
// workflows'.
func (s SagaReport) LatencyRatio() float64 {
	return ratio(SpreadOf(s.OrderLatencyMS).Median, SpreadOf(s.NoopLatencyMS).Median)
}

// cpuPer is the median over the rounds of a process's CPU seconds per completed
// workflow on one side.
func (s SagaReport) cpuPer(side func(SagaRound) SideRun, processes ...string) float64 {
	return SpreadOf(collect(s.Rounds, func(r SagaRound) float64 {
		run := side(r)
		total := 0.0
		for _, p := range processes {
			total += run.CPU[p]
		}
		return total / float64(max(run.Completed, 1))
	})).Median
}

// Find returns the series of an endpoint on a side.
func (r ReadsReport) Find(endpoint, side string) (ReadSeries, bool) {
	for _, s := range r.Series {
		if s.Endpoint == endpoint && s.Side == side {
			return s, true
		}
	}
	return ReadSeries{}, false
}

// PerSecond is the series' throughput over its rounds.
func (s ReadSeries) PerSecond() Spread {
	return SpreadOf(collect(s.Runs, func(r ReadRun) float64 { return r.PerSecond }))
}

// P50 is the series' median latency in milliseconds over its rounds.
func (s ReadSeries) P50() Spread {
	return SpreadOf(collect(s.Runs, func(r ReadRun) float64 { return r.P50MS }))
}

// P99 is the series' 99th-percentile latency in milliseconds over its rounds.
func (s ReadSeries) P99() Spread {
	return SpreadOf(collect(s.Runs, func(r ReadRun) float64 { return r.P99MS }))
}

func collect[T any](items []T, f func(T) float64) []float64 {
	out := make([]float64, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}

// memoryGrowthLimit is how much a process's RSS may rise from the first to the last of
// consecutive load runs and still count as steady.
const memoryGrowthLimit = 0.10

// WriteText prints the report for a person.
func (r Report) WriteText(w io.Writer) error {
	o := r.Options
	var b strings.Builder
	fmt.Fprintf(&b, "orderflow perf, %s, %d CPUs, load average %s at the start and %s at the end, %.0f s\n",
		r.StartedAt.Format("2006-01-02 15:04 MST"), r.CPUs, r.LoadBefore, r.LoadAfter, r.Seconds)
	fmt.Fprintf(&b, "Every ratio is of medians measured in the same run, the two sides alternating which goes first.\n\n")

	s := r.Saga
	fmt.Fprintf(&b, "SAGA  %d rounds of %d orders POST /v1/orders -> APPROVED (read model polled every %s) vs %d no-op workflows\n",
		len(s.Rounds), o.SagaOrders, o.PollInterval, o.SagaOrders)
	fmt.Fprintf(&b, "      of 6 no-op activities (queues %s) on the same dev server; %d in flight on each side\n",
		strings.Join(noopSteps, ", "), o.Concurrency)
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  round\tfirst\torders/s\tno-op workflows/s\tratio")
	for i, round := range s.Rounds {
		first := "no-op"
		if round.OrdersFirst {
			first = "orders"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%.2f\t%.2f\t%.0f %%\n", i+1, first, round.Orders.PerSecond, round.Noop.PerSecond, ratio(round.Orders.PerSecond, round.Noop.PerSecond))
	}
	fmt.Fprintf(tw, "  median (range)\t\t%s\t%s\t%.0f %%  (target >= 100 %%)\n", s.OrdersPerSecond().format("%.2f"), s.NoopPerSecond().format("%.2f"), s.ThroughputRatio())
	_ = tw.Flush()
	if len(s.OrderLatencyMS) > 0 {
		fmt.Fprintf(&b, "  single, unloaded (POST to APPROVED read / start to the last activity's run): p50 of %d sequential, per batch:\n"+
			"    orders %s ms, no-op %s ms; median %.1f vs %.1f ms, ratio %.0f %% (target <= 100 %%)\n",
			o.LatencyOrders, joinFloats(s.OrderLatencyMS), joinFloats(s.NoopLatencyMS),
			SpreadOf(s.OrderLatencyMS).Median, SpreadOf(s.NoopLatencyMS).Median, s.LatencyRatio())
	}
	fmt.Fprintf(&b, "  per workflow (mean over %d order and %d no-op histories, the orders' read once APPROVED):\n", s.OrderHistory.Workflows, s.NoopHistory.Workflows)
	tw = tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "    \torder\tno-op")
	for _, row := range []struct {
		name string
		f    func(History) float64
	}{
		{"history events", func(h History) float64 { return h.Events }},
		{"workflow tasks (completed)", func(h History) float64 { return h.WorkflowTasks }},
		{"activities scheduled", func(h History) float64 { return h.Activities }},
		{"markers (local activities, versions)", func(h History) float64 { return h.Markers }},
		{"search attribute upserts", func(h History) float64 { return h.Upserts }},
		{"timers started", func(h History) float64 { return h.Timers }},
		{"updates accepted", func(h History) float64 { return h.Updates }},
		{"signals", func(h History) float64 { return h.Signals }},
	} {
		fmt.Fprintf(tw, "    %s\t%.1f\t%.1f\n", row.name, row.f(s.OrderHistory), row.f(s.NoopHistory))
	}
	_ = tw.Flush()
	fmt.Fprintln(&b, "  CPU seconds per order / per no-op workflow (median over the rounds; /proc/<pid>/stat utime+stime):")
	tw = tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	orders := func(r SagaRound) SideRun { return r.Orders }
	noops := func(r SagaRound) SideRun { return r.Noop }
	fmt.Fprintln(tw, "    \torder\tno-op")
	fmt.Fprintf(tw, "    Temporal dev server\t%.4f\t%.4f\n", s.cpuPer(orders, procTemporal), s.cpuPer(noops, procTemporal))
	for _, p := range orderflowProcesses {
		fmt.Fprintf(tw, "    orderflow %s\t%.4f\t-\n", p, s.cpuPer(orders, p))
	}
	fmt.Fprintf(tw, "    orderflow, all three\t%.4f\t-\n", s.cpuPer(orders, orderflowProcesses...))
	fmt.Fprintf(tw, "    perf process (load client; + no-op workers)\t%.4f\t%.4f\n", s.cpuPer(orders, procPerf), s.cpuPer(noops, procPerf))
	_ = tw.Flush()

	reads := r.Reads
	fmt.Fprintf(&b, "\nREADS  %d rounds of %s per endpoint and side, %d keep-alive connections (Go client in the perf process);\n",
		o.ReadRounds, o.ReadDuration, o.ReadConnections)
	fmt.Fprintf(&b, "       order %s, consumer %s (first page: %d orders); the API as that consumer\n", reads.OrderID, reads.ConsumerID, reads.PageSize)
	tw = tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  endpoint\tside\trequests/s median (range)\tp50 ms\tp99 ms\tvs pgx")
	for _, series := range reads.Series {
		vs := ""
		if series.Side == SideAPI {
			if pgx, ok := reads.Find(series.Endpoint, SidePgx); ok {
				vs = fmt.Sprintf("%.0f %% (target >= 80 %%, p99 < 10 ms)", ratio(series.PerSecond().Median, pgx.PerSecond().Median))
			}
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%.2f\t%.2f\t%s\n", series.Endpoint, series.Side, series.PerSecond().format("%.0f"),
			series.P50().Median, series.P99().Median, vs)
	}
	_ = tw.Flush()

	fmt.Fprintln(&b, "\nMEMORY  RSS (/proc/<pid>/status VmRSS) of orderflow's processes after each load run, MiB")
	tw = tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  after\t%s\n", strings.Join(orderflowProcesses, "\t"))
	for _, m := range r.Memory {
		fmt.Fprintf(tw, "  %s", m.After)
		for _, p := range orderflowProcesses {
			fmt.Fprintf(tw, "\t%.1f", float64(m.RSS[p])/(1<<20))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	for _, v := range r.MemoryVerdicts() {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// MemoryVerdicts says, for the saga rounds and for the read rounds, whether each
// process's RSS grew from the first to the last of them by more than
// memoryGrowthLimit.
func (r Report) MemoryVerdicts() []string {
	var out []string
	for _, phase := range []string{"saga round", "reads round"} {
		var samples []MemorySample
		for _, m := range r.Memory {
			if strings.HasPrefix(m.After, phase) {
				samples = append(samples, m)
			}
		}
		if len(samples) < 2 {
			continue
		}
		first, last := samples[0], samples[len(samples)-1]
		var parts []string
		for _, p := range orderflowProcesses {
			change := float64(last.RSS[p])/float64(max(first.RSS[p], 1)) - 1
			verdict := "steady"
			if change > memoryGrowthLimit {
				verdict = "GREW"
			}
			parts = append(parts, fmt.Sprintf("%s %+.0f %% (%s)", p, 100*change, verdict))
		}
		out = append(out, fmt.Sprintf("over the %d %ss, first to last: %s; grew means more than %.0f %%", len(samples), phase,
			strings.Join(parts, ", "), 100*memoryGrowthLimit))
	}
	return out
}

func joinFloats(values []float64) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf("%.1f", v)
	}
	return strings.Join(parts, ", ")
}
