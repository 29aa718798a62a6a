package grader

import (
	"context"
	"fmt"
)

// RestartService kills the submission's process (SIGKILL to its group, as a crash would)
// and starts it again on the same port, so Restate's retries reach it. Only Exclusive
// scenarios may call it.
func (e *Env) RestartService(ctx context.Context) error {
	if err := e.Service.Restart(ctx); err != nil {
		return fmt.Errorf("restart the service process: %w", err)
	}
	return nil
}

// RestartServer stops restate-server and starts it on the same data: state, deployments
// and in-flight invocations must survive. Only Exclusive scenarios may call it.
func (e *Env) RestartServer(ctx context.Context) error {
	if err := e.Server.Restart(ctx); err != nil {
		return fmt.Errorf("restart restate-server: %w", err)
	}
	return nil
}
