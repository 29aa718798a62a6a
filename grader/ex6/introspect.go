package ex6

import (
	"context"
	"fmt"
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
	Handler        string  `json:"target_handler_name"`
	IdempotencyKey *string `json:"idempotency_key"`
	InvokedByID    *string `json:"invoked_by_id"`
	Status         string  `json:"status"`
	CreatedAt      string  `json:"created_at"`
}

func (i invocation) key() string {
	if i.IdempotencyKey == nil {
		return ""
	}
	return *i.IdempotencyKey
}

const invColumns = "id, target, target_service_name, target_handler_name, idempotency_key, invoked_by_id, status, created_at"

// processInvocations lists the ProcessOrder invocations of an order, oldest first.
func processInvocations(ctx context.Context, env *grader.Env, orderID string) ([]invocation, error) {
	q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE target_service_name = %s AND target_service_key = %s AND target_handler_name = %s ORDER BY created_at",
		invColumns, sqlString(ex6.OrchestratorName), sqlString(orderID), sqlString(ex6.ProcessOrder))
	var rows []invocation
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return nil, err
	}
	return rows, nil
}

// spawned lists the invocations that the given invocations started, and those that
// these started in turn: every participant call an order made, whichever handler made it.
func spawned(ctx context.Context, env *grader.Env, roots []invocation) ([]invocation, error) {
	var out []invocation
	seen := map[string]bool{}
	frontier := make([]string, 0, len(roots))
	for _, r := range roots {
		seen[r.ID] = true
		frontier = append(frontier, r.ID)
	}
	for depth := 0; depth < 4 && len(frontier) > 0; depth++ {
		quoted := make([]string, len(frontier))
		for i, id := range frontier {
			quoted[i] = sqlString(id)
		}
		q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE invoked_by_id IN (%s) ORDER BY created_at", invColumns, strings.Join(quoted, ", "))
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
	return out, nil
}

// settle waits until every invocation an order started has completed, so that work the
// orchestrator sent without waiting for it (a one-way compensation) is in the ledger
// before the effects are counted.
func settle(ctx context.Context, env *grader.Env, orders ...order) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		pending, err := unfinished(ctx, env, orders)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			// Still running: the effects are judged as they are; the evidence will show it.
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func unfinished(ctx context.Context, env *grader.Env, orders []order) ([]invocation, error) {
	var pending []invocation
	for _, o := range orders {
		roots, err := processInvocations(ctx, env, o.ID)
		if err != nil {
			return nil, err
		}
		kids, err := spawned(ctx, env, roots)
		if err != nil {
			return nil, err
		}
		for _, inv := range append(roots, kids...) {
			if inv.Status != "completed" {
				pending = append(pending, inv)
			}
		}
	}
	return pending, nil
}

// journalCalls counts the calls to other services in an invocation's journal.
func journalCalls(ctx context.Context, env *grader.Env, invocationID string) (int, error) {
	q := fmt.Sprintf("SELECT entry_type FROM sys_journal WHERE id = %s", sqlString(invocationID))
	var rows []struct {
		EntryType string `json:"entry_type"`
	}
	if err := env.Admin.Query(ctx, q, &rows); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rows {
		if r.EntryType == "Command: Call" || r.EntryType == "Command: OneWayCall" {
			n++
		}
	}
	return n, nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
