// Hostile: exits before listening. Every criterion is "could not judge" (0 points).
package main

import "os"

func atStart() { os.Exit(0) }

func misbehave() {}
