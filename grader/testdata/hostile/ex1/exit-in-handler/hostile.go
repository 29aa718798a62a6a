// Hostile: CancelOrder calls os.Exit. The service dies mid-run; only this submission's
// score suffers.
package main

import "os"

func atStart() {}

func misbehave() { os.Exit(0) }
