package ex2

import (
	"context"
	"fmt"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

const concurrentResends = 3

const resendInRun = "wrap the SMTP call of ResendEmail in restate.Run too: a retry then replays its result instead of sending again"

const resendOnlyFailed = "ResendEmail must read the stored record first: a sent email is returned as it is, without " +
	"calling the gateway; only a failed one gets one new attempt"

func resendSafe() grader.Scenario {
	return grader.Scenario{
		ID:     "resend-safe",
		Title:  "ResendEmail is safe for already-sent emails",
		Points: 25,
		Hint: "ResendEmail: an unknown email ID -> terminal 404 and nothing sent; status \"sent\" -> the record as it is; " +
			"status \"failed\" -> one new attempt with the stored recipient, subject and body, inside restate.Run",
		Run: runResendSafe,
	}
}

func runResendSafe(ctx context.Context, env *grader.Env) error {
	if err := resendSent(ctx, env); err != nil {
		return err
	}
	if err := resendFailed(ctx, env); err != nil {
		return err
	}
	return resendUnknown(ctx, env)
}

// resendSent resends an email that was sent: no second message, the same record.
func resendSent(ctx context.Context, env *grader.Env) error {
	key, req := newEmail(env)
	env.Step("SendEmail %s", key)
	first, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return env.Unexpected("SendEmail "+key, "the sent email's record", err)
	}
	if err := expectDeliveredOnce(env, key, req, first, "SendEmail "+key, wrapInRun); err != nil {
		return err
	}

	sent := "ResendEmail " + key + " (an email that was sent)"
	env.Step("%s", sent)
	again, err := resendEmail(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, "the sent record as it is", err)
	}
	if err := expectDeliveredOnce(env, key, req, first, sent, resendOnlyFailed); err != nil {
		return err
	}
	if d := diffRecords(first, again); d != "" {
		return grader.Fail(sent, "the sent record, same messageId: "+describe(first), "a different record: %s", d).
			WithHint(resendOnlyFailed)
	}

	env.Step("%d concurrent ResendEmail %s", concurrentResends, key)
	sent = fmt.Sprintf("ResendEmail %s %d more times at once (a sent email)", key, concurrentResends)
	recs := make([]ex2.EmailRecord, concurrentResends)
	err = grader.Concurrently(ctx, concurrentResends, func(ctx context.Context, i int) error {
		var err error
		recs[i], err = resendEmail(ctx, env, key)
		return err
	})
	if err != nil {
		return env.Unexpected(sent, "the sent record as it is", err)
	}
	for i := range recs {
		if d := diffRecords(first, recs[i]); d != "" {
			return grader.Fail(sent, "the sent record, same messageId: "+describe(first), "a different record: %s", d).
				WithHint(resendOnlyFailed)
		}
	}
	if err := expectDeliveredOnce(env, key, req, first, sent, resendOnlyFailed); err != nil {
		return err
	}
	return expectStored(ctx, env, key, first, "after the resends")
}

// resendFailed resends a failed email: each ResendEmail is exactly one new attempt,
// until one succeeds; after that, resending sends nothing.
func resendFailed(ctx context.Context, env *grader.Env) error {
	key, req := newEmail(env)
	rule := env.World.On(toRecipient(req.Recipient)...).FailPermanently(refusal)
	defer rule.Remove()
	if _, err := sendRefused(ctx, env, key, req); err != nil {
		return err
	}

	sent := fmt.Sprintf("ResendEmail %s (a failed email; the mailbox still refuses with %q)", key, refusal)
	env.Step("ResendEmail %s while the mailbox still refuses", key)
	before := len(smtpCalls(env, req.Recipient))
	runs := attempts(env, target(key, ex2.ResendEmail))
	a, retried, err := awaitUnlessRetried(ctx, env, key, req.Recipient, before+1,
		func(ctx context.Context) (ex2.EmailRecord, error) { return resendEmail(ctx, env, key) })
	if err != nil {
		return err
	}
	if retried != nil {
		return grader.Fail(sent, "exactly one new call to the SMTP gateway, then status \"failed\" again",
			"the gateway refused email %s %d times and Restate was still retrying ResendEmail (the grader then killed the invocation):\n%s",
			key, len(retried)-before, retried[before:]).WithHint(markFailed)
	}
	if calls := smtpCalls(env, req.Recipient); len(calls) != before+1 {
		return grader.Fail(sent, "exactly one new call to the SMTP gateway (one new attempt)",
			"%d new call(s)%s", len(calls)-before, listed(calls[before:])).
			WithHint("ResendEmail on a failed email makes one new attempt: call the gateway once, inside restate.Run, with the stored recipient, subject and body")
	}
	if err := acceptFailedAnswer(env, target(key, ex2.ResendEmail), runs, sent, a.rec, a.err); err != nil {
		return err
	}
	env.Step("GetEmailStatus %s", key)
	stored, err := getStatus(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetEmailStatus "+key+" after the refused resend", "the record, still failed", err)
	}
	if stored.Status != ex2.StatusFailed || stored.Error == "" {
		return grader.Fail(sent+", then GetEmailStatus", "status \"failed\" with the gateway's error", "%s", describe(stored)).
			WithHint(markFailed)
	}

	// The mailbox works again: one resend delivers, even when its first attempt crashes.
	rule.Remove()
	crash := env.ArmCrash(target(key, ex2.ResendEmail), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = fmt.Sprintf("ResendEmail %s (failed; the mailbox works again), with the first attempt crashed just before it completed", key)
	env.Step("ResendEmail %s after the mailbox works again, first attempt crashed", key)
	before = len(smtpCalls(env, req.Recipient))
	rec, err := resendEmail(ctx, env, key)
	if err != nil {
		if grader.IsHarness(err) {
			return err
		}
		if f := failedAfterDuplicates(env, key, req.Recipient, sent, resendInRun, err); f != nil {
			return f
		}
		return env.Unexpected(sent, "the record with status \"sent\" and the new message's ID", err)
	}
	calls := smtpCalls(env, req.Recipient)[before:]
	delivered := calls.Delivered()
	switch {
	case len(delivered) == 0:
		return grader.Fail(sent, "exactly one message delivered by the SMTP gateway", "none was delivered%s", listed(calls)).
			WithHint("ResendEmail on a failed email must call fixtures.SendEmailViaSMTP again with the stored recipient, subject and body")
	case len(delivered) > 1:
		return grader.Fail(sent, "exactly one message delivered by the SMTP gateway",
			"the SMTP gateway delivered %d messages for email %s after Restate retried ResendEmail:\n%s", len(delivered), key, brief(delivered)).
			WithHint(resendInRun)
	}
	if d := checkSent(key, req, rec, delivered[0]); d != "" {
		return grader.Fail(sent, "the record of the delivered message: status \"sent\", messageId "+delivered[0].Result,
			"%s: %s", describe(rec), d).
			WithHint("after a successful resend store status \"sent\", the new messageId and sentAt, and clear the error")
	}
	if got := delivered[0]; got.Arg(world.ArgSubject) != req.Subject || got.Arg(world.ArgBody) != req.Body {
		return grader.Fail(sent, "the original subject and body: "+fmt.Sprintf("%q / %q", req.Subject, req.Body),
			"the gateway got subject %q and body %q", got.Arg(world.ArgSubject), got.Arg(world.ArgBody)).
			WithHint("store the request (the record has no body) and resend exactly it")
	}
	if err := crash.Check(); err != nil {
		return err
	}

	sent = "ResendEmail " + key + " again, now that it was sent"
	env.Step("%s", sent)
	before = len(smtpCalls(env, req.Recipient))
	again, err := resendEmail(ctx, env, key)
	if err != nil {
		return env.Unexpected(sent, "the sent record as it is", err)
	}
	if calls := smtpCalls(env, req.Recipient); len(calls) != before {
		return grader.Fail(sent, "no call to the SMTP gateway", "%d new call(s):\n%s", len(calls)-before, calls[before:]).
			WithHint(resendOnlyFailed)
	}
	if d := diffRecords(rec, again); d != "" {
		return grader.Fail(sent, "the sent record, same messageId: "+describe(rec), "a different record: %s", d).WithHint(resendOnlyFailed)
	}
	return expectStored(ctx, env, key, rec, "after the resends")
}

// resendUnknown resends an email that never existed: 404, nothing sent, nothing stored.
func resendUnknown(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex2.ServiceName, "em")
	noRecipient := []world.Matcher{world.Gateway(world.SMTP), world.Arg(world.ArgRecipient, "")}
	before := len(env.World.Calls(noRecipient...))
	sent := "ResendEmail " + key + " (an email ID that was never sent)"
	env.Step("%s", sent)
	rec, err := resendEmail(ctx, env, key)
	if grader.IsHarness(err) {
		return err
	}
	if calls := env.World.Calls(noRecipient...); len(calls) != before {
		return grader.Fail(sent, "a terminal 404 and no call to the SMTP gateway",
			"the SMTP gateway got a call with an empty recipient:\n%s", calls[before:]).
			WithHint("check that a record exists before resending: restate.Get returns nil (or the zero value) for an unknown email; answer 404 then")
	}
	if grader.Code(err) != 404 {
		return unexpectedCode(sent, "a terminal 404 error", rec, err)
	}
	env.Step("GetEmailStatus %s", key)
	rec, err = getStatus(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(sent+", then GetEmailStatus", "404: resending must not create an email", rec, err)
	}
	return nil
}

// listed prints calls after a colon, or nothing when there are none.
func listed(calls world.Calls) string {
	if len(calls) == 0 {
		return ""
	}
	return ":\n" + calls.String()
}
