package ex2

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// toRecipient selects the SMTP calls to one recipient: every scenario gives each email
// a recipient of its own, so these are the calls made for that email.
func toRecipient(recipient string) []world.Matcher {
	return []world.Matcher{world.Gateway(world.SMTP), world.Arg(world.ArgRecipient, recipient)}
}

// smtpCalls is what the SMTP gateway saw for one recipient so far.
func smtpCalls(env *grader.Env, recipient string) world.Calls {
	return env.World.Calls(toRecipient(recipient)...)
}

// expectDeliveredOnce checks that the SMTP gateway delivered exactly one message to
// req.Recipient, and that rec is the sent record of that message.
func expectDeliveredOnce(env *grader.Env, key string, req ex2.EmailRequest, rec ex2.EmailRecord, sent, dupHint string) error {
	calls := smtpCalls(env, req.Recipient)
	delivered := calls.Delivered()
	switch {
	case rec.Status == ex2.StatusPending:
		return answeredPending(sent, rec)
	case len(delivered) == 0 && rec.Status == ex2.StatusFailed && onlyTransient(calls):
		return grader.Fail(sent, "status \"sent\": a timeout is transient, and a retry delivers the email",
			"%s after the gateway answered:\n%s", describe(rec), brief(calls)).WithHint(retryTransient)
	case len(delivered) == 0:
		return grader.Fail(sent, fmt.Sprintf("exactly 1 message delivered by the SMTP gateway to %s", req.Recipient),
			"none was delivered; the gateway saw: %s", brief(calls)).
			WithHint("call fixtures.SendEmailViaSMTP(recipient, subject, body) inside restate.Run, and store its message ID")
	case len(delivered) > 1:
		return grader.Fail(sent, fmt.Sprintf("exactly 1 message delivered by the SMTP gateway for email %s", key),
			"the SMTP gateway delivered %d messages for email %s:\n%s", len(delivered), key, brief(delivered)).
			WithHint(dupHint)
	}
	if d := checkSent(key, req, rec, delivered[0]); d != "" {
		return grader.Fail(sent, "the record of the delivered message: status \"sent\", messageId "+delivered[0].Result,
			"%s: %s", describe(rec), d)
	}
	return nil
}

// checkSent compares a record with the one message the gateway delivered for it.
func checkSent(key string, req ex2.EmailRequest, rec ex2.EmailRecord, delivered world.Call) string {
	var d grader.Diff
	if rec.EmailID != key {
		d.Note("emailId %q, expected the object key %q", rec.EmailID, key)
	}
	d.Str("status", ex2.StatusSent, rec.Status)
	if rec.MessageID != delivered.Result {
		d.Note("messageId %q, but the gateway delivered message %q", rec.MessageID, delivered.Result)
	}
	d.Str("recipient", req.Recipient, rec.Recipient)
	d.Str("subject", req.Subject, rec.Subject)
	if rec.SentAt.IsZero() {
		d.Note("sentAt is not set")
	}
	if rec.Error != "" {
		d.Note("error %q on a sent email", rec.Error)
	}
	return d.String()
}

// diffRecords lists the fields in which got differs from want ("" when none).
func diffRecords(want, got ex2.EmailRecord) string {
	var d grader.Diff
	d.Str("emailId", want.EmailID, got.EmailID)
	d.Str("recipient", want.Recipient, got.Recipient)
	d.Str("subject", want.Subject, got.Subject)
	d.Str("status", want.Status, got.Status)
	d.Str("messageId", want.MessageID, got.MessageID)
	d.Str("error", want.Error, got.Error)
	// A failed email has no meaningful sentAt (the README): only a sent one's is compared.
	if want.Status != ex2.StatusFailed || got.Status != ex2.StatusFailed {
		d.Time("sentAt", want.SentAt, got.SentAt)
	}
	return d.String()
}

// answer is what one call in the background returned.
type answer struct {
	rec ex2.EmailRecord
	err error
}

// awaitUnlessRetried sends call in the background and waits for its answer, unless the
// SMTP gateway sees more than allowed calls to recipient first: then the handler is
// being retried over a refusal that no retry can fix, and waiting for Restate to give
// up would only cost time. In that case it kills what is left of the invocations on
// key and returns the calls the gateway saw.
func awaitUnlessRetried(ctx context.Context, env *grader.Env, key, recipient string, allowed int,
	call func(context.Context) (ex2.EmailRecord, error)) (answer, world.Calls, error) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make(chan answer, 1)
	go func() {
		rec, err := call(cctx)
		answers <- answer{rec, err}
	}()
	retried := make(chan world.Calls, 1)
	go func() {
		calls, err := env.World.WaitCalls(cctx, allowed+2, toRecipient(recipient)...)
		if err == nil {
			retried <- calls
		}
	}()
	select {
	case a := <-answers:
		return a, nil, nil
	case calls := <-retried:
		cancel()
		<-answers
		kctx, kcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer kcancel()
		_, _ = env.Admin.KillUnfinished(kctx, ex2.ServiceName, key)
		return answer{}, calls, nil
	case <-ctx.Done():
		return answer{}, nil, ctx.Err()
	}
}

const answerOutcome = "answer the outcome of the SMTP call: the record with status \"sent\", its messageId and sentAt " +
	"(or \"failed\" and the error). \"pending\" means the handler answered before the send was done: it handed " +
	"the send to another invocation (a one-way or delayed call) or returned the record it stored before the call"

// answeredPending is the finding for an answer that came before the send was done.
// Whether the send has happened by the time the grader looks is a race; the answer is
// wrong either way, so the verdict does not depend on it.
func answeredPending(sent string, rec ex2.EmailRecord) error {
	return grader.Fail(sent, "the outcome of the send: the record with status \"sent\" (or \"failed\" and the gateway's error)",
		"the answer has status \"pending\": %s", describe(rec)).WithHint(answerOutcome)
}

const retryTransient = "only a permanent error (errors.Is(err, fixtures.ErrPermanent)) marks an email failed; return a " +
	"transient error (fixtures.ErrTransient, \"SMTP timeout\") from the Run as it is, so that Restate retries it"

// onlyTransient reports whether every call failed with a transient error.
func onlyTransient(calls world.Calls) bool {
	for _, c := range calls {
		if c.ErrKind != world.KindTransient {
			return false
		}
	}
	return len(calls) > 0
}

// maxListed bounds the calls a piece of evidence lists.
const maxListed = 4

// brief lists calls one a line, the first few only.
func brief(calls world.Calls) string {
	if len(calls) <= maxListed {
		return calls.String()
	}
	return calls[:maxListed].String() + fmt.Sprintf("\n... and %d more", len(calls)-maxListed)
}

// failedAfterDuplicates turns an error answer into better evidence when the gateway
// delivered more than one message for the email meanwhile: sending again on a retry
// often ends in a journal mismatch too, and the second message is the cause.
func failedAfterDuplicates(env *grader.Env, key, recipient, sent, hint string, err error) error {
	var ce *grader.CallError
	d := smtpCalls(env, recipient).Delivered()
	if len(d) <= 1 || !errors.As(err, &ce) {
		return nil
	}
	answer := ce.Describe()
	if i := strings.IndexByte(answer, '\n'); i >= 0 {
		answer = answer[:i] + " ..."
	}
	return grader.Fail(sent, "exactly 1 message delivered by the SMTP gateway for email "+key,
		"the SMTP gateway delivered %d messages for email %s after Restate retried it:\n%s\nthen the call answered: %s",
		len(d), key, brief(d), answer).WithHint(hint)
}
