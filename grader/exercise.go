package grader

import (
	"context"
	"time"
)

// Exercise is everything the engine needs to grade one exercise.
type Exercise struct {
	ID       string // "ex1"
	Title    string // "Idempotent Order Service"
	Stub     string // the learner's package, relative to the module root: "exercises/ex1"
	Solution string // the reference solution: "solutions/ex1"
	// Services maps each Restate service the submission must register to its handlers.
	Services map[string][]string
	// ForcedReplay runs the server with an inactivity timeout of 0, so every await
	// suspends and every resumption replays the journal.
	ForcedReplay bool
	// WarmUp sends one call that reaches the service, so the SDK's first-call cost is
	// paid before any scenario's clock starts. Any answer from the handler is fine.
	WarmUp func(ctx context.Context, env *Env) error
	// Scenarios, one per criterion, in the order the report lists them.
	Scenarios []Scenario
}

// Scenario judges one success criterion of an exercise.
type Scenario struct {
	ID     string // stable criterion id, e.g. "duplicate-create"
	Title  string // the exercise text's wording of the criterion
	Points int
	Bonus  bool
	// Hint tells the learner what to try when the criterion fails.
	Hint string
	// Exclusive scenarios kill the service process or restart restate-server, which would
	// disturb their neighbours: they run one at a time, after the concurrent ones.
	Exclusive bool
	// Needs lists the services and handlers the scenario calls (service -> handlers).
	// A submission that does not register one of them fails this criterion only, with
	// the registration explained; nil means every handler of Exercise.Services.
	Needs map[string][]string
	// Timeout bounds Run (0 = DefaultScenarioTimeout), and again each check Run defers
	// with Env.AfterRestart.
	Timeout time.Duration
	// Run drives the submission and returns nil, a *Failure, or a harness error.
	Run func(ctx context.Context, env *Env) error
}

// DefaultScenarioTimeout bounds a scenario that sets no Timeout of its own.
const DefaultScenarioTimeout = 30 * time.Second

// MaxScore and BonusMax add up an exercise's points.
func (e Exercise) MaxScore() (score, bonus int) {
	for _, s := range e.Scenarios {
		if s.Bonus {
			bonus += s.Points
		} else {
			score += s.Points
		}
	}
	return score, bonus
}
