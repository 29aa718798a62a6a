package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

const processedOnceHint = "verify the Stripe-Signature header over ctx.Request().Body before anything else and refuse a bad one with " +
	"restate.WithErrorCode(401) without storing anything; then process each webhook type exactly as the README says"

func processedOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "processed-once",
		Title:  "Webhook processed exactly once",
		Points: 25,
		Hint:   processedOnceHint,
		Run:    runProcessedOnce,
	}
}

// runProcessedOnce delivers one webhook of each kind once, then forged, tampered and
// stale deliveries before the genuine one: each genuine webhook is processed once, a
// refused delivery never, and it does not use up the webhook's ID.
func runProcessedOnce(ctx context.Context, env *grader.Env) error {
	for _, typ := range []string{ex5.PaymentSucceeded, ex5.PaymentFailed, unknownType} {
		w := newWebhook(env, typ)
		if err := processFresh(ctx, env, w, w.body(), "", ""); err != nil {
			return err
		}
	}
	w := newWebhook(env, ex5.PaymentSucceeded)
	if err := processFresh(ctx, env, w, w.prettyBody(), " (an indented body, fields in another order)",
		"the signature is computed over the raw bytes that were sent: verify it over ctx.Request().Body, never over the webhook re-encoded as JSON"); err != nil {
		return err
	}
	if err := refusedThenProcessed(ctx, env); err != nil {
		return err
	}
	return keyMismatch(ctx, env)
}

// processFresh delivers a new webhook once and checks the answer, the record and the
// effects. how describes the body; hint, when set, replaces the usual one.
func processFresh(ctx context.Context, env *grader.Env, w webhook, body []byte, how, hint string) error {
	sent := fmt.Sprintf("ProcessWebhook: the %s, correctly signed%s", w, how)
	env.Step("ProcessWebhook %s (%s)%s", w.ID, w.Type, how)
	rec, err := deliverSigned(ctx, env, w, body)
	if err != nil {
		f := unexpected(env, sent, "success", err)
		if grader.Code(err) == 401 && hint != "" {
			return withHint(f, hint)
		}
		return f
	}
	wantStatus := ex5.StatusProcessed
	if w.Type == unknownType {
		wantStatus = "" // any status: the type is only acknowledged
	}
	if d := diffRecord(w, wantStatus, rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, wantStatus), "%s: %s", describe(rec), d)
	}
	if err := expectEffects(env, w, 1, sent, "process the webhook once: each gateway call once, inside restate.Run"); err != nil {
		return err
	}
	if wantStatus == "" {
		return nil
	}
	env.Step("GetWebhookStatus %s", w.ID)
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return unexpected(env, "GetWebhookStatus "+w.ID+" after it was processed", "the processed webhook's record", err)
	}
	if d := diffRecord(w, wantStatus, stored); d != "" {
		return grader.Fail("GetWebhookStatus "+w.ID+" after it was processed", recordExpectation(w, wantStatus), "%s: %s", describe(stored), d)
	}
	return nil
}

// badDelivery is one way a delivery can fail verification.
type badDelivery struct {
	what      string
	body      []byte
	signature string
	hint      string // what to fix when it is not refused
}

// refusedThenProcessed sends four deliveries of one webhook that must be refused with
// 401, then the genuine one, which must still be processed, once.
func refusedThenProcessed(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	body := w.body()
	tampered := w
	tampered.PaymentID = fmt.Sprintf("pay_%08x", env.Rand.Uint32())
	bad := []badDelivery{
		{what: "without a Stripe-Signature header", body: body, hint: missingHint},
		{what: "signed with another secret", body: body, signature: world.SignWebhook("whsec_not_yours", time.Now(), body), hint: hmacHint},
		{what: "with a body changed after signing (another paymentId)", body: tampered.body(), signature: env.World.SignWebhook(time.Now(), body), hint: hmacHint},
		{what: "correctly signed 10 minutes ago (outside the 5-minute tolerance)", body: body, signature: env.World.SignWebhook(time.Now().Add(-10*time.Minute), body), hint: staleHint},
	}
	for _, b := range bad {
		sent := fmt.Sprintf("ProcessWebhook: the %s, %s", w, b.what)
		env.Step("ProcessWebhook %s %s", w.ID, b.what)
		rec, err := deliver(ctx, env, w.ID, b.body, b.signature)
		if err := expectCode(sent, 401, "a terminal 401 error, and no processing", rec, err); err != nil {
			return withHint(err, b.hint)
		}
		if err := expectEffects(env, w, 0, sent+", answered 401", "a refused delivery must have no effect: verify the signature before any gateway call"); err != nil {
			return err
		}
		stored, err := getStatus(ctx, env, w.ID)
		if err := expectCode(sent+", then GetWebhookStatus "+w.ID, 404, "404: a refused delivery records nothing", stored, err); err != nil {
			return withHint(err, "verify the signature before you read or write any state, and store nothing when it fails")
		}
	}
	sent := fmt.Sprintf("ProcessWebhook: the %s, correctly signed, after 4 refused deliveries of it", w)
	env.Step("ProcessWebhook %s correctly signed, after the refused ones", w.ID)
	rec, err := deliverSigned(ctx, env, w, body)
	if err != nil {
		return unexpected(env, sent, "success: the webhook processed now", err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d).
			WithHint("a refused delivery must not mark the webhook as seen: verify the signature before you read or write any state")
	}
	if err := expectEffects(env, w, 1, sent, "process the webhook once"); err != nil {
		var f *grader.Failure
		if asFailure(err, &f) && len(effectsOf(env, w).all) == 0 {
			f.WithHint("the refused deliveries must not mark the webhook as seen: verify the signature before you read or write any state")
		}
		return err
	}
	return nil
}

// keyMismatch delivers a webhook whose body names another ID than the object key.
func keyMismatch(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	key := env.NewKey(ex5.ServiceName, "evt")
	sent := fmt.Sprintf("ProcessWebhook on object key %s with the %s in the body, correctly signed", key, w)
	env.Step("ProcessWebhook on key %s with a body whose id is %s", key, w.ID)
	body := w.body()
	rec, err := deliver(ctx, env, key, body, env.World.SignWebhook(time.Now(), body))
	if err := expectCode(sent, 400, "a terminal 400 error: the object key must equal the body's id", rec, err); err != nil {
		return withHint(err, "compare restate.Key(ctx) with the webhook's id and refuse a mismatch with restate.WithErrorCode(400)")
	}
	if err := expectEffects(env, w, 0, sent, "a refused webhook must have no effect: check the id before any gateway call"); err != nil {
		return err
	}
	stored, err := getStatus(ctx, env, key)
	if err := expectCode(sent+", then GetWebhookStatus "+key, 404, "404: a refused delivery records nothing", stored, err); err != nil {
		return withHint(err, "check the id before you write any state")
	}
	return nil
}

var (
	missingHint = fmt.Sprintf("read the signature with ctx.Request().Headers.Get(%q) and refuse a missing one with restate.WithErrorCode(401)", ex5.SignatureHeader)
	hmacHint    = "compute hex(HMAC-SHA256(fixtures.WebhookSecret(), t + \".\" + raw body)) over ctx.Request().Body, compare it with v1 using hmac.Equal, and refuse a mismatch with restate.WithErrorCode(401)"
	staleHint   = "compare the signature's t with the current time (read inside restate.Run) and refuse it, with restate.WithErrorCode(401), when it is more than 5 minutes away"
)
