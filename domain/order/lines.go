package order

import (
	"errors"
	"fmt"
	"slices"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/restaurant"
)

// Limits on an order; the line limits are the restaurant's, which prices the lines.
const (
	MaxLines         = restaurant.MaxOrderLines
	MaxQuantity      = restaurant.MaxQuantity
	MaxNameLength    = restaurant.MaxMenuItemNameLength
	MaxStreetLength  = 200
	MaxCityLength    = 100
	MaxZipLength     = 20
	MaxReasonLength  = 500
	MaxDetailLength  = 1000
	maxMenuItemIDLen = restaurant.MaxMenuItemIDLength
)

// LinesFromPriced converts the restaurant's pricing into order lines and total, the
// input of Create.
func LinesFromPriced(p restaurant.Priced) ([]Line, money.Money) {
	lines := make([]Line, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = Line{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice, Total: l.Total}
	}
	return lines, p.Total
}

// LineChange sets the quantity of one line of an existing order; 0 removes the line.
type LineChange struct {
	MenuItemID string
	Quantity   int
}

// RevisedLines applies quantity changes to the order's lines, keeping the unit prices
// the consumer agreed to rather than today's menu. Lines not mentioned stay as they
// are. Items not in the order are MENU_ITEM_NOT_FOUND (items[i].menu_item_id); an
// order cannot be revised down to nothing, which is what cancel is for.
func RevisedLines(s State, changes []LineChange) ([]Line, money.Money, error) {
	if !s.Exists() {
		return nil, money.Money{}, notFound()
	}
	var v domain.Validator
	if !v.Check(len(changes) >= 1 && len(changes) <= MaxLines, "items", fmt.Sprintf("must have between 1 and %d items", MaxLines)) {
		return nil, money.Money{}, v.Err()
	}
	missing := &domain.Error{Code: domain.CodeMenuItemNotFound}
	firstIndex := make(map[string]int, len(changes))
	lines := slices.Clone(s.Lines)
	for i, c := range changes {
		path := fmt.Sprintf("items[%d]", i)
		v.Check(c.Quantity >= 0 && c.Quantity <= MaxQuantity, path+".quantity", fmt.Sprintf("must be between 0 and %d", MaxQuantity))
		if !v.Check(c.MenuItemID != "", path+".menu_item_id", "is required") {
			continue
		}
		if j, dup := firstIndex[c.MenuItemID]; dup {
			v.Addf(path+".menu_item_id", "duplicates items[%d].menu_item_id", j)
			continue
		}
		firstIndex[c.MenuItemID] = i
		k := slices.IndexFunc(lines, func(l Line) bool { return l.MenuItemID == c.MenuItemID })
		if k < 0 {
			missing.Fields = append(missing.Fields, domain.FieldError{
				Field: path + ".menu_item_id", Message: fmt.Sprintf("%q is not in this order", c.MenuItemID),
			})
			continue
		}
		lines[k].Quantity = c.Quantity
	}
	if err := v.Err(); err != nil {
		return nil, money.Money{}, err
	}
	if len(missing.Fields) > 0 {
		missing.Message = fmt.Sprintf("%d item(s) are not in order %s", len(missing.Fields), s.ID)
		return nil, money.Money{}, missing
	}
	lines = slices.DeleteFunc(lines, func(l Line) bool { return l.Quantity == 0 })
	if len(lines) == 0 {
		v.Add("items", "a revision cannot remove every line; cancel the order instead")
		return nil, money.Money{}, v.Err()
	}
	total := money.Zero(s.Total.Currency)
	for i := range lines {
		t, err := lines[i].UnitPrice.Times(lines[i].Quantity)
		if err == nil {
			total, err = total.Add(t)
		}
		if err != nil {
			return nil, money.Money{}, tooLarge(err)
		}
		lines[i].Total = t
	}
	return lines, total, nil
}

// checkLines validates priced lines: an order's stored lines must add up, whoever
// priced them. Paths say items[i] because that is what the API calls them.
func checkLines(v *domain.Validator, lines []Line, total money.Money) []Line {
	if !v.Check(len(lines) >= 1 && len(lines) <= MaxLines, "items", fmt.Sprintf("must have between 1 and %d items", MaxLines)) {
		return nil
	}
	if !v.Check(money.ValidCurrency(total.Currency), "total", "must have a 3-letter uppercase ISO 4217 currency") {
		return nil
	}
	out := make([]Line, len(lines))
	firstIndex := make(map[string]int, len(lines))
	sum := money.Zero(total.Currency)
	for i, l := range lines {
		path := fmt.Sprintf("items[%d]", i)
		if v.Check(l.MenuItemID != "" && len(l.MenuItemID) <= maxMenuItemIDLen, path+".menu_item_id", "is required and at most 64 characters") {
			if j, dup := firstIndex[l.MenuItemID]; dup {
				v.Addf(path+".menu_item_id", "duplicates items[%d].menu_item_id", j)
			} else {
				firstIndex[l.MenuItemID] = i
			}
		}
		l.Name = v.Text(path+".name", l.Name, 1, MaxNameLength)
		v.Check(l.Quantity >= 1 && l.Quantity <= MaxQuantity, path+".quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		priceOK := v.Check(l.UnitPrice.Cents > 0 && l.UnitPrice.Currency == total.Currency, path+".unit_price", "must be positive and in the order's currency")
		if want, err := l.UnitPrice.Times(l.Quantity); err != nil || want != l.Total {
			v.Add(path+".total", "must equal unit_price x quantity")
		} else if priceOK {
			if sum, err = sum.Add(l.Total); err != nil { // same currency, so only an overflow
				v.Add("total", "is too large")
				return nil
			}
		}
		out[i] = l
	}
	if !v.Failed() {
		v.Check(sum == total, "total", fmt.Sprintf("must equal the sum of the lines, %s", sum))
	}
	return out
}

func checkAddress(v *domain.Validator, a Address) Address {
	return Address{
		Street: v.Text("delivery_address.street", a.Street, 1, MaxStreetLength),
		City:   v.Text("delivery_address.city", a.City, 1, MaxCityLength),
		Zip:    v.Text("delivery_address.zip", a.Zip, 1, MaxZipLength),
	}
}

func tooLarge(err error) error {
	if !errors.Is(err, money.ErrOverflow) {
		return err
	}
	var v domain.Validator
	v.Add("items", "the order total is too large")
	return v.Err()
}
