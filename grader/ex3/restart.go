package ex3

import (
	"context"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex3"
	"idempotency/grader"
)

// readBackTimeout bounds a scenario and, again, its read-back after the restart: the
// first calls to a freshly started service pay the SDK's cold start, which takes many
// seconds when the machine is loaded (several gradings at once). With 60 s, two gradings
// at a load average of 60-70 on 2 cores failed concurrent-reservations (about 120 calls)
// of code that is sound there (a broken copy and a mutant that differ only elsewhere;
// both passed when graded again): the deadline is the likeliest cause.
const readBackTimeout = 90 * time.Second

// restartHint names the cause of anything lost across a restart of the service process.
const restartHint = "keep the stock and every reservation in Restate state (restate.Get/restate.Set on the object's context), " +
	"never in Go variables or maps: a restarted process has forgotten what it kept in memory, Restate has not"

// readBack defers, past a restart of the service process, a GetReservation of every
// reservation in want (each must come back as stored, with its status), of every ID in
// gone (still 404), and a GetStockLevel of key.
func readBack(env *grader.Env, key, what string, stock level, want []ex3.Reservation, gone []string) {
	env.AfterRestart(what, func(ctx context.Context) error {
		return withHint(checkStored(ctx, env, key, stock, want, gone, "after your service process was restarted"), restartHint)
	})
}

// checkStored reads back reservations and the stock level of key; after says what came before.
func checkStored(ctx context.Context, env *grader.Env, key string, stock level, want []ex3.Reservation, gone []string, after string) error {
	for _, r := range want {
		if err := expectReservation(ctx, env, key, r, after); err != nil {
			return err
		}
	}
	for _, id := range gone {
		sent := fmt.Sprintf("GetReservation %s {reservationId:%q} %s (an ID that was never reserved, or refused with 409)", key, id, after)
		got, err := getReservation(ctx, env, key, id)
		if grader.Code(err) != 404 {
			return unexpectedCode(env, sent, "a terminal 404: there is no such reservation", shownReservation(got), err)
		}
	}
	return expectStock(ctx, env, key, stock, fmt.Sprintf("%s (reservations %s)", after, ids(want)))
}

func ids(rs []ex3.Reservation) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ReservationID)
	}
	return strings.Join(s, ", ")
}
