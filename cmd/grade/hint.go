package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"idempotency/grader"
	"idempotency/grader/catalog"
	"idempotency/grader/learner/hints"
	"idempotency/grader/learner/progress"
)

// hintCmd is `grade hint ex1 duplicate-create`: the next level of help for a criterion,
// remembered locally. Without a criterion, the first one that failed in the last run.
func hintCmd(_ context.Context, args []string, stdout, _ io.Writer) error {
	args, err := parseFlags("hint", newFlagSet("hint"), args, stdout)
	if err != nil {
		return err
	}
	if len(args) < 1 || len(args) > 2 {
		return usageErr("hint", "name an exercise, and optionally one of its criteria")
	}
	ex, ok := catalog.Lookup(args[0])
	if !ok {
		return usageErr("hint", "unknown exercise %q (try: go run ./cmd/grade list)", args[0])
	}
	store, err := progress.Open()
	if err != nil {
		return err
	}
	st, err := store.Load()
	if err != nil {
		return err
	}
	id := ""
	if len(args) == 2 {
		id = args[1]
	} else if e := st.Exercises[ex.ID]; e != nil && len(e.Failing) > 0 {
		id = e.Failing[0]
	}
	var sc *grader.Scenario
	for i := range ex.Scenarios {
		if ex.Scenarios[i].ID == id {
			sc = &ex.Scenarios[i]
		}
	}
	if sc == nil {
		var ids []string
		for _, s := range ex.Scenarios {
			ids = append(ids, s.ID)
		}
		msg := fmt.Sprintf("grade hint: name a criterion of %s: %s", ex.ID, strings.Join(ids, ", "))
		if id != "" {
			msg = fmt.Sprintf("grade hint: %s has no criterion %q; its criteria: %s", ex.ID, id, strings.Join(ids, ", "))
		}
		return &exitError{code: grader.ExitUsage, msg: msg + " (see: go run ./cmd/grade help hint)"}
	}

	levels := append([]string{sc.Hint}, hints.Levels(ex.ID, sc.ID)...)
	var shown int
	if err := store.Update(func(st *progress.State) {
		e := st.Of(ex.ID)
		e.HintLevels[sc.ID] = min(e.HintLevels[sc.ID]+1, len(levels))
		shown = e.HintLevels[sc.ID]
	}); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Hint %d of %d for %s %q (%s):\n\n", shown, len(levels), ex.ID, sc.Title, sc.ID)
	for i := 0; i < shown; i++ {
		fmt.Fprintf(&b, "  %d. %s\n\n", i+1, levels[i])
	}
	if shown < len(levels) {
		fmt.Fprintf(&b, "Run `go run ./cmd/grade hint %s %s` again for the next level.\n", ex.ID, sc.ID)
	} else {
		fmt.Fprintf(&b, "That is all the help the grader has for this criterion; %s/README.md says what the grader does for it.\n", ex.Stub)
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}
