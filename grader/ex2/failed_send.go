package ex2

import (
	"context"
	"fmt"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

// refusal is the permanent error the world answers for a mailbox that does not exist.
const refusal = "550 mailbox unavailable"

const markFailed = "a permanent SMTP error (errors.Is(err, fixtures.ErrPermanent)) never goes away: inside the Run return " +
	"restate.ToTerminalError(err) so Restate journals it instead of retrying, then store the record with status " +
	"\"failed\" and error err.Error()"

func failedSend() grader.Scenario {
	return grader.Scenario{
		ID:     "failed-send",
		Title:  "Failed sends can be retried with new email ID",
		Points: 25,
		Hint: markFailed + "; a later SendEmail for the same ID returns that record and sends nothing, while a new " +
			"email ID is a new email",
		Run: runFailedSend,
	}
}

func runFailedSend(ctx context.Context, env *grader.Env) error {
	key, req := newEmail(env)
	rule := env.World.On(toRecipient(req.Recipient)...).FailPermanently(refusal)
	defer rule.Remove()
	failed, err := sendRefused(ctx, env, key, req)
	if err != nil {
		return err
	}
	rule.Remove()
	if rule.Fired() < 1 {
		return fmt.Errorf("the permanent SMTP refusal for %s never fired", req.Recipient)
	}

	// The mailbox works now, but the email stays failed: only a new ID sends again.
	sent := fmt.Sprintf("SendEmail %s again with the same request, after it failed (the mailbox works again now)", key)
	env.Step("SendEmail %s again after it failed", key)
	before := len(smtpCalls(env, req.Recipient))
	runs := attempts(env, target(key, ex2.SendEmail))
	again, err := sendEmail(ctx, env, key, req)
	if grader.IsHarness(err) {
		return err
	}
	if calls := smtpCalls(env, req.Recipient); len(calls) != before {
		return grader.Fail(sent, "no call to the SMTP gateway: email "+key+" stays failed (a new email ID sends it again)",
			"the gateway got %d new call(s):\n%s", len(calls)-before, calls[before:]).
			WithHint("SendEmail must return the stored record whatever its status, also \"failed\": a failed email is retried with a new email ID, or with ResendEmail")
	}
	if err := acceptFailedAnswer(env, target(key, ex2.SendEmail), runs, sent, again, err); err != nil {
		return err
	}
	if err == nil {
		if d := diffRecords(failed, again); d != "" {
			return grader.Fail(sent, "the failed record, unchanged: "+describe(failed), "%s", d)
		}
	}
	if err := expectStored(ctx, env, key, failed, "after SendEmail on the failed email"); err != nil {
		return err
	}

	retry := env.NewKey(ex2.ServiceName, "em")
	sent = fmt.Sprintf("SendEmail %s (a new email ID) with the request that failed as %s", retry, key)
	env.Step("SendEmail %s with the same request", retry)
	rec, err := sendEmail(ctx, env, retry, req)
	if err != nil {
		return env.Unexpected(sent, "the email is sent", err)
	}
	if rec.Status != ex2.StatusSent {
		return grader.Fail(sent, "status \"sent\": a new email ID is a new email, and the mailbox works now", "%s", describe(rec)).
			WithHint("the email ID is the object key: a new ID is a new object with no record, so SendEmail sends; do not deduplicate by content")
	}
	return expectDeliveredOnce(env, retry, req, rec, sent, wrapInRun)
}

// sendRefused sends req while the gateway refuses its recipient permanently, and
// returns the failed record GetEmailStatus then shows.
func sendRefused(ctx context.Context, env *grader.Env, key string, req ex2.EmailRequest) (ex2.EmailRecord, error) {
	sent := fmt.Sprintf("SendEmail %s to %s, a mailbox the SMTP gateway refuses with %q (a permanent error)", key, req.Recipient, refusal)
	env.Step("SendEmail %s to a refused mailbox", key)
	before := len(smtpCalls(env, req.Recipient))
	runs := attempts(env, target(key, ex2.SendEmail))
	a, retried, err := awaitUnlessRetried(ctx, env, key, req.Recipient, before+1,
		func(ctx context.Context) (ex2.EmailRecord, error) { return sendEmail(ctx, env, key, req) })
	if err != nil {
		return ex2.EmailRecord{}, err
	}
	if retried != nil {
		return ex2.EmailRecord{}, grader.Fail(sent, "one call to the SMTP gateway, then the email ends with status \"failed\"",
			"the gateway refused email %s %d times and Restate was still retrying SendEmail (the grader then killed the invocation):\n%s",
			key, len(retried)-before, retried[before:]).WithHint(markFailed)
	}
	if err := acceptFailedAnswer(env, target(key, ex2.SendEmail), runs, sent, a.rec, a.err); err != nil {
		return ex2.EmailRecord{}, err
	}
	if calls := smtpCalls(env, req.Recipient); len(calls) != before+1 {
		return ex2.EmailRecord{}, grader.Fail(sent, "exactly one call to the SMTP gateway: a permanent refusal is not retried",
			"the gateway got %d calls:\n%s", len(calls)-before, calls[before:]).WithHint(markFailed)
	}
	env.Step("GetEmailStatus %s", key)
	stored, err := getStatus(ctx, env, key)
	if err != nil {
		return stored, env.Unexpected("GetEmailStatus "+key+" after the refused send",
			fmt.Sprintf("the record with status \"failed\" and error %q", refusal), err)
	}
	if stored.Status != ex2.StatusFailed || !strings.Contains(stored.Error, refusal) || stored.EmailID != key {
		return stored, grader.Fail(sent+", then GetEmailStatus",
			fmt.Sprintf("emailId %q, status \"failed\" and an error with the gateway's message %q", key, refusal),
			"%s", describe(stored)).WithHint(markFailed)
	}
	if a.err == nil {
		if d := diffRecords(a.rec, stored); d != "" {
			return stored, grader.Fail(sent+", then GetEmailStatus", "the record SendEmail returned: "+describe(a.rec),
				"a different record: %s", d)
		}
	}
	return stored, nil
}

// acceptFailedAnswer accepts what a handler may answer for a failed email: its record
// with status "failed", or a terminal error of the handler's own (the stored record
// is checked separately). An error that came only after Restate had run the handler
// several times (attempts of t since before) is a plain error retried until Restate
// gave up, not a terminal one.
func acceptFailedAnswer(env *grader.Env, t grader.Target, before int, sent string, rec ex2.EmailRecord, err error) error {
	var ce *grader.CallError
	switch {
	case err == nil && rec.Status == ex2.StatusFailed:
		return nil
	case err == nil:
		return grader.Fail(sent, fmt.Sprintf("status \"failed\" with the gateway's error %q", refusal), "%s", describe(rec)).
			WithHint(markFailed)
	case grader.AsCallError(err, &ce) && ce.FromHandler && ce.Code != 501 && ce.Code != 570:
		if n := attempts(env, t) - before; n > 1 {
			return grader.Fail(sent, "the email ends as failed at once: a permanent refusal is not retried",
				"Restate ran %s %d times before it gave up, then answered %d: %s", t.Handler, n, ce.Code, ce.Message).
				WithHint(markFailed + "; return the failed record (or a terminal error), never a plain error: Restate retries plain errors")
		}
		return nil
	default:
		return env.Unexpected(sent, fmt.Sprintf("the record with status \"failed\" and error %q", refusal), err)
	}
}

// attempts counts the attempts of t the fault proxy has seen: every time Restate ran it.
func attempts(env *grader.Env, t grader.Target) int {
	return env.Proxy.Attempts(proxy.Target{Service: t.Service, Handler: t.Handler, Key: t.Key})
}
