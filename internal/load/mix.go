package load

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is what the load does with an order, and so where the order should end.
type Kind string

const (
	// Approved orders from a restaurant that accepts on its own, as a consumer with
	// ample credit: the order settles APPROVED.
	Approved Kind = "approved"
	// Declined orders as a consumer whose credit limit is below the order's total: the
	// order settles REJECTED for INSUFFICIENT_CREDIT.
	Declined Kind = "declined"
	// Rejected orders from a restaurant that answers by hand, and the load rejects the
	// ticket as that restaurant: REJECTED for RESTAURANT_REJECTED.
	Rejected Kind = "rejected"
	// Canceled orders are canceled by their consumer at a random moment after they were
	// placed, while pending or after approval: CANCELED (or, when the API answered 409 or
	// recorded the cancel as refused, whatever settled state the order reached).
	Canceled Kind = "canceled"
	// Revised orders are approved, then their quantities are changed by the consumer:
	// APPROVED at the new total (or APPROVED with the revision's refusal recorded).
	Revised Kind = "revised"
	// Delivered orders are approved, then cooked and handed over by their restaurant
	// (SHIPPED) and reported delivered by a courier: DELIVERED.
	Delivered Kind = "delivered"
)

// Kinds are every kind, in the order reports list them.
var Kinds = []Kind{Approved, Declined, Rejected, Canceled, Revised, Delivered}

// Mix is the share of each kind of order, in percent; the shares add up to 100.
type Mix map[Kind]int

// DefaultMix is mostly approved orders, with a little of every other path.
const DefaultMix = "approved=70,declined=5,rejected=5,canceled=5,revised=5,delivered=10"

// ParseMix reads a mix written as kind=percent pairs separated by commas, such as
// DefaultMix. Every kind must be known and named at most once, every percent a whole
// number from 0 to 100, and they must add up to 100; kinds not named get 0.
func ParseMix(s string) (Mix, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("mix is empty: want kind=percent pairs such as %s", DefaultMix)
	}
	m := Mix{}
	sum := 0
	for pair := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
		kind := Kind(strings.ToLower(strings.TrimSpace(name)))
		if !ok || kind == "" {
			return nil, fmt.Errorf("mix %q: %q is not kind=percent", s, strings.TrimSpace(pair))
		}
		if !kind.valid() {
			return nil, fmt.Errorf("mix %q: unknown kind %q (the kinds are %s)", s, name, kindList())
		}
		if _, dup := m[kind]; dup {
			return nil, fmt.Errorf("mix %q: %s is given twice", s, kind)
		}
		pct, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || pct < 0 || pct > 100 {
			return nil, fmt.Errorf("mix %q: %s=%s: the percent must be a whole number from 0 to 100", s, kind, strings.TrimSpace(value))
		}
		m[kind] = pct
		sum += pct
	}
	if sum != 100 {
		return nil, fmt.Errorf("mix %q: the percents add up to %d, want 100", s, sum)
	}
	return m, nil
}

// Validate checks a mix built in code the way ParseMix checks a written one.
func (m Mix) Validate() error {
	sum := 0
	for k, pct := range m {
		if !k.valid() {
			return fmt.Errorf("mix: unknown kind %q (the kinds are %s)", k, kindList())
		}
		if pct < 0 || pct > 100 {
			return fmt.Errorf("mix: %s=%d: the percent must be from 0 to 100", k, pct)
		}
		sum += pct
	}
	if sum != 100 {
		return fmt.Errorf("mix %s: the percents add up to %d, want 100", m, sum)
	}
	return nil
}

// String writes the mix as ParseMix reads it, kinds in the order of Kinds, leaving out
// those at 0.
func (m Mix) String() string {
	var parts []string
	for _, k := range Kinds {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
		}
	}
	return strings.Join(parts, ",")
}

func (k Kind) valid() bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// picker hands out kinds in the mix's proportions, spread evenly rather than drawn at
// random (smooth weighted round-robin): any 100 consecutive picks hold exactly each
// kind's percent, and a short run still gets every kind whose share allows it.
type picker struct {
	mix     Mix
	current map[Kind]int
}

func newPicker(m Mix) *picker { return &picker{mix: m, current: map[Kind]int{}} }

func (p *picker) next() Kind {
	var best Kind
	for _, k := range Kinds {
		if p.mix[k] == 0 {
			continue
		}
		p.current[k] += p.mix[k]
		if best == "" || p.current[k] > p.current[best] {
			best = k
		}
	}
	p.current[best] -= 100
	return best
}
