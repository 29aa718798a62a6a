package admin

import (
	"context"
	"fmt"
	"strings"
)

// Invocation is one row of sys_invocation (the columns the grader reads).
type Invocation struct {
	ID              string `json:"id"`
	Target          string `json:"target"`
	Service         string `json:"target_service_name"`
	Key             string `json:"target_service_key"`
	Handler         string `json:"target_handler_name"`
	Status          string `json:"status"`
	RetryCount      *int   `json:"retry_count"`
	LastFailure     string `json:"last_failure"`
	LastFailureCode string `json:"last_failure_error_code"`
	Result          string `json:"completion_result"`
	Failure         string `json:"completion_failure"`
	CreatedAt       string `json:"created_at"`
}

const invocationColumns = `id, target, target_service_name, target_service_key, target_handler_name,
status, retry_count, last_failure, last_failure_error_code, completion_result, completion_failure, created_at`

// Invocations lists the invocations of service whose object key is one of keys.
func (c *Client) Invocations(ctx context.Context, service string, keys ...string) ([]Invocation, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = sqlString(k)
	}
	q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE target_service_name = %s AND target_service_key IN (%s)",
		invocationColumns, sqlString(service), strings.Join(quoted, ", "))
	var rows []Invocation
	err := c.Query(ctx, q, &rows)
	return rows, err
}

// KillUnfinished kills every invocation of service on keys that has not completed, and
// returns those it killed: a scenario that hit its deadline must not leave work behind.
func (c *Client) KillUnfinished(ctx context.Context, service string, keys ...string) ([]Invocation, error) {
	invs, err := c.Invocations(ctx, service, keys...)
	if err != nil {
		return nil, err
	}
	var killed []Invocation
	for _, inv := range invs {
		if inv.Status == "completed" {
			continue
		}
		if err := c.Kill(ctx, inv.ID); err != nil {
			return killed, err
		}
		killed = append(killed, inv)
	}
	return killed, nil
}

func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Completed lists the invocations that have completed, oldest first.
func (c *Client) Completed(ctx context.Context) ([]Invocation, error) {
	q := fmt.Sprintf("SELECT %s FROM sys_invocation WHERE status = 'completed' ORDER BY created_at", invocationColumns)
	var rows []Invocation
	err := c.Query(ctx, q, &rows)
	return rows, err
}
