package ex5

import (
	"encoding/json"
	"fmt"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// Stripe event types the service does not act on. fixedUnknownType is sent in every run:
// it starts with "payment." like the two types that do have effects, so a service that
// treats "anything else" as one of them is caught whatever the seed. The seed picks one
// more from otherUnknownTypes.
const fixedUnknownType = "payment.refunded"

var otherUnknownTypes = []string{"customer.updated", "invoice.paid", "charge.refunded", "customer.subscription.deleted"}

// isPaymentType reports whether typ has effects (payment.succeeded, payment.failed).
func isPaymentType(typ string) bool { return typ == ex5.PaymentSucceeded || typ == ex5.PaymentFailed }

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

// changed returns w with the same id, order and customer but another body: the other
// payment type (a new payment id when it becomes payment.succeeded). A redelivery of it
// is still a duplicate of w.
func (w webhook) changed(env *grader.Env) webhook {
	c := w
	if w.Type == ex5.PaymentSucceeded {
		c.Type, c.PaymentID = ex5.PaymentFailed, ""
	} else {
		c.Type, c.PaymentID = ex5.PaymentSucceeded, fmt.Sprintf("pay_%08x", env.Rand.Uint32())
	}
	return c
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
