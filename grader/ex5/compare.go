package ex5

import (
	"errors"
	"fmt"

	"idempotency/contract/ex5"
	"idempotency/grader"
)

// diffRecord lists how rec differs from the record of w with status wantStatus (any
// status when wantStatus is empty); "" when it does not.
func diffRecord(w webhook, wantStatus string, rec ex5.WebhookStatus) string {
	var d grader.Diff
	d.Str("id", w.ID, rec.ID)
	d.Str("type", w.Type, rec.Type)
	if wantStatus != "" {
		d.Str("status", wantStatus, rec.Status)
	}
	return d.String()
}

// diffStored lists how two records of one webhook differ in what a duplicate delivery
// must not change: status, processedAt and replays.
func diffStored(want, got ex5.WebhookStatus) string {
	d := storedDiff(want, got)
	return d.String()
}

// diffDuplicate is diffStored for the answer to a duplicate of w, whose type must be
// w's too.
func diffDuplicate(w webhook, first, got ex5.WebhookStatus) string {
	d := storedDiff(first, got)
	d.Str("type", w.Type, got.Type)
	return d.String()
}

func storedDiff(want, got ex5.WebhookStatus) grader.Diff {
	var d grader.Diff
	d.Str("id", want.ID, got.ID)
	d.Str("status", want.Status, got.Status)
	d.Time("processedAt", want.ProcessedAt, got.ProcessedAt)
	d.Int("replays", want.Replays, got.Replays)
	return d
}

func recordExpectation(w webhook, status string) string {
	if status == "" {
		return fmt.Sprintf("success with the record of webhook %s (id %q, type %q)", w.ID, w.ID, w.Type)
	}
	return fmt.Sprintf("success with the record of webhook %s: id %q, type %q, status %q", w.ID, w.ID, w.Type, status)
}

// withHint gives a failure a hint specific to it; other errors pass through.
func withHint(err error, hint string) error {
	var f *grader.Failure
	if errors.As(err, &f) {
		f.Hint = hint
	}
	return err
}

func asFailure(err error, f **grader.Failure) bool { return errors.As(err, f) }
