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

// Offsets of a signature's t from now at the edges of the 5-minute tolerance: a
// delivery signed within it, on either side, is genuine; one signed outside it is not.
// 30 s either way of the edge leaves room for a loaded machine and catches a tolerance
// read in whole minutes.
const (
	insideTolerance  = ex5.SignatureTolerance - 30*time.Second
	outsideTolerance = ex5.SignatureTolerance + 30*time.Second
)

func processedOnce() grader.Scenario {
	return grader.Scenario{
		ID:      "processed-once",
		Title:   "Webhook processed exactly once",
		Points:  25,
		Hint:    processedOnceHint,
		Needs:   needs(ex5.ProcessWebhook, ex5.GetWebhookStatus),
		Timeout: 90 * time.Second, // the clock check may wait up to 3 margins on a machine too busy
		Run:     runProcessedOnce,
	}
}

// processed is a webhook a scenario processed and the record its delivery answered.
type processed struct {
	w   webhook
	rec ex5.WebhookStatus
}

// runProcessedOnce delivers one webhook of each kind once, then forged, tampered and
// stale deliveries before the genuine one: each genuine webhook is processed once, a
// refused delivery never, and it does not use up the webhook's ID. A webhook signed
// just inside the tolerance is retried after the tolerance has run out: the retry must
// decide as the first attempt did. After a restart of the service every record is read
// back.
func runProcessedOnce(ctx context.Context, env *grader.Env) error {
	clockVerdict := startClockRetry(ctx, env)
	p, err := otherDeliveries(ctx, env)
	clocked, clockErr := clockVerdict(err != nil) // waited for in any case: nothing is left running
	if err != nil {
		return err
	}
	if clockErr != nil {
		return clockErr
	}
	kept := append(p, clocked)
	env.AfterRestart(fmt.Sprintf("the records of the %d payment webhooks processed above", len(kept)), func(ctx context.Context) error {
		// All at once: each record is read on its own key. The first that differs, in
		// the order above, is the one reported.
		return grader.Concurrently(ctx, len(kept), func(ctx context.Context, i int) error { return readBack(ctx, env, kept[i]) })
	})
	return nil
}

// otherDeliveries is everything processed-once checks but the clock: it returns the
// payment webhooks it processed.
func otherDeliveries(ctx context.Context, env *grader.Env) ([]processed, error) {
	var kept []processed
	other := otherUnknownTypes[env.Rand.IntN(len(otherUnknownTypes))]
	for _, typ := range []string{ex5.PaymentSucceeded, ex5.PaymentFailed, fixedUnknownType, other} {
		w := newWebhook(env, typ)
		rec, err := processFresh(ctx, env, w, w.body(), 0, "", "")
		if err != nil {
			return nil, err
		}
		if isPaymentType(typ) {
			kept = append(kept, processed{w, rec})
		}
	}
	w := newWebhook(env, ex5.PaymentSucceeded)
	rec, err := processFresh(ctx, env, w, w.prettyBody(), 0, " (an indented body, fields in another order)",
		"the signature is computed over the raw bytes that were sent: verify it over ctx.Request().Body, never over the webhook re-encoded as JSON")
	if err != nil {
		return nil, err
	}
	kept = append(kept, processed{w, rec})
	for _, off := range []time.Duration{-insideTolerance, insideTolerance} {
		w := newWebhook(env, ex5.PaymentFailed)
		rec, err := processFresh(ctx, env, w, w.body(), off, " signed "+ago(off)+" (inside the 5-minute tolerance)", toleranceHint)
		if err != nil {
			return nil, err
		}
		kept = append(kept, processed{w, rec})
	}
	p, err := refusedThenProcessed(ctx, env)
	if err != nil {
		return nil, err
	}
	kept = append(kept, p)
	if err := keyMismatch(ctx, env); err != nil {
		return nil, err
	}
	return kept, nil
}

// readBack checks that GetWebhookStatus, after a restart of the service process, still
// returns the record the webhook's delivery answered.
func readBack(ctx context.Context, env *grader.Env, p processed) error {
	sent := fmt.Sprintf("GetWebhookStatus %s after your service process was restarted (the %s was processed before the restart)", p.w.ID, p.w)
	stored, err := getStatus(ctx, env, p.w.ID)
	if err != nil {
		f := unexpected(env, sent, "the record its delivery answered: "+describe(p.rec), err)
		if grader.Code(err) == 404 {
			return withHint(f, restartHint)
		}
		return f
	}
	d := diffRecord(p.w, ex5.StatusProcessed, stored)
	if d == "" {
		var t grader.Diff
		t.Time("processedAt", p.rec.ProcessedAt, stored.ProcessedAt)
		d = t.String()
	}
	if d != "" {
		return grader.Fail(sent, "the record its delivery answered: "+describe(p.rec), "%s: %s", describe(stored), d).WithHint(restartHint)
	}
	return nil
}

const restartHint = "keep the webhook's record in Restate state (restate.Set in ProcessWebhook, restate.Get in GetWebhookStatus): " +
	"a Go map or variable is gone when your service process restarts, and Restate may run your handler on a new process at any time"

// processFresh delivers a new webhook signed now+off once and checks the answer, the
// record and the effects. how describes the delivery; hint, when set, is given when a
// genuine delivery is refused with 401.
func processFresh(ctx context.Context, env *grader.Env, w webhook, body []byte, off time.Duration, how, hint string) (ex5.WebhookStatus, error) {
	sent := fmt.Sprintf("ProcessWebhook: the %s, correctly signed%s", w, how)
	env.Step("ProcessWebhook %s (%s)%s", w.ID, w.Type, how)
	rec, err := deliver(ctx, env, w.ID, body, env.World.SignWebhook(time.Now().Add(off), body))
	if err != nil {
		f := unexpected(env, sent, "success", err)
		if grader.Code(err) == 401 && hint != "" {
			return rec, withHint(f, hint)
		}
		return rec, f
	}
	wantStatus := ex5.StatusProcessed
	if !isPaymentType(w.Type) {
		wantStatus = "" // any status: the type is only acknowledged
	}
	if d := diffRecord(w, wantStatus, rec); d != "" {
		return rec, grader.Fail(sent, recordExpectation(w, wantStatus), "%s: %s", describe(rec), d)
	}
	if err := expectEffects(env, w, 1, sent, "process the webhook once: each gateway call once, inside restate.Run"); err != nil {
		return rec, err
	}
	if err := expectOrderStoreUntouched(env, w, sent); err != nil {
		return rec, err
	}
	if wantStatus == "" {
		return rec, nil
	}
	env.Step("GetWebhookStatus %s", w.ID)
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return rec, unexpected(env, "GetWebhookStatus "+w.ID+" after it was processed", "the processed webhook's record", err)
	}
	if d := diffRecord(w, wantStatus, stored); d != "" {
		return rec, grader.Fail("GetWebhookStatus "+w.ID+" after it was processed", recordExpectation(w, wantStatus), "%s: %s", describe(stored), d)
	}
	return rec, nil
}

// badDelivery is one way a delivery can fail verification.
type badDelivery struct {
	what string
	body []byte
	sign func() string // the Stripe-Signature header, made when it is sent; nil: none
	hint string        // what to fix when it is not refused
}

// refusedThenProcessed sends deliveries of one webhook that must each be refused with
// 401, then the genuine one, which must still be processed, once.
func refusedThenProcessed(ctx context.Context, env *grader.Env) (processed, error) {
	w := newWebhook(env, ex5.PaymentSucceeded)
	body := w.body()
	tampered := w
	tampered.PaymentID = fmt.Sprintf("pay_%08x", env.Rand.Uint32())
	signedAt := func(off time.Duration) func() string {
		return func() string { return env.World.SignWebhook(time.Now().Add(off), body) }
	}
	bad := []badDelivery{
		{what: "without a Stripe-Signature header", body: body, hint: missingHint},
		{what: "signed with another secret", body: body, hint: hmacHint,
			sign: func() string { return world.SignWebhook("whsec_not_yours", time.Now(), body) }},
		{what: "with a body changed after signing (another paymentId)", body: tampered.body(), sign: signedAt(0), hint: hmacHint},
		{what: "correctly signed " + ago(-outsideTolerance) + " (outside the 5-minute tolerance)", body: body, sign: signedAt(-outsideTolerance), hint: staleHint},
		{what: "correctly signed " + ago(outsideTolerance) + " (outside the 5-minute tolerance)", body: body, sign: signedAt(outsideTolerance), hint: staleHint},
	}
	for _, b := range bad {
		sent := fmt.Sprintf("ProcessWebhook: the %s, %s", w, b.what)
		env.Step("ProcessWebhook %s %s", w.ID, b.what)
		signature := ""
		if b.sign != nil {
			signature = b.sign()
		}
		rec, err := deliver(ctx, env, w.ID, b.body, signature)
		if err := expectCode(sent, 401, "a terminal 401 error, and no processing", rec, err); err != nil {
			return processed{}, withHint(err, b.hint)
		}
		if err := expectEffects(env, w, 0, sent+", answered 401", "a refused delivery must have no effect: verify the signature before any gateway call"); err != nil {
			return processed{}, err
		}
		stored, err := getStatus(ctx, env, w.ID)
		if err := expectCode(sent+", then GetWebhookStatus "+w.ID, 404, "404: a refused delivery records nothing", stored, err); err != nil {
			return processed{}, withHint(err, "verify the signature before you read or write any state, and store nothing when it fails")
		}
	}
	sent := fmt.Sprintf("ProcessWebhook: the %s, correctly signed, after %d refused deliveries of it", w, len(bad))
	env.Step("ProcessWebhook %s correctly signed, after the refused ones", w.ID)
	rec, err := deliverSigned(ctx, env, w, body)
	if err != nil {
		return processed{}, unexpected(env, sent, "success: the webhook processed now", err)
	}
	if d := diffRecord(w, ex5.StatusProcessed, rec); d != "" {
		return processed{}, grader.Fail(sent, recordExpectation(w, ex5.StatusProcessed), "%s: %s", describe(rec), d).
			WithHint("a refused delivery must not mark the webhook as seen: verify the signature before you read or write any state")
	}
	if err := expectEffects(env, w, 1, sent, "process the webhook once"); err != nil {
		var f *grader.Failure
		if asFailure(err, &f) && len(effectsOf(env, w).all) == 0 {
			f.WithHint("the refused deliveries must not mark the webhook as seen: verify the signature before you read or write any state")
		}
		return processed{}, err
	}
	return processed{w, rec}, nil
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

// ago words a signature's offset from now: "4m30s ago", "4m30s in the future".
func ago(off time.Duration) string {
	if off < 0 {
		return (-off).String() + " ago"
	}
	return off.String() + " in the future"
}

var (
	missingHint   = fmt.Sprintf("read the signature with ctx.Request().Headers.Get(%q) and refuse a missing one with restate.WithErrorCode(401)", ex5.SignatureHeader)
	hmacHint      = "compute hex(HMAC-SHA256(fixtures.WebhookSecret(), t + \".\" + raw body)) over ctx.Request().Body, compare it with v1 using hmac.Equal, and refuse a mismatch with restate.WithErrorCode(401)"
	staleHint     = "compare the signature's t with the current time (read inside restate.Run) and refuse it, with restate.WithErrorCode(401), when it is more than 5 minutes away, in the past or in the future"
	toleranceHint = "a signature is stale only when its t is MORE than 5 minutes away from now (ex5.SignatureTolerance), in the past or in the future: " +
		"compare the whole difference (a time.Duration) with the tolerance, not whole minutes, and accept a t a little ahead of your clock"
)
