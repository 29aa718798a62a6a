#!/usr/bin/env bash
# docker.sh makes sure a Docker engine answers, so that the container runtime of
# grader/runtime can be tested. Idempotent: does nothing when `docker info` already works.
# CI machines start with a Docker client but no engine; we run as root there.
set -euo pipefail

log=${DOCKERD_LOG:-/var/log/dockerd.log}
deadline=${DOCKERD_WAIT_SECONDS:-60}

if docker info >/dev/null 2>&1; then
	echo "docker.sh: a Docker engine already answers; nothing to do"
	exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
	echo "docker.sh: dockerd missing; installing docker.io with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq docker.io >/dev/null
	# The package may ship its own client; keep whichever `docker` is first on PATH.
fi

# The default bridge is kept on purpose: with --bridge=none testcontainers-go creates a
# bridge network of its own and attaches every container to it, which breaks host networking.
echo "docker.sh: starting dockerd in the background (log: $log)"
nohup dockerd >"$log" 2>&1 &
pid=$!

for ((i = 0; i < deadline * 10; i++)); do
	if docker info >/dev/null 2>&1; then
		echo "docker.sh: Docker engine answers (dockerd pid $pid, after ~$((i / 10))s)"
		exit 0
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "docker.sh: dockerd exited; last lines of $log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	sleep 0.1
done

echo "docker.sh: no answer from dockerd after ${deadline}s; last lines of $log:" >&2
tail -n 30 "$log" >&2
exit 1
