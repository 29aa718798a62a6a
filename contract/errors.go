package contract

import (
	"fmt"

	restate "github.com/restatedev/sdk-go"
)

// NotImplemented is what a stub handler returns: a terminal error (HTTP 501), so that
// Restate does not retry a handler that has not been written yet.
func NotImplemented(handler string) error {
	return restate.ToTerminalError(
		fmt.Errorf("%s is not implemented yet: open the exercise's .go file and follow the TODO steps", handler),
		restate.WithErrorCode(501))
}
