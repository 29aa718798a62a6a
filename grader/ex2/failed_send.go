package ex2

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

// refusal is the permanent error the world answers for a mailbox that does not exist.
const refusal = "550 mailbox unavailable"

const markFailed = "a permanent SMTP error (errors.Is(err, fixtures.ErrPermanent)) never goes away: inside the Run return " +
	"restate.ToTerminalError(err) so Restate journals it instead of retrying, then store the record with status " +
	"\"failed\" and error err.Error()"

const noRetryLoop = "a permanent SMTP error never goes away: call the gateway once per attempt, with no retry loop of " +
	"your own (Restate retries transient errors for you), and make a permanent error terminal inside the Run: " +
	"restate.ToTerminalError(err); then store the record with status \"failed\" and error err.Error()"

const staysFailed = "SendEmail must return the stored record whatever its status and whatever the new request says, " +
	"also for \"failed\": a failed email is tried again only with a new email ID, or with ResendEmail"

func failedSend() grader.Scenario {
	return grader.Scenario{
		ID:     "failed-send",
		Title:  "Failed sends can be retried with new email ID",
		Points: 25,
		Hint: markFailed + "; a later SendEmail for the same ID returns that record and sends nothing, while a new " +
			"email ID is a new email",
		Needs:   map[string][]string{ex2.ServiceName: {ex2.SendEmail, ex2.GetEmailStatus}},
		Timeout: readBackTimeout,
		Run:     runFailedSend,
	}
}

// runFailedSend fails two emails permanently, then, with the mailbox working again,
// sends both again under their IDs (the older one with its own request, the newer one
// with another request: both stay failed and nothing is sent) and the older one's
// request under a new ID (a new email: delivered). The failed records are read back
// after a restart, and SendEmail for the older one is tried once more then.
func runFailedSend(ctx context.Context, env *grader.Env) error {
	var failed []email
	for _, label := range []string{"A", "B"} {
		key, req := newEmail(env)
		rule := env.World.On(toRecipient(req.Recipient)...).FailPermanently(refusal)
		rec, err := sendRefused(ctx, env, key, req, label)
		rule.Remove()
		if err != nil {
			return err
		}
		failed = append(failed, email{key: key, req: req, rec: rec})
	}
	a, b := failed[0], failed[1]

	// The mailbox works now, but each email stays failed: only a new ID sends again.
	env.Step("SendEmail %s (A, failed, older) again with the same request, the mailbox working again", a.key)
	sent := fmt.Sprintf("SendEmail %s again with the same request, after it failed (the mailbox works again now)", a.key)
	if err := sendAgain(ctx, env, a, a.req, sent, staysFailed); err != nil {
		return err
	}
	other := newRequest(env.Rand)
	env.Step("SendEmail %s (B, failed) with another recipient, subject and body", b.key)
	sent = fmt.Sprintf("SendEmail %s again, after it failed, now to %s with another subject and body", b.key, other.Recipient)
	if err := sendAgain(ctx, env, b, other, sent, staysFailed); err != nil {
		return err
	}
	if err := readBack(ctx, env, "after SendEmail on the failed emails", staysFailed, a, b); err != nil {
		return err
	}

	retry := env.NewKey(ex2.ServiceName, "em")
	sent = fmt.Sprintf("SendEmail %s (a new email ID) with the request that failed as %s", retry, a.key)
	env.Step("SendEmail %s (a new ID) with A's request", retry)
	rec, err := sendEmail(ctx, env, retry, a.req)
	if err != nil {
		return env.Unexpected(sent, "the email is sent", err)
	}
	if rec.Status != ex2.StatusSent {
		return grader.Fail(sent, "status \"sent\": a new email ID is a new email, and the mailbox works now", "%s", describe(rec)).
			WithHint("the email ID is the object key: a new ID is a new object with no record, so SendEmail sends; do not deduplicate by content")
	}
	if err := expectDeliveredOnce(env, retry, a.req, rec, sent, wrapInRun); err != nil {
		return err
	}
	resent := email{key: retry, req: a.req, rec: rec}

	env.AfterRestart("the failed emails A and B and the email sent under a new ID", func(ctx context.Context) error {
		if err := readBack(ctx, env, afterRestart, keepInRestate, a, b, resent); err != nil {
			return err
		}
		env.Step("SendEmail %s (A, failed) again %s", a.key, afterRestart)
		sent := fmt.Sprintf("SendEmail %s with its first request %s (it failed before; the mailbox works)", a.key, afterRestart)
		return sendAgain(ctx, env, a, a.req, sent, staysFailed+"; "+keepInRestate)
	})
	return nil
}

// sendRefused sends req while the gateway refuses its recipient permanently, and
// returns the failed record GetEmailStatus then shows.
func sendRefused(ctx context.Context, env *grader.Env, key string, req ex2.EmailRequest, label string) (ex2.EmailRecord, error) {
	sent := fmt.Sprintf("SendEmail %s to %s, a mailbox the SMTP gateway refuses with %q (a permanent error)", key, req.Recipient, refusal)
	env.Step("SendEmail %s (email %s) to a refused mailbox", key, label)
	a, err := refusedOnce(ctx, env, key, req.Recipient, ex2.SendEmail, sent,
		func(ctx context.Context) (ex2.EmailRecord, error) { return sendEmail(ctx, env, key, req) })
	if err != nil {
		return ex2.EmailRecord{}, err
	}
	env.Step("GetEmailStatus %s", key)
	stored, err := getStatus(ctx, env, key)
	if err != nil {
		return stored, env.Unexpected("GetEmailStatus "+key+" after the refused send",
			fmt.Sprintf("the record with status \"failed\" and error %q", refusal), err)
	}
	var failed grader.Diff
	failed.Str("emailId", key, stored.EmailID)
	failed.Str("status", ex2.StatusFailed, stored.Status)
	if !strings.Contains(stored.Error, refusal) {
		failed.Note("error %q, expected one with the gateway's message %q", stored.Error, refusal)
	}
	if !failed.Empty() {
		return stored, grader.Fail(sent+", then GetEmailStatus",
			fmt.Sprintf("emailId %q, status \"failed\" and an error with the gateway's message %q", key, refusal),
			"%s: %s", describe(stored), &failed).WithHint(markFailed)
	}
	var request grader.Diff
	request.Str("recipient", req.Recipient, stored.Recipient)
	request.Str("subject", req.Subject, stored.Subject)
	if !request.Empty() {
		return stored, grader.Fail(sent+", then GetEmailStatus",
			fmt.Sprintf("the request's recipient %q and subject %q", req.Recipient, req.Subject), "%s: %s", describe(stored), &request)
	}
	if a.err == nil {
		if d := diffRecords(a.rec, stored); d != "" {
			return stored, grader.Fail(sent+", then GetEmailStatus", "the record SendEmail returned: "+describe(a.rec),
				"a different record: %s", d)
		}
	}
	return stored, nil
}

// refusedOnce runs call, a SendEmail or ResendEmail of key while the gateway refuses
// recipient permanently: it must call the gateway exactly once and answer the failed
// outcome (the failed record, or a terminal error of its own).
func refusedOnce(ctx context.Context, env *grader.Env, key, recipient, handler, sent string,
	call func(context.Context) (ex2.EmailRecord, error)) (answer, error) {
	t := target(key, handler)
	before := len(smtpCalls(env, recipient))
	runs := attempts(env, t)
	a, retried, err := awaitUnlessRetried(ctx, env, key, recipient, before+1, call)
	if err != nil {
		return answer{}, err
	}
	if retried == nil && a.err == nil && a.rec.Status == ex2.StatusPending {
		return answer{}, answeredPending(sent, a.rec)
	}
	calls := smtpCalls(env, recipient)
	if retried != nil {
		calls = retried
	}
	calls = calls[before:]
	expected := "exactly one call to the SMTP gateway, then the email ends with status \"failed\""
	if len(calls) > 1 {
		observed, hint := retriedRefusal(key, handler, calls, attempts(env, t)-runs, retried != nil)
		return answer{}, grader.Fail(sent, expected, "%s", observed).WithHint(hint)
	}
	if len(calls) == 0 && !grader.IsHarness(a.err) {
		hint := "call fixtures.SendEmailViaSMTP with the email's recipient, subject and body inside restate.Run"
		if handler == ex2.ResendEmail {
			hint = resendStored
		}
		if a.err != nil {
			return answer{}, env.Unexpected(sent, expected+" (the gateway got no call for "+recipient+")", a.err)
		}
		return answer{}, grader.Fail(sent, expected, "no call to the SMTP gateway for %s, the email's recipient; %s answered %s",
			recipient, handler, describe(a.rec)).WithHint(hint)
	}
	if err := acceptFailedAnswer(env, t, runs, sent, a.rec, a.err); err != nil {
		return answer{}, err
	}
	return a, nil
}

// retriedRefusal says who called the gateway again after a permanent refusal. The
// proxy counts the attempts Restate made: more calls than attempts means a retry loop
// in the handler's own code; otherwise Restate retried the handler, because the
// refusal reached it as a plain error.
func retriedRefusal(key, handler string, calls world.Calls, runs int, killed bool) (observed, hint string) {
	observed = fmt.Sprintf("the gateway refused email %s %d times, during %d attempt(s) of %s", key, len(calls), runs, handler)
	if len(calls) > runs {
		observed += ": more calls than attempts, so your code called the gateway again after the permanent refusal, " +
			"within one attempt (a retry loop of its own)"
		hint = noRetryLoop
	} else {
		observed += ": Restate ran " + handler + " again after each refusal, because the permanent error reached " +
			"it as a plain (retryable) error"
		hint = markFailed
	}
	if killed {
		observed += "; the grader then killed the invocation"
	}
	return observed + ":\n" + brief(calls), hint
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
	case errors.As(err, &ce) && ce.FromHandler && ce.Code != 501 && ce.Code != 570:
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
