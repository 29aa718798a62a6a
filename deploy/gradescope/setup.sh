#!/usr/bin/env bash
# Gradescope's image build: Go and Node.js (the grader fetches restate-server from npm
# on first use; running it here caches it in the image).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl git nodejs npm
curl -fsSL https://go.dev/dl/go1.26.0.linux-amd64.tar.gz | tar -C /usr/local -xz
ln -sf /usr/local/go/bin/go /usr/local/bin/go
cd /autograder/source
go build ./... && go run ./cmd/grade doctor || true
