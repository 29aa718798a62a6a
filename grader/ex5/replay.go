package ex5

import (
	"context"
	"fmt"
	"time"

	"idempotency/contract/ex5"
	"idempotency/grader"
)

const replayHint = "ReplayWebhook: 404 when the webhook was never processed; otherwise run the stored webhook's processing again " +
	"(its gateway calls inside restate.Run), add 1 to replays, set lastReplayedAt (from restate.Run), keep processedAt, store the record " +
	"in Restate state and return it. ProcessWebhook must never replay"

func replay() grader.Scenario {
	return grader.Scenario{
		ID:     "replay",
		Title:  "Webhook replay for debugging",
		Points: 10,
		Bonus:  true,
		Hint:   replayHint,
		Needs:  needs(ex5.ProcessWebhook, ex5.GetWebhookStatus, ex5.ReplayWebhook),
		// Generous: a service that serialises all webhooks holds this one up while the
		// other scenarios hold theirs in a gateway; that costs other criteria, not this.
		Timeout: 60 * time.Second,
		Run:     runReplay,
	}
}

// runReplay processes two webhooks and replays the older one, so that a replay of "the
// last webhook" is told apart from a replay of the one asked for. A duplicate delivery
// then changes nothing; after a restart of the service the replay is still recorded and
// a second replay still finds the stored webhook.
func runReplay(ctx context.Context, env *grader.Env) error {
	w := newWebhook(env, ex5.PaymentSucceeded)
	later := newWebhook(env, ex5.PaymentFailed)
	first, err := processOnce(ctx, env, w)
	if err != nil {
		return err
	}
	if first.Replays != 0 {
		return grader.Fail(fmt.Sprintf("ProcessWebhook: the %s, first delivery", w), "a record with replays 0",
			"%s", describe(first)).WithHint(replayHint)
	}
	if _, err := processOnce(ctx, env, later); err != nil {
		return err
	}
	if err := replayOnce(ctx, env, w, first, 1); err != nil {
		return err
	}
	if err := expectEffects(env, later, 1, fmt.Sprintf("ReplayWebhook %s, after the %s was processed", w.ID, later),
		"a replay runs the processing of the webhook it is called on (its object key), not of another one"); err != nil {
		return withHint(err, replayHint)
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
	if err := expectReplays(ctx, env, w, 1, sent+", then GetWebhookStatus", "replays 1: a duplicate is not a replay"); err != nil {
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
	if err := withHint(expectCode(sent+", then GetWebhookStatus", 404, "404: a refused replay records nothing", rec, err), replayHint); err != nil {
		return err
	}

	env.AfterRestart("the replayed webhook "+w.ID+", then replayed again", func(ctx context.Context) error {
		sent := fmt.Sprintf("GetWebhookStatus %s after your service process was restarted (it was replayed once before)", w.ID)
		env.Step("GetWebhookStatus %s after the restart", w.ID)
		if err := expectReplays(ctx, env, w, 1, sent, "replays 1: the replay is recorded in Restate state"); err != nil {
			return err
		}
		return replayOnce(ctx, env, w, first, 2)
	})
	return nil
}

// expectReplays reads w's record and checks that it counts n replays.
func expectReplays(ctx context.Context, env *grader.Env, w webhook, n int, sent, expected string) error {
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return withHint(unexpected(env, sent, expected, err), replayHint)
	}
	if stored.Replays != n {
		return grader.Fail(sent, expected, "%s", describe(stored)).WithHint(replayHint)
	}
	return nil
}

// replayOnce replays w for the nth time: the answer and the stored record count n
// replays, keep the first processing's processedAt and carry a lastReplayedAt, and the
// world saw processing n+1 times in all.
func replayOnce(ctx context.Context, env *grader.Env, w webhook, first ex5.WebhookStatus, n int) error {
	sent := fmt.Sprintf("ReplayWebhook %s (replay number %d of the %s)", w.ID, n, w)
	env.Step("ReplayWebhook %s (#%d)", w.ID, n)
	rec, err := replayCall(ctx, env, w.ID)
	if err != nil {
		return withHint(unexpected(env, sent, fmt.Sprintf("success with the record, replays %d", n), err), replayHint)
	}
	want := fmt.Sprintf("the record of %s with replays %d, processedAt %s (the first processing's) and a lastReplayedAt",
		w.ID, n, first.ProcessedAt.Format(time.RFC3339Nano))
	if d := diffReplayed(w, first, n, rec); d != "" {
		return grader.Fail(sent, want, "%s: %s", describeReplay(rec), d).WithHint(replayHint)
	}
	if err := expectEffects(env, w, n+1, sent+fmt.Sprintf(": 1 processing + %d replays", n),
		"a replay runs the processing once more: each gateway call exactly once more"); err != nil {
		return withHint(err, replayHint)
	}
	stored, err := getStatus(ctx, env, w.ID)
	if err != nil {
		return withHint(unexpected(env, sent+", then GetWebhookStatus", want, err), replayHint)
	}
	if d := diffReplayed(w, first, n, stored); d != "" {
		return grader.Fail(sent+", then GetWebhookStatus", want+": the replay is recorded in the webhook's state", "%s: %s", describeReplay(stored), d).
			WithHint(replayHint)
	}
	return nil
}

// diffReplayed lists how rec differs from w's record after n replays.
func diffReplayed(w webhook, first ex5.WebhookStatus, n int, rec ex5.WebhookStatus) string {
	var d grader.Diff
	d.Str("id", w.ID, rec.ID)
	d.Str("type", w.Type, rec.Type)
	d.Int("replays", n, rec.Replays)
	if !rec.ProcessedAt.Equal(first.ProcessedAt) {
		d.Note("processedAt %s, expected %s: it is when the webhook was first processed, and a replay keeps it",
			rec.ProcessedAt.UTC().Format(time.RFC3339Nano), first.ProcessedAt.UTC().Format(time.RFC3339Nano))
	}
	if rec.LastReplayedAt.IsZero() {
		d.Note("lastReplayedAt is not set")
	}
	return d.String()
}

func describeReplay(s ex5.WebhookStatus) string {
	return fmt.Sprintf("{id:%q type:%q status:%q replays:%d processedAt:%s lastReplayedAt:%s}", s.ID, s.Type, s.Status, s.Replays,
		s.ProcessedAt.Format(time.RFC3339Nano), s.LastReplayedAt.Format(time.RFC3339Nano))
}
