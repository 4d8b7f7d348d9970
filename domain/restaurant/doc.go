// Package restaurant is the Restaurant context: restaurants, their menus and whether
// they take orders. It owns pricing, because the client never sends prices: an order's
// lines are priced from the restaurant's current menu by PriceOrder.
package restaurant
