package grader

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"idempotency/grader/internal/admin"

	"github.com/stretchr/testify/assert"
)

// A SQL query or a kill of the grader's own that restate-server's admin API fails is
// never the learner's failure, even when the server answers its health checks by the
// time the scenario is judged (here: an offline env, whose parts all "answer").
func TestAdminErrorIsNeverTheLearnersFail(t *testing.T) {
	env := OfflineEnv("admin-error", 1)
	s := Scenario{ID: "admin-error", Run: func(context.Context, *Env) error {
		return fmt.Errorf("wait until nothing is pending: %w", &admin.Error{Op: `query "SELECT 1"`, Err: errors.New("POST /query: status 500")})
	}}
	res := runScenario(context.Background(), s, env)
	assert.Equal(t, StatusError, res.Status)
	assert.Contains(t, res.Evidence, "could not judge")

	// A plain error of the scenario's own (a wait that ran out) is still the submission's.
	s.Run = func(context.Context, *Env) error { return errors.New("the notice never came") }
	assert.Equal(t, StatusFail, runScenario(context.Background(), s, env).Status)
}
