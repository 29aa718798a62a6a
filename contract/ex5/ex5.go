// Package ex5 is the contract of Exercise 5, the idempotent WebhookService: the names the
// grader calls and the JSON shapes it sends and expects. StripeWebhook is the exercise
// text's type; WebhookStatus is the record GetWebhookStatus returns, which the text leaves
// to the implementer.
package ex5

import (
	"time"

	restate "github.com/restatedev/sdk-go"
)

// Names of the virtual object and its handlers, as registered with Restate.
const (
	ServiceName      = "WebhookService"
	ProcessWebhook   = "ProcessWebhook"
	GetWebhookStatus = "GetWebhookStatus"
	ReplayWebhook    = "ReplayWebhook" // bonus
)

// Webhook types the service acts on. Any other type is acknowledged and has no effect.
const (
	PaymentSucceeded = "payment.succeeded"
	PaymentFailed    = "payment.failed"
)

// Names of the fields of StripeWebhook.Data that the two payment types carry. All three
// are strings.
const (
	DataOrderID    = "orderId"
	DataCustomerID = "customerId"
	DataPaymentID  = "paymentId" // payment.succeeded only
)

// Statuses of a WebhookStatus.
const (
	StatusProcessed = "processed" // a payment webhook whose effects all happened
	StatusIgnored   = "ignored"   // a type the service does not act on: acknowledged, no effect
	StatusFailed    = "failed"    // a gateway refused for good (a permanent error)
)

// SignatureHeader is the name under which a handler finds the webhook's signature in
// ctx.Request().Headers. Senders write it as "Stripe-Signature"; Restate hands ingress
// headers to the service in lower case, and Headers.Get is case-sensitive.
const SignatureHeader = "stripe-signature"

// SignatureTolerance is how far the signature's timestamp t may lie from now before the
// delivery is refused as stale (a replayed capture of an old request).
const SignatureTolerance = 5 * time.Minute

// StripeWebhook is ProcessWebhook's input, as Stripe sends it. The signature is computed
// over the raw request body, not over this struct: see SignatureHeader.
type StripeWebhook struct {
	ID        string                 `json:"id"`
	Type      string                 `json:"type"` // "payment.succeeded", "payment.failed"
	Data      map[string]interface{} `json:"data"`
	Timestamp int64                  `json:"timestamp"`
}

// Field returns the string field name of Data (DataOrderID, ...), or "" when it is
// missing or not a string.
func (w StripeWebhook) Field(name string) string {
	s, _ := w.Data[name].(string)
	return s
}

// WebhookStatus is what ProcessWebhook, GetWebhookStatus and ReplayWebhook return: the
// record of one webhook ID.
type WebhookStatus struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"` // "processed", "ignored", "failed"
	// Result says in words what processing did ("order ord_1 marked paid ...").
	Result string `json:"result,omitempty"`
	// Error is the gateway's refusal when Status is "failed".
	Error string `json:"error,omitempty"`
	// ProcessedAt is when the webhook was first processed.
	ProcessedAt time.Time `json:"processedAt"`
	// Replays counts the explicit ReplayWebhook calls (bonus); duplicates never count.
	Replays        int       `json:"replays"`
	LastReplayedAt time.Time `json:"lastReplayedAt,omitzero"`
}

// WebhookService is what both the stub (exercises/ex5) and the reference solution
// (solutions/ex5) implement; each checks it at compile time.
type WebhookService interface {
	ProcessWebhook(ctx restate.ObjectContext, hook StripeWebhook) (WebhookStatus, error)
	GetWebhookStatus(ctx restate.ObjectSharedContext) (WebhookStatus, error)
	ReplayWebhook(ctx restate.ObjectContext) (WebhookStatus, error)
}
