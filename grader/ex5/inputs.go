package ex5

import (
	"encoding/json"
	"fmt"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// unknownType is a Stripe event type the service does not act on.
const unknownType = "customer.updated"

// webhook is one generated event: its ID (the object key) and the data fields the
// exercise defines. Every webhook has its own order, customer and payment, so the
// ledger's calls tell webhooks apart even when scenarios run side by side.
type webhook struct {
	ID, Type                       string
	OrderID, CustomerID, PaymentID string
	Timestamp                      int64
}

// newWebhook makes an event of type typ on a fresh key, from the scenario's seed.
func newWebhook(env *grader.Env, typ string) webhook {
	w := webhook{
		ID:         env.NewKey(ex5.ServiceName, "evt"),
		Type:       typ,
		OrderID:    fmt.Sprintf("ord_%08x", env.Rand.Uint32()),
		CustomerID: world.NewCustomerID(env.Rand),
		Timestamp:  1_760_000_000 + env.Rand.Int64N(10_000_000),
	}
	if typ != ex5.PaymentFailed {
		w.PaymentID = fmt.Sprintf("pay_%08x", env.Rand.Uint32())
	}
	return w
}

// payload is the event as the contract's StripeWebhook.
func (w webhook) payload() ex5.StripeWebhook {
	data := map[string]any{ex5.DataOrderID: w.OrderID, ex5.DataCustomerID: w.CustomerID}
	if w.PaymentID != "" {
		data[ex5.DataPaymentID] = w.PaymentID
	}
	return ex5.StripeWebhook{ID: w.ID, Type: w.Type, Data: data, Timestamp: w.Timestamp}
}

// body is the compact JSON body, byte for byte what encoding/json makes of payload.
func (w webhook) body() []byte {
	b, err := json.Marshal(w.payload())
	if err != nil {
		panic(err) // strings and an int64 always encode
	}
	return b
}

// prettyBody is the same event laid out as Stripe sends it: indented, fields in another
// order. Re-encoding the decoded struct gives different bytes, so only a signature
// checked over the raw body verifies.
func (w webhook) prettyBody() []byte {
	data := fmt.Sprintf("{\n    %q: %q,\n    %q: %q", ex5.DataCustomerID, w.CustomerID, ex5.DataOrderID, w.OrderID)
	if w.PaymentID != "" {
		data += fmt.Sprintf(",\n    %q: %q", ex5.DataPaymentID, w.PaymentID)
	}
	return fmt.Appendf(nil, "{\n  \"type\": %q,\n  \"id\": %q,\n  \"timestamp\": %d,\n  \"data\": %s\n  }\n}\n",
		w.Type, w.ID, w.Timestamp, data)
}

func (w webhook) String() string {
	switch w.Type {
	case ex5.PaymentSucceeded:
		return fmt.Sprintf("%s webhook %s (order %s, customer %s, payment %s)", w.Type, w.ID, w.OrderID, w.CustomerID, w.PaymentID)
	default:
		return fmt.Sprintf("%s webhook %s (order %s, customer %s)", w.Type, w.ID, w.OrderID, w.CustomerID)
	}
}
