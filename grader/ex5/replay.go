package ex5

import (
	"context"
	"fmt"

	"idempotency/contract/ex5"
	"idempotency/grader"
)

const replayHint = "ReplayWebhook: 404 when the webhook was never processed; otherwise run the stored webhook's processing again " +
	"(its gateway calls inside restate.Run), add 1 to replays in the stored record and return it. ProcessWebhook must never replay"

func replay() grader.Scenario {
	return grader.Scenario{
		ID:     "replay",
		Title:  "Webhook replay for debugging",
		Points: 10,
		Bonus:  true,
		Hint:   replayHint,
		Run:    runReplay,
	}
}

func runReplay(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	first, err := processOnce(ctx, env, w)
	if err != nil {
		return err
	}
	if first.Replays != 0 {
		return grader.Fail(fmt.Sprintf("ProcessWebhook: the %s, first delivery", w), "a record with replays 0",
			"%s", describe(first)).WithHint(replayHint)
	}
	if err := replayOnce(ctx, env, w, 1); err != nil {
		return err
	}

	// A duplicate delivery is not a replay: its answer is the duplicate criterion's
	// business, here only the effects and the count matter.
	sent := fmt.Sprintf("ProcessWebhook for %s again (a duplicate delivery) after one ReplayWebhook", w.ID)
	env.Step("duplicate ProcessWebhook %s after the replay", w.ID)
	if _, err := deliverSigned(ctx, env, w, w.body()); grader.IsHarness(err) {
		return err
	}
	if err := expectEffects(env, w, 2, sent+": still 1 processing + 1 replay",
		"a duplicate delivery must never re-run the processing: only an explicit ReplayWebhook does"); err != nil {
		return err
	}
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return unexpected(env, sent+", then GetWebhookStatus", "the record with replays 1", err)
	}
	if stored.Replays != 1 {
		return grader.Fail(sent+", then GetWebhookStatus", "replays 1: a duplicate is not a replay", "%s", describe(stored)).WithHint(replayHint)
	}
	if err := replayOnce(ctx, env, w, 2); err != nil {
		return err
	}

	unknown := newWebhook(env, ex5.PaymentSucceeded)
	sent = fmt.Sprintf("ReplayWebhook %s (a webhook that was never delivered)", unknown.ID)
	env.Step("%s", sent)
	rec, err := replayCall(ctx, env, unknown.ID)
	if err := expectCode(sent, 404, "a terminal 404 error", rec, err); err != nil {
		return withHint(err, replayHint)
	}
	rec, err = getStatus(ctx, env, unknown.ID)
	return withHint(expectCode(sent+", then GetWebhookStatus", 404, "404: a refused replay records nothing", rec, err), replayHint)
}

// replayOnce replays w for the nth time: the answer and the stored record count n
// replays, and the world saw processing n+1 times in all.
func replayOnce(ctx context.Context, env *grader.Env, w webhook, n int) error {
	sent := fmt.Sprintf("ReplayWebhook %s (replay number %d of the %s)", w.ID, n, w)
	env.Step("ReplayWebhook %s (#%d)", w.ID, n)
	rec, err := replayCall(ctx, env, w.ID)
	if err != nil {
		return withHint(unexpected(env, sent, fmt.Sprintf("success with the record, replays %d", n), err), replayHint)
	}
	if rec.ID != w.ID || rec.Replays != n {
		return grader.Fail(sent, fmt.Sprintf("the record of %s with replays %d", w.ID, n), "%s", describe(rec)).WithHint(replayHint)
	}
	if err := expectEffects(env, w, n+1, sent+fmt.Sprintf(": 1 processing + %d replays", n),
		"a replay runs the processing once more: each gateway call exactly once more"); err != nil {
		return withHint(err, replayHint)
	}
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return unexpected(env, sent+", then GetWebhookStatus", fmt.Sprintf("the record with replays %d", n), err)
	}
	if stored.Replays != n {
		return grader.Fail(sent+", then GetWebhookStatus", fmt.Sprintf("replays %d: the replay is recorded in the webhook's state", n), "%s", describe(stored)).
			WithHint(replayHint)
	}
	return nil
}
