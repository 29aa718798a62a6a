package grader

import (
	"testing"
	"time"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func entry(i int, typ, key string, ms int) admin.JournalEntry {
	js := ""
	if key != "" {
		js = `{"Command":{"X":{"key":"` + key + `"}}}`
	}
	return admin.JournalEntry{ID: "inv_1", Index: i, Type: typ, JSON: js, AppendedAt: at(ms)}
}

// A notice sent outside restate.Run, the attempt crashed before completion: the retry
// replays get and set state and sends the notice again.
func TestTimelineEffectOutsideRun(t *testing.T) {
	notice := world.Call{Gateway: "notify", Args: map[string]string{"event": "order.cancelled", "reference": "o-1"}, Delivered: true}
	first, again := notice, notice
	first.At, again.At = at(12), at(105)
	r := invocationRecord{
		inv: admin.Invocation{ID: "inv_1", Target: "OrderService/o-1/CancelOrder", Status: "completed", Result: "success"},
		attempts: []proxy.AttemptInfo{
			{InvocationID: "inv_1", N: 1, Start: at(0), End: at(30), Replayed: 1, Ending: proxy.EndCrashed, Fault: proxy.CrashBeforeCompletion,
				CommandTimes: []time.Time{at(10), at(20), at(25)}},
			{InvocationID: "inv_1", N: 2, Start: at(100), End: at(110), Replayed: 3, Ending: proxy.EndCompleted, CommandTimes: []time.Time{at(107)}},
		},
		journal: []admin.JournalEntry{
			entry(0, "Command: Input", "", 0), entry(1, "Command: GetEagerState", "order", 10),
			entry(2, "Command: SetState", "order", 20), entry(3, "Command: Output", "", 107),
		},
		calls: world.Calls{first, again},
	}
	tl := buildInvocationTimeline(r)
	require.Len(t, tl.Steps, 4)
	assert.Equal(t, "get state order", tl.Steps[0].Label)
	assert.Equal(t, []Mark{MarkRecorded, MarkReplayed}, tl.Steps[0].Marks)
	assert.Equal(t, "gateway", tl.Steps[1].Kind, "the notice sits after the step its attempt had reached")
	assert.Equal(t, []Mark{MarkCalled, MarkAgain}, tl.Steps[1].Marks)
	assert.Equal(t, []Mark{MarkRecorded, MarkReplayed}, tl.Steps[2].Marks)
	assert.Equal(t, "output", tl.Steps[3].Label)
	assert.Equal(t, []Mark{MarkCrashed, MarkRecorded}, tl.Steps[3].Marks)
	assert.Equal(t, "succeeded", tl.Outcome)
	assert.Contains(t, tl.Note, "attempt 2 made the notify call again")
}

// A value from math/rand stored with restate.Set: every retry's replay differs at the
// set state command (Restate names it by its command index, 3; journal index 4).
func TestTimelineMismatch(t *testing.T) {
	mismatch := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"- The mismatch happened while executing 'set state' (index '3')\n- Difference:\n   value: 'a' != 'b'"
	r := invocationRecord{
		inv: admin.Invocation{ID: "inv_1", Target: "OrderService/o-1/CreateOrder", Status: "completed", Failure: "[570] " + mismatch},
		attempts: []proxy.AttemptInfo{
			{N: 1, Start: at(0), End: at(30), Replayed: 1, Ending: proxy.EndCrashed, Fault: proxy.CrashBeforeCompletion},
			{N: 2, Start: at(100), End: at(110), Replayed: 5, Ending: proxy.EndFailed, ErrorCode: 570, ErrorMessage: mismatch},
			{N: 3, Start: at(200), End: at(210), Replayed: 5, Ending: proxy.EndFailed, ErrorCode: 570, ErrorMessage: mismatch},
		},
		journal: []admin.JournalEntry{
			entry(0, "Command: Input", "", 0), entry(1, "Command: GetEagerState", "order", 10), entry(2, "Command: Run", "", 11),
			entry(3, "Notification: Run", "", 12), entry(4, "Command: SetState", "order", 20),
		},
	}
	tl := buildInvocationTimeline(r)
	require.Len(t, tl.Steps, 4)
	assert.Equal(t, "set state order", tl.Steps[2].Label)
	assert.Equal(t, []Mark{MarkRecorded, MarkMismatch, MarkMismatch}, tl.Steps[2].Marks)
	assert.Equal(t, "output (never recorded)", tl.Steps[3].Label)
	assert.Equal(t, []Mark{MarkCrashed, MarkNone, MarkNone}, tl.Steps[3].Marks)
	assert.Equal(t, "570 journal mismatch at set state", tl.Attempts[1].Error)
	assert.Equal(t, "failed: [570] journal mismatch at set state", tl.Outcome)
	assert.Contains(t, tl.Note, "attempt 2 replayed the journal")
}

func TestTimelineCapsAttempts(t *testing.T) {
	r := invocationRecord{inv: admin.Invocation{ID: "inv_1", Status: "completed", Failure: "[500] boom"}}
	for i := range 10 {
		r.attempts = append(r.attempts, proxy.AttemptInfo{N: i + 1, Start: at(i * 100), End: at(i*100 + 5), Replayed: 2,
			Ending: proxy.EndFailed, ErrorCode: 500, ErrorMessage: "order o-1 not found"})
	}
	r.attempts[0].Replayed = 1
	r.journal = []admin.JournalEntry{entry(0, "Command: Input", "", 0), entry(1, "Command: GetEagerState", "order", 2)}
	tl := buildInvocationTimeline(r)
	require.Len(t, tl.Attempts, maxTimelineAttempts)
	assert.Equal(t, 10-maxTimelineAttempts, tl.HiddenAttempts)
	assert.Equal(t, []int{1, 2, 3, 4, 9, 10}, []int{tl.Attempts[0].N, tl.Attempts[1].N, tl.Attempts[2].N, tl.Attempts[3].N, tl.Attempts[4].N, tl.Attempts[5].N})
	assert.Len(t, tl.Steps[0].Marks, maxTimelineAttempts)
	assert.Contains(t, tl.Note, "every attempt ended with the same error (500 order o-1 not found)")
}

func TestDecisivePrefersATellingTimeline(t *testing.T) {
	plain := invocationRecord{inv: admin.Invocation{ID: "a", Key: "k1", Status: "completed", CreatedAt: "2026-12-02T15:00:03Z"},
		attempts: []proxy.AttemptInfo{{Ending: proxy.EndCompleted}}}
	crashed := invocationRecord{inv: admin.Invocation{ID: "b", Key: "k2", Status: "completed", CreatedAt: "2026-12-02T15:00:01Z"},
		attempts: []proxy.AttemptInfo{{Ending: proxy.EndCrashed, Fault: proxy.CrashBeforeCompletion}, {Ending: proxy.EndCompleted}}}
	first := invocationRecord{inv: admin.Invocation{ID: "c", Key: "k1", Status: "completed", CreatedAt: "2026-12-02T15:00:00Z"},
		attempts: []proxy.AttemptInfo{{Ending: proxy.EndCompleted}}}
	cands, pair := candidatesOf([]invocationRecord{plain, crashed, first})
	require.Len(t, cands, 3)
	assert.Equal(t, "b", cands[0].inv.ID, "the crashed one first")
	assert.Equal(t, []string{"c", "a"}, pair, "nothing failed: the first on the last one's key, then the last")

	// A crash the invocation recovered from tells nothing; a repeated effect does.
	recovered := InvocationTimeline{ID: "b", Target: "S/k2/H", Outcome: "succeeded"}
	repeated := InvocationTimeline{ID: "d", Target: "S/k3/H", Outcome: "succeeded",
		Steps: []TimelineStep{{Kind: "gateway", Marks: []Mark{MarkCalled, MarkAgain}}}}
	got := decisive([]InvocationTimeline{recovered, repeated}, []string{"b"})
	require.Len(t, got, 1)
	assert.Equal(t, "d", got[0].ID)

	got = decisive([]InvocationTimeline{{ID: "a", Outcome: "succeeded"}, {ID: "c", Outcome: "succeeded"}}, []string{"c", "a"})
	assert.Equal(t, "c", got[0].ID)
	assert.Equal(t, "a", got[1].ID)
}

func TestStubTimelineIsNotDrawn(t *testing.T) {
	stub := &Timeline{Invocations: []InvocationTimeline{{ID: "a", Attempts: make([]TimelineAttempt, 2), Outcome: "failed: [501] CancelOrder is not implemented yet",
		Steps: []TimelineStep{{Kind: "journal", Label: "output", Marks: []Mark{MarkCrashed, MarkRecorded}}}}}}
	assert.True(t, boring(stub), "a 501 crashed and answered again shows nothing")
	inMemory := &Timeline{Invocations: []InvocationTimeline{{ID: "b", Attempts: make([]TimelineAttempt, 1), Outcome: "failed: [404] no reservation r-1",
		Steps: []TimelineStep{{Kind: "journal", Label: "output", Marks: []Mark{MarkRecorded}}}}}}
	assert.False(t, boring(inMemory), "a handler that answered without a state step is drawn: state kept in memory")
	stub.Invocations[0].Steps = append(stub.Invocations[0].Steps, TimelineStep{Kind: "journal", Label: "run"})
	assert.False(t, boring(stub))
}

// The SDK sent the state read after the call (in one batch with the write): the call
// still sits after the read, not before it.
func TestTimelineCallAfterBatchedRead(t *testing.T) {
	notice := world.Call{Gateway: "notify", Args: map[string]string{"reference": "o-1"}, Delivered: true, At: at(5)}
	r := invocationRecord{
		inv: admin.Invocation{ID: "inv_1", Status: "completed"},
		attempts: []proxy.AttemptInfo{{N: 1, Start: at(0), End: at(30), Replayed: 1, Ending: proxy.EndCompleted,
			CommandTimes: []time.Time{at(20), at(20), at(20)}}},
		journal: []admin.JournalEntry{
			entry(0, "Command: Input", "", 0), entry(1, "Command: GetEagerState", "order", 20),
			entry(2, "Command: SetState", "order", 20), entry(3, "Command: Output", "", 20),
		},
		calls: world.Calls{notice},
	}
	tl := buildInvocationTimeline(r)
	require.Len(t, tl.Steps, 4)
	assert.Equal(t, "get state order", tl.Steps[0].Label)
	assert.Equal(t, "gateway", tl.Steps[1].Kind)
	assert.Equal(t, "set state order", tl.Steps[2].Label)
}

func TestJournalTextMatchesCallsByValue(t *testing.T) {
	// {"to":"ann@example.com"} as Restate prints an input payload.
	payload := `{"Command":{"Input":{"headers":[],"payload":[123,34,116,111,34,58,34,97,110,110,64,101,120,97,109,112,108,101,46,99,111,109,34,125],"name":""}}}`
	text := journalText([]admin.JournalEntry{{JSON: payload}})
	assert.Contains(t, text, `"to":"ann@example.com"`)
	assert.True(t, namesValueOf(world.Call{Args: map[string]string{"recipient": "ann@example.com"}}, text))
	assert.False(t, namesValueOf(world.Call{Args: map[string]string{"recipient": "bob@example.com"}}, text))
	assert.False(t, namesValueOf(world.Call{Args: map[string]string{"amount": "com"}}, text), "short values do not match by chance")
	// Found on ex5: a concurrent webhook's notice matched by its event name.
	shared := journalText([]admin.JournalEntry{{JSON: `{"payload":[112,97,121,109,101,110,116,46,102,97,105,108,101,100]}`}}) // payment.failed
	assert.False(t, namesValueOf(world.Call{Args: map[string]string{world.ArgEvent: "payment.failed", world.ArgCustomerID: "cus_other"}}, shared),
		"an event name is shared by many invocations and names none of them")
}

func TestAttemptsMade(t *testing.T) {
	assert.Equal(t, "attempt 2 made", attemptsMade([]int{2}))
	assert.Equal(t, "attempts 2 to 10 each made", attemptsMade([]int{2, 3, 4, 5, 6, 7, 8, 9, 10}))
	assert.Equal(t, "attempts 2, 5 each made", attemptsMade([]int{2, 5}))
}

// State in a Go map: the retry finds the order in memory and returns where the first
// attempt ran its restate.Run.
func TestTimelineBranchMismatch(t *testing.T) {
	mismatch := "Found a mismatch between the code paths taken during the previous execution and the paths taken during this execution.\n" +
		"- The journal recorded the following: 'run' (index '1')\n- The code attempts to perform the following: 'handler return'"
	r := invocationRecord{
		inv: admin.Invocation{ID: "inv_1", Status: "completed", Failure: "[570] " + mismatch},
		attempts: []proxy.AttemptInfo{
			{N: 1, Start: at(0), End: at(30), Replayed: 1, Ending: proxy.EndCrashed, Fault: proxy.CrashBeforeCompletion},
			{N: 2, Start: at(100), End: at(110), Replayed: 3, Ending: proxy.EndFailed, ErrorCode: 570, ErrorMessage: mismatch},
		},
		journal: []admin.JournalEntry{entry(0, "Command: Input", "", 0), entry(1, "Command: Run", "", 10), entry(2, "Notification: Run", "", 11)},
	}
	tl := buildInvocationTimeline(r)
	assert.Equal(t, []Mark{MarkRecorded, MarkMismatch}, tl.Steps[0].Marks)
	assert.Equal(t, "570 journal mismatch at handler return", tl.Attempts[1].Error)
	assert.Contains(t, tl.Note, `returned where the attempt that recorded it ran "run"`)
}

// A service that died on every attempt: one row says where, marked in every column.
func TestTimelineRepeatedCrashesShareARow(t *testing.T) {
	r := invocationRecord{inv: admin.Invocation{ID: "inv_1", Status: "running"}}
	for i := range 3 {
		r.attempts = append(r.attempts, proxy.AttemptInfo{N: i + 1, Start: at(i * 100), End: at(i*100 + 5), Replayed: 2, Ending: proxy.EndBroken})
	}
	r.attempts[0].Replayed = 1
	r.journal = []admin.JournalEntry{entry(0, "Command: Input", "", 0), entry(1, "Command: GetEagerState", "order", 2)}
	tl := buildInvocationTimeline(r)
	require.Len(t, tl.Steps, 2)
	assert.Equal(t, "(cut off here)", tl.Steps[1].Label)
	assert.Equal(t, []Mark{MarkCrashed, MarkCrashed, MarkCrashed}, tl.Steps[1].Marks)
}
