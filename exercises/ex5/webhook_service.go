package main

import (
	"idempotency/contract"
	"idempotency/contract/ex5"

	restate "github.com/restatedev/sdk-go"
)

// WebhookService is a Restate virtual object; its key is the webhook ID.
// Read README.md in this folder first, then work through the TODO steps in order and
// re-run `go run ./cmd/grade ex5` after each one: every step turns a criterion green.
type WebhookService struct{}

// The compiler checks that WebhookService keeps the contract the grader calls.
var _ ex5.WebhookService = WebhookService{}

// ProcessWebhook processes one delivery of a Stripe webhook, once per webhook ID.
//
// TODO step 1 (criterion "Webhook processed exactly once": the signature):
//   - read the header: ctx.Request().Headers.Get(ex5.SignatureHeader) (Restate lower-cases
//     header names: "stripe-signature"); its value is t=<unix seconds>,v1=<hex signature>
//   - compute hex(HMAC-SHA256(fixtures.WebhookSecret(), t + "." + body)) over the RAW body,
//     ctx.Request().Body, never over hook re-encoded; compare with hmac.Equal
//   - read the current time inside restate.Run (so a retry decides the same way) and refuse
//     a t more than ex5.SignatureTolerance (5 minutes) away
//   - missing, wrong or stale -> restate.ToTerminalError(err, restate.WithErrorCode(401)),
//     BEFORE you read or write any state: a forged delivery must not use up the ID
//   - hook.ID != restate.Key(ctx) -> terminal 400
//
// TODO step 2 (criterion "Duplicate webhooks return success immediately"):
//   - look the webhook up: restate.Get[*ex5.WebhookStatus](ctx, "status")
//   - if it is there, return it at once: no error, no gateway call, whatever the body says
//
// TODO step 3 (criteria "processed exactly once" and "Side effects happen once"):
//   - payment.succeeded: fixtures.MarkOrderPaid(orderId, paymentId), then
//     fixtures.SendNotification(customerId, "payment.succeeded", orderId)
//   - payment.failed: fixtures.SendNotification(customerId, "payment.failed", orderId)
//   - any other type: no effect, status ex5.StatusIgnored
//   - read the data fields with hook.Field(ex5.DataOrderID) etc.
//   - put EACH gateway call in its own restate.Run (restate.RunVoid for MarkOrderPaid):
//     Restate journals the result, so a retry after a crash does not call again
//   - a permanent gateway error (errors.Is(err, fixtures.ErrPermanent)) will never
//     succeed: make it terminal inside the Run (restate.ToTerminalError) and record the
//     webhook with status ex5.StatusFailed; return transient errors as they are
//   - take processedAt from restate.Run too, then store the record (and the webhook, for
//     the bonus) with restate.Set and return the record
//
// TODO step 4 (criterion "Different webhooks processed independently"): nothing to add
// if the state lives in Restate under the webhook's own key; never put a package-level
// lock or map around processing.
func (WebhookService) ProcessWebhook(ctx restate.ObjectContext, hook ex5.StripeWebhook) (ex5.WebhookStatus, error) {
	return ex5.WebhookStatus{}, contract.NotImplemented("ProcessWebhook")
}

// GetWebhookStatus returns the stored record, or a terminal 404 when there is none.
//
// TODO step 5: restate.Get the record; when it is nil return
// restate.ToTerminalError(fmt.Errorf("webhook %s not processed", restate.Key(ctx)), restate.WithErrorCode(404)).
func (WebhookService) GetWebhookStatus(ctx restate.ObjectSharedContext) (ex5.WebhookStatus, error) {
	return ex5.WebhookStatus{}, contract.NotImplemented("GetWebhookStatus")
}

// ReplayWebhook (bonus) runs a processed webhook's business logic again, on purpose, for
// debugging.
//
// TODO bonus: unknown webhook -> 404; otherwise run the processing of step 3 on the stored
// webhook again, add 1 to the record's Replays, set LastReplayedAt (from restate.Run), store
// and return the record. A duplicate ProcessWebhook must never do this.
func (WebhookService) ReplayWebhook(ctx restate.ObjectContext) (ex5.WebhookStatus, error) {
	return ex5.WebhookStatus{}, contract.NotImplemented("ReplayWebhook")
}
