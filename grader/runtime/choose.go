package runtime

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Choice is what --runtime auto picks, and why, in words for a person.
type Choice struct {
	Kind Kind // Container or Native
	Why  string
	// pull says that the container's image is not in the engine yet and will be pulled
	// on first use.
	pull bool
}

// Choose says which server --runtime auto uses here for image (empty: the default
// image): a container whenever a Docker engine answers whose host network is this
// machine's (the server must reach the learner's service on 127.0.0.1), pulling the image
// on first use; the native binary otherwise. It starts and pulls nothing.
func Choose(ctx context.Context, image string) Choice {
	if image == "" {
		image = DefaultImage
	}
	native := func(why string) Choice { return Choice{Kind: Native, Why: why} }
	if !DockerAvailable(ctx) {
		return native("no Docker engine answered")
	}
	if why := hostNetworkElsewhere(ctx); why != "" {
		return native(why)
	}
	present, err := imagePresent(ctx, image)
	switch {
	case err != nil:
		return native(fmt.Sprintf("could not inspect image %s: %v", image, err))
	case !present:
		return Choice{Kind: Container, pull: true,
			Why: fmt.Sprintf("a Docker engine answered; image %s is pulled on first use", image)}
	}
	return Choice{Kind: Container, Why: fmt.Sprintf("a Docker engine answered and image %s is present", image)}
}

// hostNetworkElsewhere says why a container on the engine's host network would not be on
// this machine's loopback, or "" when it would. Docker Desktop (macOS, Windows, and WSL2
// distros that use it) runs containers in a VM: its host network is the VM's unless the
// user enabled "host networking" in its settings, which the grader cannot see.
func hostNetworkElsewhere(ctx context.Context) string {
	if goruntime.GOOS != "linux" {
		return "on " + osName() + " Docker runs containers in a VM, whose host network does not reach your service on this machine (unless you enabled host networking in Docker Desktop; then use --runtime container)"
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		if u, err := url.Parse(h); err == nil && (u.Scheme == "tcp" || u.Scheme == "ssh" || u.Scheme == "http" || u.Scheme == "https") {
			if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return "the Docker engine at " + h + " runs on another machine, whose host network is not this one's"
			}
		}
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return ""
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err == nil && strings.Contains(info.Info.OperatingSystem, "Docker Desktop") {
		return "Docker Desktop runs containers in a VM, whose host network does not reach your service on this machine (unless you enabled host networking in its settings; then use --runtime container)"
	}
	return ""
}

func osName() string {
	switch goruntime.GOOS {
	case "darwin":
		return "macOS"
	case "windows":
		return "Windows"
	}
	return goruntime.GOOS
}
