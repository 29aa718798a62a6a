package ex2

import (
	"context"
	"fmt"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/grader"
)

const concurrentDuplicates = 5

const checkFirst = "before sending, read the stored record with restate.Get; if there is one, return it unchanged " +
	"(even when the request differs) and do not call the gateway"

func duplicateSend() grader.Scenario {
	return grader.Scenario{
		ID:      "duplicate-send",
		Title:   "Duplicate requests return same message ID",
		Points:  25,
		Hint:    checkFirst,
		Needs:   map[string][]string{ex2.ServiceName: {ex2.SendEmail, ex2.GetEmailStatus}},
		Timeout: readBackTimeout,
		Run:     runDuplicateSend,
	}
}

// runDuplicateSend sends two emails, A then B, and repeats the older one first (with
// the same request, then with another one), then B; then it sends several different
// requests for a new email C at once. After a restart of the service, the records are
// read back and A and C are sent again: still nothing is sent.
func runDuplicateSend(ctx context.Context, env *grader.Env) error {
	a, err := sendNew(ctx, env, "A")
	if err != nil {
		return err
	}
	b, err := sendNew(ctx, env, "B")
	if err != nil {
		return err
	}

	env.Step("the same SendEmail %s (A, the older email) again", a.key)
	sent := fmt.Sprintf("the same SendEmail %s a second time (after email %s was sent)", a.key, b.key)
	if err := sendAgain(ctx, env, a, a.req, sent, checkFirst); err != nil {
		return err
	}
	other := newRequest(env.Rand)
	env.Step("SendEmail %s (A) with a different recipient, subject and body", a.key)
	sent = fmt.Sprintf("SendEmail %s again, now to %s with another subject and body", a.key, other.Recipient)
	if err := sendAgain(ctx, env, a, other, sent, checkFirst); err != nil {
		return err
	}
	env.Step("the same SendEmail %s (B) again", b.key)
	sent = "the same SendEmail " + b.key + " a second time"
	if err := sendAgain(ctx, env, b, b.req, sent, checkFirst); err != nil {
		return err
	}
	for _, e := range []email{a, b} {
		if err := expectDeliveredOnce(env, e.key, e.req, e.rec, "SendEmail "+e.key+" several times", checkFirst); err != nil {
			return err
		}
	}
	if err := readBack(ctx, env, "after the repeated SendEmail calls", checkFirst, a, b); err != nil {
		return err
	}
	c, err := concurrentSends(ctx, env)
	if err != nil {
		return err
	}

	changed := newRequest(env.Rand)
	env.AfterRestart("emails A, B and C, then SendEmail A and C again", func(ctx context.Context) error {
		if err := readBack(ctx, env, afterRestart, keepInRestate, a, b, c); err != nil {
			return err
		}
		hint := checkFirst + "; " + keepInRestate
		env.Step("the same SendEmail %s (A) again %s", a.key, afterRestart)
		if err := sendAgain(ctx, env, a, a.req, "the same SendEmail "+a.key+" again "+afterRestart, hint); err != nil {
			return err
		}
		env.Step("SendEmail %s (C) with another request %s", c.key, afterRestart)
		sent := fmt.Sprintf("SendEmail %s again %s, now to %s with another subject and body", c.key, afterRestart, changed.Recipient)
		return sendAgain(ctx, env, c, changed, sent, hint)
	})
	return nil
}

// concurrentSends sends several different SendEmail calls for one new key at once:
// Restate runs them one after the other; one message goes out and every call returns it.
func concurrentSends(ctx context.Context, env *grader.Env) (email, error) {
	key := env.NewKey(ex2.ServiceName, "em")
	reqs := make([]ex2.EmailRequest, concurrentDuplicates)
	recipients := make([]string, len(reqs))
	for i := range reqs {
		reqs[i] = newRequest(env.Rand)
		recipients[i] = reqs[i].Recipient
	}
	env.Step("%d concurrent SendEmail calls for %s (C), each to another recipient", concurrentDuplicates, key)
	sent := fmt.Sprintf("%d concurrent SendEmail calls for new email %s, to %s", len(reqs), key, strings.Join(recipients, ", "))
	recs := make([]ex2.EmailRecord, len(reqs))
	err := grader.Concurrently(ctx, len(reqs), func(ctx context.Context, i int) error {
		var err error
		recs[i], err = sendEmail(ctx, env, key, reqs[i])
		return err
	})
	if err != nil {
		return email{}, env.Unexpected(sent, "every call returns the same record", err)
	}
	// The call that ran first decided the email; find its request by the recipient.
	winner := -1
	for i, r := range reqs {
		if r.Recipient == recs[0].Recipient {
			winner = i
		}
	}
	var delivered []string
	for _, r := range recipients {
		for _, c := range smtpCalls(env, r).Delivered() {
			delivered = append(delivered, c.String())
		}
	}
	if len(delivered) != 1 {
		return email{}, grader.Fail(sent, "exactly 1 message delivered by the SMTP gateway for email "+key,
			"the gateway delivered %d messages:\n%s", len(delivered), strings.Join(delivered, "\n")).WithHint(checkFirst)
	}
	if winner < 0 {
		return email{}, grader.Fail(sent, "the record of the one delivered message", "%s names none of the requests' recipients: %s",
			describe(recs[0]), delivered[0])
	}
	if err := expectDeliveredOnce(env, key, reqs[winner], recs[0], sent, checkFirst); err != nil {
		return email{}, err
	}
	for i := 1; i < len(recs); i++ {
		if d := diffRecords(recs[0], recs[i]); d != "" {
			return email{}, grader.Fail(sent, "every call returns the same record, same messageId",
				"call %d returned a different record than call 1: %s", i+1, d).WithHint(checkFirst)
		}
	}
	c := email{key: key, req: reqs[winner], rec: recs[0]}
	return c, readBack(ctx, env, "after the concurrent sends", checkFirst, c)
}
