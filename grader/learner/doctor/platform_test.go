package doctor

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPlatformSendsWindowsToWSL2(t *testing.T) {
	win := checkPlatform("windows")
	assert.Equal(t, Problem, win.Level)
	assert.Contains(t, win.Fix, "WSL2")
	assert.Contains(t, win.Fix, "wsl --install")
	mac := checkPlatform("darwin")
	assert.Equal(t, OK, mac.Level)
	assert.Contains(t, mac.What, "native binary")
	assert.Equal(t, OK, checkPlatform("linux").Level)
}
