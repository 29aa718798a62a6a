// Broken on purpose: every webhook's processing goes through one PaymentLedger virtual
// object with a fixed key, which Restate runs one invocation at a time: a webhook whose
// gateway call hangs holds up every other webhook.
//
//grade:lose independent
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// WebhookService is the reference solution of Exercise 5: a virtual object keyed by
// webhook ID. Restate runs one exclusive handler per key at a time, so a duplicate that
// arrives while the first delivery is still working waits for it, then finds the record.
type WebhookService struct{}

var _ ex5.WebhookService = WebhookService{}

const (
	statusKey  = "status"  // ex5.WebhookStatus: the webhook was processed
	webhookKey = "webhook" // ex5.StripeWebhook: the payload, for ReplayWebhook
)

// ProcessWebhook verifies the delivery, then processes the webhook once; every later
// delivery of the same ID returns the stored record without touching a gateway.
func (WebhookService) ProcessWebhook(ctx restate.ObjectContext, hook ex5.StripeWebhook) (ex5.WebhookStatus, error) {
	// An unauthenticated delivery is refused before anything is read or written, so
	// that a forged or stale request cannot use up the webhook's ID.
	if err := verifySignature(ctx); err != nil {
		return ex5.WebhookStatus{}, err
	}
	if hook.ID != restate.Key(ctx) {
		return ex5.WebhookStatus{}, badRequest(fmt.Errorf("webhook id %q does not match the object key %q", hook.ID, restate.Key(ctx)))
	}
	existing, err := restate.Get[*ex5.WebhookStatus](ctx, statusKey)
	if err != nil {
		return ex5.WebhookStatus{}, err
	}
	if existing != nil {
		return *existing, nil
	}
	// All payments go through one ledger, so that the order store sees them in order.
	rec, perr := restate.Object[ex5.WebhookStatus](ctx, "PaymentLedger", "global", "Apply").Request(hook)
	if perr != nil {
		return ex5.WebhookStatus{}, perr
	}
	acked, perr := restate.Run(ctx, func(restate.RunContext) (time.Time, error) {
		return time.Now().UTC(), nil
	}, restate.WithName("acknowledged at"))
	if perr != nil {
		return ex5.WebhookStatus{}, perr
	}
	rec.ProcessedAt = acked
	restate.Set(ctx, webhookKey, hook)
	restate.Set(ctx, statusKey, rec)
	return rec, nil
}

// PaymentLedger applies payment webhooks one at a time.
type PaymentLedger struct{}

// Apply processes one webhook for WebhookService.
func (PaymentLedger) Apply(ctx restate.ObjectContext, hook ex5.StripeWebhook) (ex5.WebhookStatus, error) {
	return process(ctx, hook)
}

// GetWebhookStatus returns the record of a processed webhook, or 404.
func (WebhookService) GetWebhookStatus(ctx restate.ObjectSharedContext) (ex5.WebhookStatus, error) {
	rec, err := restate.Get[*ex5.WebhookStatus](ctx, statusKey)
	if err != nil {
		return ex5.WebhookStatus{}, err
	}
	if rec == nil {
		return ex5.WebhookStatus{}, notFound(restate.Key(ctx))
	}
	return *rec, nil
}

// ReplayWebhook runs the stored webhook's processing again, on purpose, and counts it.
func (WebhookService) ReplayWebhook(ctx restate.ObjectContext) (ex5.WebhookStatus, error) {
	rec, err := restate.Get[*ex5.WebhookStatus](ctx, statusKey)
	if err != nil {
		return ex5.WebhookStatus{}, err
	}
	hook, err := restate.Get[*ex5.StripeWebhook](ctx, webhookKey)
	if err != nil {
		return ex5.WebhookStatus{}, err
	}
	if rec == nil || hook == nil {
		return ex5.WebhookStatus{}, notFound(restate.Key(ctx))
	}
	again, perr := process(ctx, *hook)
	if perr != nil {
		return ex5.WebhookStatus{}, perr
	}
	rec.Status, rec.Result, rec.Error = again.Status, again.Result, again.Error
	rec.Replays++
	rec.LastReplayedAt = again.ProcessedAt
	restate.Set(ctx, statusKey, *rec)
	return *rec, nil
}

// process performs the webhook's business logic. Every gateway call is a restate.Run:
// its result is journaled, so a retry of the invocation replays it instead of calling
// the gateway again.
func process(ctx restate.ObjectContext, hook ex5.StripeWebhook) (ex5.WebhookStatus, error) {
	rec := ex5.WebhookStatus{ID: hook.ID, Type: hook.Type, Status: ex5.StatusProcessed}
	orderID, customerID := hook.Field(ex5.DataOrderID), hook.Field(ex5.DataCustomerID)
	var err error
	switch hook.Type {
	case ex5.PaymentSucceeded:
		paymentID := hook.Field(ex5.DataPaymentID)
		if orderID == "" || customerID == "" || paymentID == "" {
			return rec, badRequest(errors.New("payment.succeeded needs data.orderId, data.customerId and data.paymentId"))
		}
		err = restate.RunVoid(ctx, func(restate.RunContext) error {
			return gatewayError(fixtures.MarkOrderPaid(orderID, paymentID))
		}, restate.WithName("mark order paid"))
		if err == nil {
			err = notify(ctx, customerID, hook.Type, orderID)
		}
		rec.Result = fmt.Sprintf("order %s marked paid by %s; customer %s notified", orderID, paymentID, customerID)
	case ex5.PaymentFailed:
		if orderID == "" || customerID == "" {
			return rec, badRequest(errors.New("payment.failed needs data.orderId and data.customerId"))
		}
		err = notify(ctx, customerID, hook.Type, orderID)
		rec.Result = fmt.Sprintf("customer %s notified that the payment for order %s failed", customerID, orderID)
	default:
		rec.Status, rec.Result = ex5.StatusIgnored, "type "+hook.Type+" is not handled: acknowledged without effect"
	}
	if err != nil {
		// Only terminal errors get here (a transient one makes Restate retry): the
		// gateway refused for good, and redelivering the webhook would not change that.
		rec.Status, rec.Result, rec.Error = ex5.StatusFailed, "", err.Error()
	}
	rec.ProcessedAt, err = restate.Run(ctx, func(restate.RunContext) (time.Time, error) {
		return time.Now().UTC(), nil
	}, restate.WithName("processed at"))
	return rec, err
}

func notify(ctx restate.ObjectContext, customerID, event, orderID string) error {
	_, err := restate.Run(ctx, func(restate.RunContext) (string, error) {
		id, err := fixtures.SendNotification(customerID, event, orderID)
		return id, gatewayError(err)
	}, restate.WithName("notify customer"))
	return err
}

// gatewayError makes a gateway's permanent refusal terminal, so that Restate stops
// retrying it; transient errors stay retryable.
func gatewayError(err error) error {
	if errors.Is(err, fixtures.ErrPermanent) {
		return restate.ToTerminalError(err, restate.WithErrorCode(502))
	}
	return err
}

// verifySignature checks the Stripe-Signature header against the raw request body:
// t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
func verifySignature(ctx restate.ObjectContext) error {
	header := ctx.Request().Headers.Get(ex5.SignatureHeader)
	if header == "" {
		return unauthorized("missing Stripe-Signature header")
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return unauthorized("malformed Stripe-Signature header")
	}
	// The clock is read once and journaled: a retry of this invocation minutes later
	// must take the same decision as the first attempt did.
	now, err := restate.Run(ctx, func(restate.RunContext) (time.Time, error) {
		return time.Now(), nil
	}, restate.WithName("signature clock"))
	if err != nil {
		return err
	}
	if age := now.Sub(time.Unix(sec, 0)); age > ex5.SignatureTolerance || age < -ex5.SignatureTolerance {
		return unauthorized(fmt.Sprintf("signature timestamp is %s away from now: outside the %s tolerance", age.Round(time.Second), ex5.SignatureTolerance))
	}
	mac := hmac.New(sha256.New, []byte(fixtures.WebhookSecret()))
	mac.Write([]byte(ts + "."))
	mac.Write(ctx.Request().Body)
	want := mac.Sum(nil)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return unauthorized("signature does not match the body")
}

func unauthorized(msg string) error {
	return restate.ToTerminalError(errors.New(msg), restate.WithErrorCode(401))
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(id string) error {
	return restate.ToTerminalError(fmt.Errorf("webhook %s has not been processed", id), restate.WithErrorCode(404))
}
