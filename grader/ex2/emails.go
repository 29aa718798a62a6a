package ex2

import (
	"context"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
)

// email is one email a scenario made: its ID (the object key), the request that made
// it, and the record it ended with. Scenarios keep every email they made, so that the
// rules are checked on older emails too, not only on the latest, and again after a
// restart.
type email struct {
	key string
	req ex2.EmailRequest
	rec ex2.EmailRecord
}

const keepInRestate = "keep every record (and the request ResendEmail needs) in Restate state with restate.Set and " +
	"read it with restate.Get: a Go variable or map lives in your service process, and is gone when it restarts"

// readBackTimeout bounds each scenario that reads its state back after a restart, and
// again its read-back: the first calls to a freshly started service pay the SDK's cold
// start, which takes many seconds on a machine that grades several submissions at once.
// A correct service never comes near it; it only delays the verdict on one that hangs.
const readBackTimeout = 60 * time.Second

// afterRestart is how the steps and the evidence of a deferred read-back name the moment.
const afterRestart = "after the restart"

// sendNew sends a new email and checks that it was delivered once and answered with its
// record.
func sendNew(ctx context.Context, env *grader.Env, label string) (email, error) {
	key, req := newEmail(env)
	env.Step("SendEmail %s (email %s)", key, label)
	sent := fmt.Sprintf("SendEmail %s to %s", key, req.Recipient)
	rec, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return email{}, env.Unexpected(sent, "the sent email's record", err)
	}
	if err := expectDeliveredOnce(env, key, req, rec, sent, wrapInRun); err != nil {
		return email{}, err
	}
	return email{key: key, req: req, rec: rec}, nil
}

// keys lists the emails' IDs for a step.
func keys(emails ...email) string {
	ks := make([]string, len(emails))
	for i, e := range emails {
		ks[i] = e.key
	}
	return strings.Join(ks, ", ")
}

// readBack checks that GetEmailStatus returns each email's record, oldest first.
func readBack(ctx context.Context, env *grader.Env, when, hint string, emails ...email) error {
	env.Step("GetEmailStatus %s %s", keys(emails...), when)
	for _, e := range emails {
		sent := "GetEmailStatus " + e.key + " " + when
		got, err := getStatus(ctx, env, e.key)
		if grader.Code(err) == 404 {
			return grader.Fail(sent, "the stored record: "+describe(e.rec),
				"404: email %s is unknown, although it was answered as %s", e.key, describe(e.rec)).WithHint(hint)
		}
		if err != nil {
			return env.Unexpected(sent, "the stored record: "+describe(e.rec), err)
		}
		if d := diffRecords(e.rec, got); d != "" {
			return grader.Fail(sent, "the stored record: "+describe(e.rec), "a different record: %s", d).WithHint(hint)
		}
	}
	return nil
}

// sendAgain sends SendEmail for an email that has a record, with req (the first
// request or another one): the answer is the record as it is, and the gateway gets no
// call, neither to the first recipient nor to req's.
func sendAgain(ctx context.Context, env *grader.Env, e email, req ex2.EmailRequest, sent, hint string) error {
	before := countCalls(env, e.req.Recipient, req.Recipient)
	runs := attempts(env, target(e.key, ex2.SendEmail))
	got, err := sendEmail(ctx, env, e.key, req)
	if grader.IsHarness(err) {
		return err
	}
	if calls := newCalls(env, before, e.req.Recipient, req.Recipient); len(calls) > 0 {
		return grader.Fail(sent, "no call to the SMTP gateway: email "+e.key+" has a record already ("+e.rec.Status+")",
			"the gateway got %d new call(s):\n%s", len(calls), brief(calls)).WithHint(hint)
	}
	if e.rec.Status == ex2.StatusFailed {
		// A failed email may be answered with a terminal error of the handler's own.
		if err := acceptFailedAnswer(env, target(e.key, ex2.SendEmail), runs, sent, got, err); err != nil {
			return err
		}
		if err != nil {
			return nil
		}
	} else if err != nil {
		return env.Unexpected(sent, "the first record, unchanged: "+describe(e.rec), err)
	}
	if d := diffRecords(e.rec, got); d != "" {
		return grader.Fail(sent, "the first record, unchanged: "+describe(e.rec), "a different record: %s", d).WithHint(hint)
	}
	return nil
}

// countCalls counts the SMTP calls to each recipient so far.
func countCalls(env *grader.Env, recipients ...string) map[string]int {
	n := map[string]int{}
	for _, r := range recipients {
		n[r] = len(smtpCalls(env, r))
	}
	return n
}

// newCalls lists the SMTP calls to the recipients since before.
func newCalls(env *grader.Env, before map[string]int, recipients ...string) world.Calls {
	var out world.Calls
	seen := map[string]bool{}
	for _, r := range recipients {
		if seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, smtpCalls(env, r)[before[r]:]...)
	}
	return out
}
