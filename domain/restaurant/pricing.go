package restaurant

import (
	"errors"
	"fmt"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
)

// Limits on an order's lines.
const (
	MaxOrderLines = 50
	MaxQuantity   = 99
)

// OrderLine is what a consumer asks for: a menu item and how many.
type OrderLine struct {
	MenuItemID string
	Quantity   int
}

// PricedLine is an order line with the price of the menu at pricing time.
type PricedLine struct {
	MenuItemID string
	Name       string
	Quantity   int
	UnitPrice  money.Money
	Total      money.Money
}

// Priced is an order's lines and total, ready for order.Create.
type Priced struct {
	Lines []PricedLine
	Total money.Money
}

// PriceOrder prices lines from the current menu: the server, never the client, sets
// prices. The restaurant must exist and be open. Malformed lines are a validation
// error; lines naming items not on the menu are MENU_ITEM_NOT_FOUND with the path of
// every such line (items[i].menu_item_id), so the client can fix them all at once.
func PriceOrder(s State, lines []OrderLine) (Priced, error) {
	if !s.Exists() {
		return Priced{}, notFound()
	}
	if !s.Open {
		return Priced{}, domain.Errorf(domain.CodeRestaurantClosed, "restaurant %s is closed", s.ID)
	}
	if err := checkOrderLines(lines); err != nil {
		return Priced{}, err
	}

	menu := make(map[string]MenuItem, len(s.Menu))
	for _, m := range s.Menu {
		menu[m.ID] = m
	}
	currency := ""
	if len(s.Menu) > 0 {
		currency = s.Menu[0].Price.Currency
	}
	missing := &domain.Error{Code: domain.CodeMenuItemNotFound}
	priced := Priced{Lines: make([]PricedLine, 0, len(lines)), Total: money.Zero(currency)}
	overflow := false
	for i, l := range lines {
		item, ok := menu[l.MenuItemID]
		if !ok {
			missing.Fields = append(missing.Fields, domain.FieldError{
				Field:   fmt.Sprintf("items[%d].menu_item_id", i),
				Message: fmt.Sprintf("%q is not on the menu", l.MenuItemID),
			})
			continue
		}
		total, err := item.Price.Times(l.Quantity)
		if err == nil {
			priced.Total, err = priced.Total.Add(total)
		}
		if err != nil {
			if !errors.Is(err, money.ErrOverflow) {
				return Priced{}, err // a menu in two currencies, which Create prevents
			}
			overflow = true
		}
		priced.Lines = append(priced.Lines, PricedLine{
			MenuItemID: item.ID, Name: item.Name, Quantity: l.Quantity, UnitPrice: item.Price, Total: total,
		})
	}
	if len(missing.Fields) > 0 {
		missing.Message = fmt.Sprintf("%d item(s) are not on the menu of restaurant %s", len(missing.Fields), s.ID)
		return Priced{}, missing
	}
	if overflow {
		var v domain.Validator
		v.Add("items", "the order total is too large")
		return Priced{}, v.Err()
	}
	return priced, nil
}

func checkOrderLines(lines []OrderLine) error {
	var v domain.Validator
	if !v.Check(len(lines) >= 1 && len(lines) <= MaxOrderLines, "items", fmt.Sprintf("must have between 1 and %d items", MaxOrderLines)) {
		return v.Err()
	}
	firstIndex := make(map[string]int, len(lines))
	for i, l := range lines {
		path := fmt.Sprintf("items[%d]", i)
		if v.Check(l.MenuItemID != "", path+".menu_item_id", "is required") {
			if j, dup := firstIndex[l.MenuItemID]; dup {
				v.Addf(path+".menu_item_id", "duplicates items[%d].menu_item_id; order a larger quantity instead", j)
			} else {
				firstIndex[l.MenuItemID] = i
			}
		}
		v.Check(l.Quantity >= 1 && l.Quantity <= MaxQuantity, path+".quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
	}
	return v.Err()
}
