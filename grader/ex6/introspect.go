package ex6

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"idempotency/contract/ex6"
	"idempotency/grader"
)

// invocation is a row of sys_invocation, as this package reads it.
type invocation struct {
	ID             string  `json:"id"`
	Target         string  `json:"target"`
	Service        string  `json:"target_service_name"`
	ObjectKey      *string `json:"target_service_key"`
	Handler        string  `json:"target_handler_name"`
	IdempotencyKey *string `json:"idempotency_key"`
	InvokedByID    *string `json:"invoked_by_id"`
	Status         string  `json:"status"`
	RetryCount     *int    `json:"retry_count"`
	LastFailure    *string `json:"last_failure"`
	// CompletionFailure is a completed invocation's terminal error, "[402] card declined".
	CompletionFailure *string `json:"completion_failure"`
	CreatedAt         string  `json:"created_at"`
	CompletedAt       *string `json:"completed_at"`
}

func (i invocation) key() string {
	if i.IdempotencyKey == nil {
		return ""
	}
	return *i.IdempotencyKey
}

func (i invocation) parent() string {
	if i.InvokedByID == nil {
		return ""
	}
	return *i.InvokedByID
}

func (i invocation) handler() string { return i.Service + "." + i.Handler }

// created and completed are the server's timestamps (millisecond resolution, one clock).
func (i invocation) created() time.Time { return parseTime(i.CreatedAt) }

func (i invocation) completed() time.Time {
	if i.CompletedAt == nil {
		return time.Time{}
	}
	return parseTime(*i.CompletedAt)
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// describe says what an unfinished invocation is doing, for evidence.
func (i invocation) describe() string {
	s := fmt.Sprintf("%s (%s) %s", i.Target, i.ID, i.Status)
	if i.RetryCount != nil && *i.RetryCount > 0 {
		s += fmt.Sprintf(", retried %d times", *i.RetryCount)
	}
	if i.LastFailure != nil && *i.LastFailure != "" {
		s += ", last failure: " + firstLine(*i.LastFailure)
	}
	return s
}

const invColumns = "id, target, target_service_name, target_service_key, target_handler_name, idempotency_key, invoked_by_id, status, retry_count, last_failure, completion_failure, created_at, completed_at"

// processInvocations lists the ProcessOrder invocations of an order, oldest first.
func processInvocations(ctx context.Context, env *grader.Env, orderID string) ([]invocation, error) {
	return processInvocationsOf(ctx, env, []string{orderID})
}

// processInvocationsOf lists the ProcessOrder invocations of several orders, oldest first.
func processInvocationsOf(ctx context.Context, env *grader.Env, orderIDs []string) ([]invocation, error) {
	q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE target_service_name = %s AND target_handler_name = %s AND target_service_key IN (%s) ORDER BY created_at",
		invColumns, sqlString(ex6.OrchestratorName), sqlString(ex6.ProcessOrder), sqlList(orderIDs))
	var rows []invocation
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// spawned lists the invocations that the given invocations started, and those that
// these started in turn: every participant call an order made, whichever handler made
// it, one-way calls included. Oldest first.
func spawned(ctx context.Context, env *grader.Env, roots []invocation) ([]invocation, error) {
	var out []invocation
	seen := map[string]bool{}
	frontier := make([]string, 0, len(roots))
	for _, r := range roots {
		seen[r.ID] = true
		frontier = append(frontier, r.ID)
	}
	for depth := 0; depth < 4 && len(frontier) > 0; depth++ {
		q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE invoked_by_id IN (%s) ORDER BY created_at", invColumns, sqlList(frontier))
		var rows []invocation
		if err := env.Admin.Query(ctx, q, &rows); err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for _, r := range rows {
			if !seen[r.ID] {
				seen[r.ID] = true
				out = append(out, r)
				frontier = append(frontier, r.ID)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b invocation) int { return a.created().Compare(b.created()) })
	return out, nil
}

// orderInvocations lists an order's ProcessOrder invocations and every invocation they
// started.
func orderInvocations(ctx context.Context, env *grader.Env, orderIDs []string) (roots, kids []invocation, err error) {
	roots, err = processInvocationsOf(ctx, env, orderIDs)
	if err != nil {
		return nil, nil, err
	}
	kids, err = spawned(ctx, env, roots)
	return roots, kids, err
}

// settleWithin bounds how long settle waits for an order's invocations. The retry
// policy kills an invocation that keeps failing after about 4 s, so a healthy order
// settles in well under a second and a failing one in a few seconds, even on a
// loaded machine.
const settleWithin = 20 * time.Second

// settle waits until every invocation the orders started has completed: ProcessOrder
// and the participant calls it made, one-way calls included, so that work the
// orchestrator sent without waiting for it (a one-way confirmation or compensation) is
// in the ledger before the effects are judged. Invocations still running at the
// deadline are the submission's doing: a failure that names them.
func settle(ctx context.Context, env *grader.Env, orders ...order) error {
	keys := ids(orders)
	deadline := time.Now().Add(settleWithin)
	if d, ok := ctx.Deadline(); ok && d.Add(-3*time.Second).Before(deadline) {
		deadline = d.Add(-3 * time.Second)
	}
	pause := 20 * time.Millisecond
	for {
		late := time.Now().After(deadline)
		pending, err := unsettled(ctx, env, keys, !late)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		if late {
			return grader.Fail("ProcessOrder "+strings.Join(keys, ", "),
				"every invocation the order started (ProcessOrder and its participant calls, one-way ones included) completes within seconds",
				"still unfinished after waiting:\n%s", indent(strings.Join(pending, "\n"))).
				WithHint("an invocation that never completes is usually a handler that keeps failing with a plain error (Restate retries it), " +
					"or one that waits for something that never comes: return a terminal error for failures a retry cannot fix")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// unsettled describes the orders' invocations that have not completed: those Restate
// lists as running, and the calls their journals record whose invocation does not
// exist yet or is still running. A one-way call is created after its caller may have
// completed, so the journals, not invoked_by_id alone, say what is still to come.
// quick answers with the orders' own running ProcessOrder invocations when there are
// any (one query, not four or five: settle asks every few tens of milliseconds), and
// describes everything otherwise.
func unsettled(ctx context.Context, env *grader.Env, orderIDs []string, quick bool) ([]string, error) {
	roots, err := processInvocationsOf(ctx, env, orderIDs)
	if err != nil {
		return nil, err
	}
	var pending []string
	if quick {
		for _, inv := range roots {
			if inv.Status != "completed" {
				pending = append(pending, inv.describe())
			}
		}
		if len(pending) > 0 {
			return pending, nil
		}
	}
	kids, err := spawned(ctx, env, roots)
	if err != nil {
		return nil, err
	}
	all := append(roots, kids...)
	known := map[string]bool{}
	for _, inv := range all {
		known[inv.ID] = true
		if inv.Status != "completed" {
			pending = append(pending, inv.describe())
		}
	}
	if len(pending) > 0 || len(all) == 0 {
		return pending, nil
	}
	called, err := calledIDs(ctx, env, all)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, id := range called {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return nil, nil
	}
	q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE id IN (%s)", invColumns, sqlList(unknown))
	var rows []invocation
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	found := map[string]bool{}
	for _, inv := range rows {
		found[inv.ID] = true
		if inv.Status != "completed" {
			pending = append(pending, inv.describe())
		}
	}
	for _, id := range unknown {
		if !found[id] {
			pending = append(pending, id+" (called, not yet started)")
		}
	}
	return pending, nil
}

var invocationIDPattern = regexp.MustCompile(`"invocation_id":"(inv_[0-9A-Za-z]+)"`)

// calledIDs lists the invocations that the journals of invs record calls to (the
// CallInvocationId notifications of request-response and one-way calls alike).
func calledIDs(ctx context.Context, env *grader.Env, invs []invocation) ([]string, error) {
	idList := make([]string, len(invs))
	for i, inv := range invs {
		idList[i] = inv.ID
	}
	q := fmt.Sprintf("SELECT entry_json FROM sys_journal WHERE entry_type = 'Notification: CallInvocationId' AND id IN (%s)", sqlList(idList))
	var rows []struct {
		JSON string `json:"entry_json"`
	}
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if m := invocationIDPattern.FindStringSubmatch(r.JSON); m != nil {
			out = append(out, m[1])
		}
	}
	return out, nil
}

// journalCalls counts the calls to other services in each invocation's journal, in
// one query.
func journalCalls(ctx context.Context, env *grader.Env, invocationIDs []string) (map[string]int, error) {
	q := fmt.Sprintf("SELECT id FROM sys_journal WHERE entry_type IN ('Command: Call', 'Command: OneWayCall') AND id IN (%s)", sqlList(invocationIDs))
	var rows []struct {
		ID string `json:"id"`
	}
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	n := map[string]int{}
	for _, r := range rows {
		n[r.ID]++
	}
	return n, nil
}

// journalTypes lists the entry types of an invocation's journal, in order.
func journalTypes(ctx context.Context, env *grader.Env, invocationID string) ([]string, error) {
	q := fmt.Sprintf("SELECT index, entry_type FROM sys_journal WHERE id = %s ORDER BY index", sqlString(invocationID))
	var rows []struct {
		EntryType string `json:"entry_type"`
	}
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.EntryType
	}
	return out, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = sqlString(v)
	}
	return strings.Join(quoted, ", ")
}

// clock prints a server timestamp for evidence.
func clock(t time.Time) string {
	if t.IsZero() {
		return "(unknown)"
	}
	return t.UTC().Format("15:04:05.000")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
