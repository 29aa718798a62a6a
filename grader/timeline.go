package grader

// Timeline shows what Restate did for the invocations that decide a failed criterion:
// each attempt as the fault proxy saw it, each journal step with what every attempt did
// with it, and the gateway calls lined up with the step that made them. The report
// carries one under a failed criterion whose scenario made invocations.
type Timeline struct {
	Invocations []InvocationTimeline `json:"invocations"`
	// More counts the scenario's other invocations, which are not shown.
	More int `json:"more,omitempty"`
}

// InvocationTimeline is one invocation: a column per attempt, a row per step.
type InvocationTimeline struct {
	ID string `json:"id"`
	// Target is Service/key/Handler.
	Target string `json:"target"`
	// Outcome is how the invocation ended as Restate recorded it: "succeeded",
	// "failed: [404] order o-1 not found", or its status while it was not finished.
	Outcome  string            `json:"outcome"`
	Attempts []TimelineAttempt `json:"attempts"`
	// HiddenAttempts counts attempts left out between the first ones and the last.
	HiddenAttempts int            `json:"hidden_attempts,omitempty"`
	Steps          []TimelineStep `json:"steps"`
	// Note says in one sentence what the drawing shows, when it shows a known pattern.
	Note string `json:"note,omitempty"`
}

// TimelineAttempt is one attempt of an invocation.
type TimelineAttempt struct {
	N int `json:"n"`
	// AtMS is when it started, in milliseconds after the invocation's first attempt.
	AtMS       int64 `json:"at_ms"`
	DurationMS int64 `json:"duration_ms"`
	// Replayed is how many journal entries Restate replayed to it.
	Replayed int `json:"replayed"`
	// End is how it ended: completed, suspended, failed (an error the service sent),
	// crashed (a fault the grader injected) or broken (the stream broke otherwise).
	End string `json:"end"`
	// Fault names the injected fault of a crashed attempt.
	Fault string `json:"fault,omitempty"`
	// Error is the service's error of a failed attempt: "570 journal mismatch ...".
	Error string `json:"error,omitempty"`
}

// TimelineStep is one row: a journal entry, or a gateway call.
type TimelineStep struct {
	// Kind is "journal" or "gateway".
	Kind string `json:"kind"`
	// Index is the journal entry's index (-1 for a gateway call).
	Index int `json:"index"`
	// Step is Restate's number for a journal command, as its error messages name it
	// ("index '3'"): commands only, the input is 0 (-1 for a gateway call).
	Step int `json:"step"`
	// Label names the step: "run", "set state order", "notify event=cancelled ...".
	Label string `json:"label"`
	// Marks has one mark per attempt (same order as Attempts): what that attempt did here.
	Marks []Mark `json:"marks"`
}

// Mark is what one attempt did at one step.
type Mark string

// The marks of a timeline cell.
const (
	MarkNone     Mark = ""         // the attempt did not reach this step
	MarkRecorded Mark = "recorded" // the attempt ran the step and Restate recorded it
	MarkReplayed Mark = "replayed" // the attempt read the step back from the journal
	MarkMismatch Mark = "mismatch" // on replay the attempt did something else here
	MarkCrashed  Mark = "crashed"  // the attempt was cut off before this step
	MarkCalled   Mark = "called"   // a gateway call: made for the first time, and delivered
	MarkAgain    Mark = "again"    // a gateway call: the same call made again, and delivered
	MarkFailed   Mark = "failed"   // a gateway call that failed (no effect)
)
