#!/usr/bin/env bash
# restate-image.sh builds the local image docker.restate.dev/restatedev/restate:1.7.12 from
# the npm binary, so that the container runtime works with its default image name on a
# machine that reaches no container registry. Skips when the image already exists.
set -euo pipefail

image=${RESTATE_IMAGE:-docker.restate.dev/restatedev/restate:1.7.12}
cd "$(dirname "$0")/.."

if docker image inspect "$image" >/dev/null 2>&1; then
	echo "restate-image.sh: $image already present; nothing to do"
	exit 0
fi

# The same cache and install logic as the grader's native runtime (npm on first use).
bin=$(go run ./grader/runtime/cmd/restate-bin)
echo "restate-image.sh: building $image from $bin"

rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/restate-data"
chmod 1777 "$rootfs/tmp"
cp "$bin" "$rootfs/usr/local/bin/restate-server"
# Without a CA bundle the server panics at start (measured with 1.7.12).
cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
# A note makes this build's layer differ from another build's (registry.sh wants one the
# engine does not already hold).
if [[ -n ${RESTATE_IMAGE_NOTE:-} ]]; then
	echo "$RESTATE_IMAGE_NOTE" >"$rootfs/etc/restate-image-note"
fi

tar -C "$rootfs" -c . | docker import \
	-c 'ENTRYPOINT ["/usr/local/bin/restate-server"]' \
	-c 'WORKDIR /restate-data' \
	-m "restate-server $(basename "$image" | cut -d: -f2) from npm @restatedev/restate-server" \
	- "$image" >/dev/null
echo "restate-image.sh: built $image ($(docker image inspect -f '{{.Size}}' "$image") bytes)"
