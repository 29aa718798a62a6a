package main

import (
	"errors"
	"os"
	"sync"
	"time"

	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

const (
	event     = "fault.probe" // of every notification Notify sends
	storedKey = "n"
)

// Counts is what the process saw for one object key since it started, and the counter
// kept in Restate state.
type Counts struct {
	// Entered counts entries into Bump, Notify and Replay, directly, outside the
	// journal: every attempt and every replay adds one.
	Entered int `json:"entered"`
	// Runs counts executions of a restate.Run body: a journaled result is never run again.
	Runs int `json:"runs"`
	// Stored is the counter Bump keeps in Restate state.
	Stored int `json:"stored"`
	// Note is the body of the last Bump that ran.
	Note string `json:"note"`
	// PID is the service process's id: it changes when the process is restarted.
	PID int `json:"pid"`
}

// FaultProbe is a virtual object keyed by whatever the test chooses.
type FaultProbe struct{}

var (
	mu     sync.Mutex
	counts = map[string]*Counts{}
)

func count(key string, f func(c *Counts)) Counts {
	mu.Lock()
	defer mu.Unlock()
	c := counts[key]
	if c == nil {
		c = &Counts{}
		counts[key] = c
	}
	f(c)
	return *c
}

// Bump adds one to the stored counter, once per invocation: the increment of the
// in-process Runs counter is inside restate.Run, the stored one is journaled state.
func (FaultProbe) Bump(ctx restate.ObjectContext, note string) (Counts, error) {
	key := restate.Key(ctx)
	count(key, func(c *Counts) { c.Entered++ })
	if _, err := restate.Run(ctx, func(restate.RunContext) (restate.Void, error) {
		count(key, func(c *Counts) { c.Runs++ })
		return restate.Void{}, nil
	}); err != nil {
		return Counts{}, err
	}
	n, err := restate.Get[int](ctx, storedKey)
	if err != nil {
		return Counts{}, err
	}
	restate.Set(ctx, storedKey, n+1)
	out := count(key, func(c *Counts) { c.Note = note })
	out.Stored, out.PID = n+1, os.Getpid()
	return out, nil
}

// Notify sends one notification for its key (customer and reference) inside
// restate.Run. A transient gateway error is returned as is, so Restate retries; a
// permanent one ends the invocation with a terminal 422.
func (FaultProbe) Notify(ctx restate.ObjectContext) (string, error) {
	key := restate.Key(ctx)
	count(key, func(c *Counts) { c.Entered++ })
	return restate.Run(ctx, func(restate.RunContext) (string, error) {
		count(key, func(c *Counts) { c.Runs++ })
		id, err := fixtures.SendNotification(key, event, key)
		if errors.Is(err, fixtures.ErrPermanent) {
			return "", restate.ToTerminalError(err, restate.WithErrorCode(422))
		}
		return id, err
	})
}

// Replay awaits twice: under forced replay each await suspends the invocation and each
// resumption enters the handler again.
func (FaultProbe) Replay(ctx restate.ObjectContext) (Counts, error) {
	key := restate.Key(ctx)
	count(key, func(c *Counts) { c.Entered++ })
	for range 2 {
		if err := restate.Sleep(ctx, time.Millisecond); err != nil {
			return Counts{}, err
		}
	}
	return count(key, func(*Counts) {}), nil
}

// Counts reports the counts of its key; it is shared, so it answers while an exclusive
// handler of the same key is in flight, and it counts nothing itself.
func (FaultProbe) Counts(ctx restate.ObjectSharedContext) (Counts, error) {
	n, err := restate.Get[int](ctx, storedKey)
	if err != nil {
		return Counts{}, err
	}
	out := count(restate.Key(ctx), func(*Counts) {})
	out.Stored, out.PID = n, os.Getpid()
	return out, nil
}
