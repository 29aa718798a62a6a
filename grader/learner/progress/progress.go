// Package progress remembers, on this machine, how a learner is doing: the best score of
// each exercise, the criteria that failed in the last run, and how many hint levels each
// criterion has revealed. It is one JSON file under the user's state directory.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"idempotency/grader"
)

// EnvDir overrides the directory of the state file (tests, or a shared machine).
const EnvDir = "IDEMPOTENCY_GRADER_STATE"

// State is everything remembered.
type State struct {
	Exercises map[string]*Exercise `json:"exercises"`
}

// Exercise is what is remembered of one exercise.
type Exercise struct {
	// Best is the best scored run so far; Runs counts the judged runs.
	BestScore int       `json:"best_score"`
	MaxScore  int       `json:"max_score"`
	BestBonus int       `json:"best_bonus"`
	BonusMax  int       `json:"bonus_max"`
	Runs      int       `json:"runs"`
	LastRun   time.Time `json:"last_run"`
	// Failing are the criteria (ids) that did not pass in the last run, in report order.
	Failing []string `json:"failing,omitempty"`
	// HintLevels maps a criterion id to the number of hint levels revealed.
	HintLevels map[string]int `json:"hint_levels,omitempty"`
}

// Store is the state file.
type Store struct {
	Path string
}

// Open returns the store in $IDEMPOTENCY_GRADER_STATE, else $XDG_STATE_HOME/idempotency-grader,
// else the user config dir's idempotency-grader. Nothing is created until Save.
func Open() (*Store, error) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		if xdg := os.Getenv("XDG_STATE_HOME"); xdg != "" {
			dir = filepath.Join(xdg, "idempotency-grader")
		} else {
			cfg, err := os.UserConfigDir()
			if err != nil {
				return nil, fmt.Errorf("find a place for the learner's progress: %w", err)
			}
			dir = filepath.Join(cfg, "idempotency-grader")
		}
	}
	return &Store{Path: filepath.Join(dir, "progress.json")}, nil
}

// Load reads the state; a missing file is an empty state.
func (s *Store) Load() (*State, error) {
	st := &State{Exercises: map[string]*Exercise{}}
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("read progress %s: %w", s.Path, err)
	}
	if st.Exercises == nil {
		st.Exercises = map[string]*Exercise{}
	}
	return st, nil
}

// Save writes the state atomically (a reader never sees half a file).
func (s *Store) Save(st *State) error {
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o755); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".progress-*.json")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save progress: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.Path); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// Update loads the state, applies change and saves it.
func (s *Store) Update(change func(*State)) error {
	st, err := s.Load()
	if err != nil {
		return err
	}
	change(st)
	return s.Save(st)
}

// Of returns the exercise's record, creating it.
func (st *State) Of(id string) *Exercise {
	e := st.Exercises[id]
	if e == nil {
		e = &Exercise{}
		st.Exercises[id] = e
	}
	if e.HintLevels == nil {
		e.HintLevels = map[string]int{}
	}
	return e
}

// Record adds a judged run to the state. A run the grader could not judge (a compile
// error, a server that did not start) counts as no run.
func (st *State) Record(r *grader.Report, at time.Time) bool {
	if r.Error != "" || r.ExitCode() == grader.ExitNoJudge {
		return false
	}
	e := st.Of(r.Exercise)
	e.Runs++
	e.LastRun = at
	e.MaxScore, e.BonusMax = r.MaxScore, r.BonusMax
	if r.Score > e.BestScore || (r.Score == e.BestScore && r.BonusScore > e.BestBonus) {
		e.BestScore, e.BestBonus = r.Score, r.BonusScore
	}
	e.Failing = nil
	for _, c := range r.Criteria {
		if c.Status != grader.StatusPass {
			e.Failing = append(e.Failing, c.ID)
		}
	}
	return true
}
