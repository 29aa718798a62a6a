#!/usr/bin/env bash
# registry.sh runs a container registry on loopback (Debian's docker-registry package,
# http.addr 127.0.0.1:5000) holding a restate image built from the npm binary, and makes
# sure that image is NOT in the Docker engine, so that the container runtime's pull on
# first use is tested for real: a grade with
#   --image 127.0.0.1:5000/restatedev/restate:1.7.12
# must pull it (cmd/grade's TestContainerImageIsPulledOnFirstUse, with
# IDEM_TEST_REGISTRY=127.0.0.1:5000). Idempotent; `registry.sh stop` stops the registry
# it started. Needs a Docker engine (.ci/docker.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

addr=${IDEM_REGISTRY_ADDR:-127.0.0.1:5000}
state=${IDEM_REGISTRY_DIR:-/tmp/idem-registry}
image="$addr/restatedev/restate:1.7.12"
pidfile="$state/registry.pid"

if [[ ${1:-} == stop ]]; then
	if [[ -f $pidfile ]] && kill "$(cat "$pidfile")" 2>/dev/null; then
		echo "registry.sh: stopped the registry (pid $(cat "$pidfile"))"
	fi
	rm -f "$pidfile"
	exit 0
fi

answers() { curl -sf -o /dev/null "http://$addr/v2/"; }

if ! answers; then
	if ! command -v docker-registry >/dev/null 2>&1; then
		echo "registry.sh: installing Debian's docker-registry"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# The package's own service (on every interface) is not wanted; ours binds loopback.
		NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
	fi
	mkdir -p "$state/data"
	cat >"$state/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/data
  delete:
    enabled: true
http:
  addr: $addr
CONFIG
	nohup docker-registry serve "$state/config.yml" >"$state/registry.log" 2>&1 &
	echo $! >"$pidfile"
	for ((i = 0; i < 300; i++)); do
		answers && break
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			echo "registry.sh: docker-registry exited; its log:" >&2
			tail -n 30 "$state/registry.log" >&2
			exit 1
		fi
		sleep 0.1
	done
	answers || { echo "registry.sh: no answer on $addr after 30s" >&2; exit 1; }
	echo "registry.sh: registry answers on $addr (pid $(cat "$pidfile"), data in $state/data)"
fi

manifest() {
	curl -sf -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
		"http://$addr/v2/restatedev/restate/manifests/1.7.12"
}
if ! manifest; then
	# A build of its own (a fresh root filesystem, with a note in it), so that its layer is
	# not one the engine has already under the default image's name: the pull downloads it.
	RESTATE_IMAGE="$image" RESTATE_IMAGE_NOTE="pushed to the test registry at $addr" bash .ci/restate-image.sh
	docker push -q "$image" >/dev/null
	echo "registry.sh: pushed $image"
fi
# The engine must not have it: the test pulls it.
docker image rm "$image" >/dev/null 2>&1 || true
echo "registry.sh: $image is in the registry and not in the engine"
