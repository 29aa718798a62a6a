package runtime

import (
	"context"
	"fmt"
	"os"
	"time"

	"idempotency/grader/submission"

	"github.com/moby/moby/client"
)

// The labels on every container the grader starts.
const (
	labelOwner = "dev.idempotency-grader.owner" // submission.Owner of the grader process
	labelHost  = "dev.idempotency-grader.host"  // its host name: pids mean nothing elsewhere
)

func ownerLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{labelOwner: submission.Self().String(), labelHost: host}
}

// SweepContainers removes the containers that graders on this host started and could
// not remove because they were killed; containers of graders that still run are kept.
// It does nothing when no Docker engine answers.
func SweepContainers(ctx context.Context) (int, error) {
	if !DockerAvailable(ctx) {
		return 0, nil
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return 0, fmt.Errorf("docker client: %w", err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", labelOwner)})
	if err != nil {
		return 0, fmt.Errorf("list grader containers: %w", err)
	}
	host, _ := os.Hostname()
	n := 0
	for _, c := range res.Items {
		o, ok := submission.ParseOwner(c.Labels[labelOwner])
		if !ok || c.Labels[labelHost] != host || o.Alive() {
			continue
		}
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			return n, fmt.Errorf("remove container %.12s of a grader that is gone: %w", c.ID, err)
		}
		n++
	}
	return n, nil
}
