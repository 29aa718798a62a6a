package ex2

import (
	"context"
	"fmt"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const concurrentResends = 3

const resendInRun = "wrap the SMTP call of ResendEmail in restate.Run too: a retry then replays its result instead of sending again"

const resendOnlyFailed = "ResendEmail must read the stored record first: a sent email is returned as it is, without " +
	"calling the gateway; only a failed one gets one new attempt"

const resendStored = "ResendEmail on a failed email makes one new attempt with this email's own recipient, subject and " +
	"body, read from Restate state (the record has no body: store the request when SendEmail runs, with restate.Set)"

func resendSafe() grader.Scenario {
	return grader.Scenario{
		ID:     "resend-safe",
		Title:  "ResendEmail is safe for already-sent emails",
		Points: 25,
		Hint: "ResendEmail: an unknown email ID -> terminal 404 and nothing sent; status \"sent\" -> the record as it is; " +
			"status \"failed\" -> one new attempt with the stored recipient, subject and body, inside restate.Run",
		Needs:   map[string][]string{ex2.ServiceName: {ex2.SendEmail, ex2.GetEmailStatus, ex2.ResendEmail}},
		Timeout: readBackTimeout,
		Run:     runResendSafe,
	}
}

// runResendSafe makes four emails, oldest first: S1 sent, F1 and F2 failed, S2 sent.
// It resends the older ones (S1, F1) while newer ones exist, an unknown ID, and, after
// a restart of the service, F2 (its request must have been stored in Restate) and S1.
func runResendSafe(ctx context.Context, env *grader.Env) error {
	s1, err := sendNew(ctx, env, "S1")
	if err != nil {
		return err
	}
	var failed []email
	var rules []*world.Rule
	defer func() {
		for _, r := range rules {
			r.Remove()
		}
	}()
	for _, label := range []string{"F1", "F2"} {
		key, req := newEmail(env)
		rule := env.World.On(toRecipient(req.Recipient)...).FailPermanently(refusal)
		rules = append(rules, rule)
		rec, err := sendRefused(ctx, env, key, req, label)
		if err != nil {
			return err
		}
		failed = append(failed, email{key: key, req: req, rec: rec})
	}
	f1, f2 := failed[0], failed[1]
	if _, err := sendNew(ctx, env, "S2"); err != nil {
		return err
	}

	if err := resendSent(ctx, env, s1); err != nil {
		return err
	}
	if err := resendRefused(ctx, env, f1); err != nil {
		return err
	}
	rules[0].Remove()
	f1, err = resendDelivers(ctx, env, f1, "F1", true)
	if err != nil {
		return err
	}
	if err := resendSentOnce(ctx, env, f1, "again, now that it was sent"); err != nil {
		return err
	}
	if err := resendUnknown(ctx, env); err != nil {
		return err
	}
	if err := readBack(ctx, env, "after the resends", resendOnlyFailed, s1, f1); err != nil {
		return err
	}

	// F2 failed before the restart and was never resent: its request must come from
	// Restate state now.
	rules[1].Remove()
	env.AfterRestart("the failed email F2's request, resent now, and the sent emails S1 and F1", func(ctx context.Context) error {
		if _, err := resendDelivers(ctx, env, f2, "F2", false); err != nil {
			return err
		}
		if err := resendSentOnce(ctx, env, s1, afterRestart); err != nil {
			return err
		}
		return readBack(ctx, env, afterRestart, keepInRestate, f1)
	})
	return nil
}

// resendSent resends an email that was sent, once and then several times at once: no
// second message, the same record.
func resendSent(ctx context.Context, env *grader.Env, e email) error {
	if err := resendSentOnce(ctx, env, e, "(an email that was sent, older than the others)"); err != nil {
		return err
	}
	env.Step("%d concurrent ResendEmail %s", concurrentResends, e.key)
	sent := fmt.Sprintf("ResendEmail %s %d more times at once (a sent email)", e.key, concurrentResends)
	before := len(smtpCalls(env, e.req.Recipient))
	recs := make([]ex2.EmailRecord, concurrentResends)
	err := grader.Concurrently(ctx, concurrentResends, func(ctx context.Context, i int) error {
		var err error
		recs[i], err = resendEmail(ctx, env, e.key)
		return err
	})
	if err != nil {
		return env.Unexpected(sent, "the sent record as it is", err)
	}
	if calls := smtpCalls(env, e.req.Recipient)[before:]; len(calls) > 0 {
		return grader.Fail(sent, "no call to the SMTP gateway: the email was sent already",
			"%d new call(s):\n%s", len(calls), brief(calls)).WithHint(resendOnlyFailed)
	}
	for i := range recs {
		if d := diffRecords(e.rec, recs[i]); d != "" {
			return grader.Fail(sent, "the sent record, same messageId: "+describe(e.rec), "call %d returned a different record: %s", i+1, d).
				WithHint(resendOnlyFailed)
		}
	}
	return nil
}

// resendSentOnce resends a sent email once: no call to the gateway, the same record.
func resendSentOnce(ctx context.Context, env *grader.Env, e email, when string) error {
	sent := fmt.Sprintf("ResendEmail %s %s", e.key, when)
	env.Step("%s", sent)
	before := len(smtpCalls(env, e.req.Recipient))
	again, err := resendEmail(ctx, env, e.key)
	if grader.IsHarness(err) {
		return err
	}
	if calls := smtpCalls(env, e.req.Recipient)[before:]; len(calls) > 0 {
		return grader.Fail(sent, "no call to the SMTP gateway: email "+e.key+" was sent already",
			"%d new call(s):\n%s", len(calls), brief(calls)).WithHint(resendOnlyFailed)
	}
	if err != nil {
		return env.Unexpected(sent, "the sent record as it is", err)
	}
	if d := diffRecords(e.rec, again); d != "" {
		return grader.Fail(sent, "the sent record, same messageId: "+describe(e.rec), "a different record: %s", d).
			WithHint(resendOnlyFailed)
	}
	return nil
}

// resendRefused resends a failed email while its mailbox still refuses: exactly one new
// call, and the email stays failed with the gateway's error.
func resendRefused(ctx context.Context, env *grader.Env, e email) error {
	sent := fmt.Sprintf("ResendEmail %s (a failed email, older than F2 and S2; the mailbox still refuses with %q)", e.key, refusal)
	env.Step("ResendEmail %s while the mailbox still refuses", e.key)
	if _, err := refusedOnce(ctx, env, e.key, e.req.Recipient, ex2.ResendEmail, sent,
		func(ctx context.Context) (ex2.EmailRecord, error) { return resendEmail(ctx, env, e.key) }); err != nil {
		return err
	}
	env.Step("GetEmailStatus %s", e.key)
	stored, err := getStatus(ctx, env, e.key)
	if err != nil {
		return env.Unexpected("GetEmailStatus "+e.key+" after the refused resend", "the record, still failed", err)
	}
	if stored.Status != ex2.StatusFailed || !strings.Contains(stored.Error, refusal) {
		return grader.Fail(sent+", then GetEmailStatus", fmt.Sprintf("status \"failed\" with the gateway's error %q", refusal),
			"%s", describe(stored)).WithHint(markFailed)
	}
	return nil
}

// resendDelivers resends a failed email whose mailbox works again (with the first
// attempt crashed before it completes, when crash is set): exactly one message is
// delivered, with the email's own recipient, subject and body, and the record becomes
// sent. It returns the email with its new record.
func resendDelivers(ctx context.Context, env *grader.Env, e email, label string, crash bool) (email, error) {
	sent := fmt.Sprintf("ResendEmail %s (%s, failed; the mailbox works again)", e.key, label)
	step := fmt.Sprintf("ResendEmail %s (%s) after the mailbox works again", e.key, label)
	var c *grader.Crash
	if crash {
		c = env.ArmCrash(target(e.key, ex2.ResendEmail), proxy.CrashBeforeCompletion, 1)
		defer c.Disarm()
		sent += ", with the first attempt crashed just before it completed"
		step += ", first attempt crashed"
	}
	env.Step("%s", step)
	rec, err := resendAndCheck(ctx, env, e, sent)
	if err != nil {
		return email{}, err
	}
	if c != nil {
		if err := c.Check(); err != nil {
			return email{}, err
		}
	}
	return email{key: e.key, req: e.req, rec: rec}, nil
}

func resendAndCheck(ctx context.Context, env *grader.Env, e email, sent string) (ex2.EmailRecord, error) {
	before := len(smtpCalls(env, e.req.Recipient))
	rec, err := resendEmail(ctx, env, e.key)
	if err != nil {
		if grader.IsHarness(err) {
			return rec, err
		}
		if f := failedAfterDuplicates(env, e.key, e.req.Recipient, sent, resendInRun, err); f != nil {
			return rec, f
		}
		if f := mismatchFailure(env, sent, "the record with status \"sent\" and the new message's ID", err); f != nil {
			return rec, f
		}
		return rec, env.Unexpected(sent, "the record with status \"sent\" and the new message's ID", err)
	}
	calls := smtpCalls(env, e.req.Recipient)[before:]
	delivered := calls.Delivered()
	switch {
	case len(delivered) == 0:
		return rec, grader.Fail(sent, "exactly one message delivered by the SMTP gateway to "+e.req.Recipient+", the email's recipient",
			"none was delivered to %s%s; ResendEmail answered %s", e.req.Recipient, listed(calls), describe(rec)).
			WithHint(resendStored)
	case len(delivered) > 1:
		return rec, grader.Fail(sent, "exactly one message delivered by the SMTP gateway",
			"the SMTP gateway delivered %d messages for email %s after Restate retried ResendEmail:\n%s", len(delivered), e.key, brief(delivered)).
			WithHint(resendInRun)
	}
	if got := delivered[0]; got.Arg(world.ArgSubject) != e.req.Subject || got.Arg(world.ArgBody) != e.req.Body {
		return rec, grader.Fail(sent, fmt.Sprintf("the email's own subject and body: %q / %q", e.req.Subject, e.req.Body),
			"the gateway got subject %q and body %q", got.Arg(world.ArgSubject), got.Arg(world.ArgBody)).
			WithHint(resendStored)
	}
	if d := checkSent(e.key, e.req, rec, delivered[0]); d != "" {
		return rec, grader.Fail(sent, "the record of the delivered message: status \"sent\", messageId "+delivered[0].Result+", no error",
			"%s: %s", describe(rec), d).
			WithHint("after a successful resend store and return status \"sent\", the new messageId and sentAt, and clear the error")
	}
	return rec, nil
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
			"the SMTP gateway got a call with an empty recipient:\n%s", brief(calls[before:])).
			WithHint("check that a record exists before resending: restate.Get returns nil (or the zero value) for an unknown email; answer 404 then")
	}
	if grader.Code(err) != 404 {
		return unexpectedCode(env, sent, "a terminal 404 error", rec, err)
	}
	env.Step("GetEmailStatus %s", key)
	rec, err = getStatus(ctx, env, key)
	if grader.Code(err) != 404 {
		return unexpectedCode(env, sent+", then GetEmailStatus", "404: an unknown email ID is unknown, and resending must not create an email", rec, err)
	}
	return nil
}

// listed prints calls after a colon, or nothing when there are none.
func listed(calls world.Calls) string {
	if len(calls) == 0 {
		return ""
	}
	return ":\n" + brief(calls)
}
