package ex6

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"idempotency/contract/ex6"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// order is one order a scenario processes: its key, the request, and the step at which
// it is expected to fail (0: it completes).
type order struct {
	ID  string
	Req ex6.OrderRequest
	// FailAt is the saga step that fails terminally: 1 reserve stock, 2 payment,
	// 3 shipping label, 4 confirmation; 0 when the order completes.
	FailAt int
	// RefundOnly: the payment includes shipping so that a refund of the items' total
	// shows (R7); what is charged is R5's, judged by transaction-idempotent, so the
	// charge is not compared with the payment here.
	RefundOnly bool
}

// Steps of the transaction, in order.
const (
	stepNone = iota
	stepReserve
	stepPayment
	stepLabel
	stepConfirm
)

var stepNames = map[int]string{
	stepNone:    "none",
	stepReserve: "reserve stock",
	stepPayment: "payment",
	stepLabel:   "shipping label",
	stepConfirm: "confirmation",
}

// newOrder makes an order that completes, for a customer of its own.
func newOrder(env *grader.Env) order {
	return newOrderFor(env, world.NewCustomerID(env.Rand))
}

// newOrderFor makes an order that completes, for customer.
func newOrderFor(env *grader.Env, customer string) order {
	id := env.NewKey(ex6.OrchestratorName, "ord")
	items := newItems(env.Rand)
	return order{ID: id, Req: ex6.OrderRequest{
		Items:           items,
		CustomerID:      customer,
		Payment:         ex6.Payment{Amount: totalOf(items)},
		ShippingAddress: fmt.Sprintf("%d Main Street, Springfield", 1+env.Rand.IntN(999)),
	}}
}

// declinedOrder fails at payment: the customer's card is declined.
func declinedOrder(env *grader.Env) order {
	o := newOrderFor(env, world.NewDecliningCustomerID(env.Rand))
	o.FailAt = stepPayment
	return o
}

// undeliverableOrder fails at the shipping label: the address is undeliverable.
func undeliverableOrder(env *grader.Env) order {
	o := newOrder(env)
	o.Req.ShippingAddress = fmt.Sprintf("%d Undeliverable Road, Nowhere", 1+env.Rand.IntN(999))
	o.FailAt = stepLabel
	return o
}

// soldOutOrder fails at the reservation: one item is out of stock. It is always the
// last of at least three items, so that a check of the first item alone misses it.
func soldOutOrder(env *grader.Env) order {
	o := newOrder(env)
	for len(o.Req.Items) < 3 {
		o.Req.Items = append(o.Req.Items, newItems(env.Rand)[0])
	}
	o.Req.Items[len(o.Req.Items)-1].ProductID = fmt.Sprintf("%s%05d", ex6.SoldOutPrefix, env.Rand.IntN(100000))
	o.Req.Payment.Amount = totalOf(o.Req.Items)
	o.FailAt = stepReserve
	return o
}

// shippingFee is added to the payment of the orders that test "charge
// req.Payment.Amount": the items' total is then not the amount to charge.
const shippingFee = 495

// withShippingFee makes o's payment the items' total plus shipping.
func withShippingFee(o order) order {
	o.Req.Payment.Amount = totalOf(o.Req.Items) + shippingFee
	return o
}

// refundingWhole makes o's payment include shipping, to judge that a failed label
// refunds the whole charge and not the items' total (R7).
func refundingWhole(o order) order {
	o = withShippingFee(o)
	o.RefundOnly = true
	return o
}

// withItemsOf gives o the same items (and amount) as other: an idempotency key made
// from the items would merge the two orders.
func withItemsOf(o, other order) order {
	o.Req.Items = slices.Clone(other.Req.Items)
	o.Req.Payment = other.Req.Payment
	return o
}

func newItems(r *rand.Rand) []ex6.OrderItem {
	items := make([]ex6.OrderItem, 1+r.IntN(3))
	for i := range items {
		items[i] = ex6.OrderItem{
			ProductID: fmt.Sprintf("sku-%05d", r.IntN(100000)),
			Quantity:  1 + r.IntN(4),
			Price:     100 + r.IntN(9900),
		}
	}
	return items
}

func totalOf(items []ex6.OrderItem) int {
	t := 0
	for _, it := range items {
		t += it.Quantity * it.Price
	}
	return t
}

// describe prints what an order is, the way the report shows it.
func (o order) describe() string {
	s := fmt.Sprintf("order %s (customer %s, %d cents, address %q)", o.ID, o.Req.CustomerID, o.Req.Payment.Amount, o.Req.ShippingAddress)
	if t := totalOf(o.Req.Items); t != o.Req.Payment.Amount {
		s += fmt.Sprintf(" whose items add up to %d cents (the payment includes %d cents of shipping)", t, o.Req.Payment.Amount-t)
	}
	if o.FailAt == stepReserve {
		last := len(o.Req.Items) - 1
		s += fmt.Sprintf(" whose item %d of %d, %s, is sold out", last+1, len(o.Req.Items), o.Req.Items[last].ProductID)
	}
	return s
}
