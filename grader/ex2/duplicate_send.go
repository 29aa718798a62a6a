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
		ID:     "duplicate-send",
		Title:  "Duplicate requests return same message ID",
		Points: 25,
		Hint:   checkFirst,
		Run:    runDuplicateSend,
	}
}

func runDuplicateSend(ctx context.Context, env *grader.Env) error {
	key, req := newEmail(env)
	other := newRequest(env.Rand)

	env.Step("SendEmail %s", key)
	sent := "SendEmail " + key + " to " + req.Recipient
	first, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return env.Unexpected(sent, "the sent email's record", err)
	}
	if err := expectDeliveredOnce(env, key, req, first, sent, checkFirst); err != nil {
		return err
	}

	env.Step("the same SendEmail %s again", key)
	sent = "the same SendEmail " + key + " a second time"
	again, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return env.Unexpected(sent, "the first record again", err)
	}
	if d := diffRecords(first, again); d != "" {
		return grader.Fail(sent, "the first record, same messageId: "+describe(first), "a different record: %s", d)
	}
	if err := expectDeliveredOnce(env, key, req, first, "SendEmail "+key+" twice with the same request", checkFirst); err != nil {
		return err
	}

	env.Step("SendEmail %s with a different recipient, subject and body", key)
	sent = fmt.Sprintf("SendEmail %s again, now to %s with another subject and body", key, other.Recipient)
	changed, err := sendEmail(ctx, env, key, other)
	if err != nil {
		return env.Unexpected(sent, "the first record, unchanged", err)
	}
	if calls := smtpCalls(env, other.Recipient); len(calls) > 0 {
		return grader.Fail(sent, "no call to the SMTP gateway: email "+key+" was sent already",
			"the gateway got %d call(s) to %s:\n%s", len(calls), other.Recipient, calls).WithHint(checkFirst)
	}
	if d := diffRecords(first, changed); d != "" {
		return grader.Fail(sent, "the first record, unchanged: "+describe(first), "the record was changed: %s", d)
	}
	if err := expectDeliveredOnce(env, key, req, first, "SendEmail "+key+" three times", checkFirst); err != nil {
		return err
	}
	if err := expectStored(ctx, env, key, first, "after three SendEmail calls"); err != nil {
		return err
	}
	return concurrentSends(ctx, env)
}

// concurrentSends sends several different SendEmail calls for one new key at once:
// Restate runs them one after the other; one message goes out and every call returns it.
func concurrentSends(ctx context.Context, env *grader.Env) error {
	key := env.NewKey(ex2.ServiceName, "em")
	reqs := make([]ex2.EmailRequest, concurrentDuplicates)
	recipients := make([]string, len(reqs))
	for i := range reqs {
		reqs[i] = newRequest(env.Rand)
		recipients[i] = reqs[i].Recipient
	}
	env.Step("%d concurrent SendEmail calls for %s, each to another recipient", concurrentDuplicates, key)
	sent := fmt.Sprintf("%d concurrent SendEmail calls for new email %s, to %s", len(reqs), key, strings.Join(recipients, ", "))
	recs := make([]ex2.EmailRecord, len(reqs))
	err := grader.Concurrently(ctx, len(reqs), func(ctx context.Context, i int) error {
		var err error
		recs[i], err = sendEmail(ctx, env, key, reqs[i])
		return err
	})
	if err != nil {
		return env.Unexpected(sent, "every call returns the same record", err)
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
		return grader.Fail(sent, "exactly 1 message delivered by the SMTP gateway for email "+key,
			"the gateway delivered %d messages:\n%s", len(delivered), strings.Join(delivered, "\n")).WithHint(checkFirst)
	}
	if winner < 0 {
		return grader.Fail(sent, "the record of the one delivered message", "%s names none of the requests' recipients: %s",
			describe(recs[0]), delivered[0])
	}
	if err := expectDeliveredOnce(env, key, reqs[winner], recs[0], sent, checkFirst); err != nil {
		return err
	}
	for i := 1; i < len(recs); i++ {
		if d := diffRecords(recs[0], recs[i]); d != "" {
			return grader.Fail(sent, "every call returns the same record, same messageId",
				"call %d returned a different record than call 1: %s", i+1, d).WithHint(checkFirst)
		}
	}
	return expectStored(ctx, env, key, recs[0], "after the concurrent sends")
}
