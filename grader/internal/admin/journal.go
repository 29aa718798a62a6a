package admin

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// JournalEntry is one row of sys_journal: a step an invocation recorded.
type JournalEntry struct {
	ID    string `json:"id"`
	Index int    `json:"index"`
	// Type is Restate's entry type: "Command: Run", "Notification: Run",
	// "Command: SetState", ...
	Type string `json:"entry_type"`
	Name string `json:"name"`
	// JSON is the entry as Restate prints it (entry_json).
	JSON       string    `json:"entry_json"`
	AppendedAt time.Time `json:"appended_at"`
}

// Label names the step for people: the state key of a state command, the name of a run.
func (e JournalEntry) Label() string {
	if m := stateKey.FindStringSubmatch(e.JSON); m != nil && strings.Contains(e.Type, "State") {
		return m[1]
	}
	return e.Name
}

var stateKey = regexp.MustCompile(`"key":"([^"]*)"`)

// Journals returns the journal entries of the invocations ids, by id, in index order.
func (c *Client) Journals(ctx context.Context, ids ...string) (map[string][]JournalEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = sqlString(id)
	}
	q := fmt.Sprintf("SELECT id, index, entry_type, name, entry_json, appended_at FROM sys_journal WHERE id IN (%s) ORDER BY id, index",
		strings.Join(quoted, ", "))
	var rows []JournalEntry
	if err := c.Query(ctx, q, &rows); err != nil {
		return nil, fmt.Errorf("journals: %w", err)
	}
	out := map[string][]JournalEntry{}
	for _, r := range rows {
		out[r.ID] = append(out[r.ID], r)
	}
	return out, nil
}
