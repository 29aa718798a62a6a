package ex5

import (
	"errors"
	"fmt"
	"strings"

	"idempotency/contract/ex5"
	"idempotency/grader"
)

// diffRecord lists how rec differs from the record of w with status wantStatus (any
// status when wantStatus is empty); "" when it does not.
func diffRecord(w webhook, wantStatus string, rec ex5.WebhookStatus) string {
	var d []string
	if rec.ID != w.ID {
		d = append(d, fmt.Sprintf("id is %q, expected %q", rec.ID, w.ID))
	}
	if rec.Type != w.Type {
		d = append(d, fmt.Sprintf("type is %q, expected %q", rec.Type, w.Type))
	}
	if wantStatus != "" && rec.Status != wantStatus {
		d = append(d, fmt.Sprintf("status is %q, expected %q", rec.Status, wantStatus))
	}
	return strings.Join(d, "; ")
}

// diffStored lists how two records of one webhook differ in what a duplicate delivery
// must not change: status, processedAt and replays.
func diffStored(want, got ex5.WebhookStatus) string {
	var d []string
	if got.ID != want.ID {
		d = append(d, fmt.Sprintf("id %q != %q", got.ID, want.ID))
	}
	if got.Status != want.Status {
		d = append(d, fmt.Sprintf("status %q != %q", got.Status, want.Status))
	}
	if !got.ProcessedAt.Equal(want.ProcessedAt) {
		d = append(d, fmt.Sprintf("processedAt %s != %s", got.ProcessedAt.Format("15:04:05.000000"), want.ProcessedAt.Format("15:04:05.000000")))
	}
	if got.Replays != want.Replays {
		d = append(d, fmt.Sprintf("replays %d != %d", got.Replays, want.Replays))
	}
	return strings.Join(d, ", ")
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
