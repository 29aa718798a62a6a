package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet is a command's flag set: it prints nothing itself; parseFlags prints the
// command's help for --help and turns any other flag error into one usage line.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args for the named command (flags before and after positional
// arguments: `ex1 --solution` and `--solution ex1` alike) and returns the positional
// ones. --help (-h) prints the command's help to stdout and ends the command with 0.
func parseFlags(name string, fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	positional, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, printHelp(name, fs, stdout)
	}
	if err != nil {
		return nil, usageErr(cmdWord(name), "%v", err)
	}
	return positional, nil
}

// cmdWord is the command as usage errors name it ("" for grading).
func cmdWord(name string) string {
	if name == gradeName || name == "all" {
		return ""
	}
	return name
}

// printHelp writes `grade help NAME`: the usage line, what the command does, its flags.
func printHelp(name string, fs *flag.FlagSet, stdout io.Writer) error {
	c, ok := lookupCommand(name)
	if !ok {
		return fmt.Errorf("no command %q in the table", name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n", c.usageLine(), c.about)
	if fs != nil && hasFlags(fs) {
		b.WriteString("\nflags:\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return err
	}
	return &exitError{code: 0}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseInterleaved accepts flags before and after positional arguments and returns the
// positional ones; flag.ErrHelp for -h or --help.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
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
