package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// CachedBinaryPath returns where BinaryPath finds the native restate-server, without
// installing anything: $RESTATE_SERVER_BIN when set, else the per-user cache. The error
// says what is wrong when that file is not a usable binary (then path is still where it
// was looked for, so a doctor can say where it would go).
func CachedBinaryPath() (path string, fromEnv bool, err error) {
	if p := os.Getenv("RESTATE_SERVER_BIN"); p != "" {
		if err := checkExecutable(p); err != nil {
			return p, true, fmt.Errorf("RESTATE_SERVER_BIN: %w", err)
		}
		return p, true, nil
	}
	dir, err := installDir()
	if err != nil {
		return "", false, err
	}
	rel, err := binaryRelPath()
	if err != nil {
		return "", false, err
	}
	bin := filepath.Join(dir, rel)
	if err := checkExecutable(bin); err != nil {
		return bin, false, fmt.Errorf("restate-server %s is not downloaded yet: %w", Version, err)
	}
	return bin, false, nil
}

// ImagePresent reports whether image is in the local Docker engine (it pulls nothing).
func ImagePresent(ctx context.Context, image string) (bool, error) {
	return imagePresent(ctx, image)
}
