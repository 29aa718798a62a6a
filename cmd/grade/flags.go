package main

import (
	"flag"

	"idempotency/grader"
)

// parseInterleaved accepts flags before and after positional arguments
// (`ex1 --solution` and `--solution ex1` alike) and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, &exitError{code: 0}
			}
			return nil, &exitError{code: grader.ExitUsage}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// flagSet reports whether the flag name was given on the command line (a --seed of 0
// is a seed too).
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
