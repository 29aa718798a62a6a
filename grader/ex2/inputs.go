package ex2

import (
	"fmt"
	"math/rand/v2"

	"idempotency/contract/ex2"
	"idempotency/grader"
)

var (
	firstNames = []string{"ada", "grace", "alan", "edsger", "barbara", "donald", "margaret", "ken"}
	subjects   = []string{"Your invoice", "Meeting notes", "Welcome aboard", "Shipping update", "Weekly digest", "Password changed"}
)

// newEmail makes a fresh email ID and a request to a recipient of its own, so that the
// SMTP gateway's calls for this email are the calls to that recipient.
func newEmail(env *grader.Env) (string, ex2.EmailRequest) {
	key := env.NewKey(ex2.ServiceName, "em")
	return key, newRequest(env.Rand)
}

func newRequest(r *rand.Rand) ex2.EmailRequest {
	name := firstNames[r.IntN(len(firstNames))]
	n := r.IntN(100000)
	return ex2.EmailRequest{
		Recipient: fmt.Sprintf("%s.%06x@example.com", name, r.Uint32()&0xffffff),
		Subject:   fmt.Sprintf("%s #%05d", subjects[r.IntN(len(subjects))], n),
		Body:      fmt.Sprintf("Hello %s,\n\nthis is message %05d, sent by the grader.\n", name, n),
	}
}
