package ex2

import (
	"context"
	"errors"
	"fmt"

	"idempotency/contract/ex2"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const (
	wrapInRun = "wrap the SMTP call in restate.Run: its result is journaled, so when Restate retries SendEmail " +
		"it replays the message ID instead of calling the gateway again"
	transientFailures = 2
	// sentOnceTimeout bounds the criterion: its kill starts a new service process, whose
	// first call pays the SDK's cold start again, and a batch on a loaded machine has
	// seen a start take most of a minute. A correct service never comes near it; it only
	// delays the verdict on one that hangs.
	sentOnceTimeout = 2 * readBackTimeout
)

func sentOnce() grader.Scenario {
	return grader.Scenario{
		ID:     "sent-once",
		Title:  "Email sent exactly once",
		Points: 25,
		Hint: "call fixtures.SendEmailViaSMTP inside restate.Run and return transient errors from the Run as they are: " +
			"Restate retries them, and replays the journaled message ID after a crash instead of sending again",
		Needs: map[string][]string{ex2.ServiceName: {ex2.SendEmail, ex2.GetEmailStatus}},
		// The last case kills the service process.
		Exclusive: true,
		Timeout:   sentOnceTimeout,
		Run:       runSentOnce,
	}
}

func runSentOnce(ctx context.Context, env *grader.Env) error {
	var sent []email
	for _, fault := range []proxy.Fault{proxy.CrashBeforeCompletion, proxy.CrashAfterRunRecorded} {
		e, err := sendUnderCrash(ctx, env, fault)
		if err != nil {
			return err
		}
		sent = append(sent, e)
	}
	e, err := sendUnderTransientFailures(ctx, env)
	if err != nil {
		return err
	}
	sent = append(sent, e)
	if err := sendAcrossProcessKill(ctx, env); err != nil {
		return err
	}
	// The kill restarted the service process: the emails sent before it are read back.
	return readBack(ctx, env, "after your service process was killed and restarted", keepInRestate, sent...)
}

// sendUnderCrash sends one email with its first attempt broken at fault.
func sendUnderCrash(ctx context.Context, env *grader.Env, fault proxy.Fault) (email, error) {
	key, req := newEmail(env)
	// The crash right after a Run's result is recorded is armed for any handler: the
	// SMTP call may be journaled by a service that SendEmail calls through Restate (a
	// helper of the learner's own), and this scenario runs alone, so every Run recorded
	// now belongs to this email.
	crashAt := target(key, ex2.SendEmail)
	if fault == proxy.CrashAfterRunRecorded {
		crashAt = grader.Target{}
	}
	crash := env.ArmCrash(crashAt, fault, 1)
	defer crash.Disarm()
	what := map[proxy.Fault]string{
		proxy.CrashBeforeCompletion: "the first attempt crashed just before it completed",
		proxy.CrashAfterRunRecorded: "the first attempt crashed right after Restate recorded the SMTP call's result",
	}[fault]
	sent := fmt.Sprintf("SendEmail %s to %s, %s (Restate retries it)", key, req.Recipient, what)
	env.Step("SendEmail %s with a %s", key, fault)
	rec, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return email{}, sentOnceError(env, key, req, sent, err)
	}
	if err := expectDeliveredOnce(env, key, req, rec, sent, wrapInRun); err != nil {
		return email{}, err
	}
	if fault == proxy.CrashAfterRunRecorded && crash.Fired() == 0 {
		// The crash fires the moment a Run's result is recorded: none was.
		return email{}, grader.Fail(sent, "SendEmail records the SMTP call's result with restate.Run",
			"SendEmail completed without a restate.Run result recorded, neither its own nor one of a handler it called, so "+
				"the grader's crash right after one never happened: the SMTP call is not journaled, and a retry after a "+
				"crash would send the email again").WithHint(wrapInRun)
	}
	if err := crash.Check(); err != nil {
		return email{}, err
	}
	if err := expectStored(ctx, env, key, rec, "after the retried SendEmail"); err != nil {
		return email{}, err
	}
	return email{key: key, req: req, rec: rec}, nil
}

// sentOnceError judges an error answer to a SendEmail that should have sent: duplicate
// messages are the better evidence when there were any.
func sentOnceError(env *grader.Env, key string, req ex2.EmailRequest, sent string, err error) error {
	if grader.IsHarness(err) {
		return err
	}
	if f := failedAfterDuplicates(env, key, req.Recipient, sent, wrapInRun, err); f != nil {
		return f
	}
	if f := mismatchFailure(env, sent, "the sent email's record", err); f != nil {
		return f
	}
	return env.Unexpected(sent, "the sent email's record", err)
}

// sendUnderTransientFailures makes the gateway time out twice before it delivers.
func sendUnderTransientFailures(ctx context.Context, env *grader.Env) (email, error) {
	key, req := newEmail(env)
	rule := env.World.On(toRecipient(req.Recipient)...).FailNext(transientFailures)
	defer rule.Remove()
	sent := fmt.Sprintf("SendEmail %s to %s while the SMTP gateway answers \"SMTP timeout\" %d times, then works",
		key, req.Recipient, transientFailures)
	env.Step("SendEmail %s with %d SMTP timeouts first", key, transientFailures)
	rec, err := sendEmail(ctx, env, key, req)
	if err != nil {
		return email{}, sentOnceError(env, key, req, sent, err)
	}
	if err := expectDeliveredOnce(env, key, req, rec, sent, wrapInRun); err != nil {
		return email{}, err
	}
	if fired := rule.Fired(); fired != transientFailures {
		return email{}, fmt.Errorf("the SMTP timeouts for %s fired %d times, want %d", req.Recipient, fired, transientFailures)
	}
	if err := expectStored(ctx, env, key, rec, "after the timeouts"); err != nil {
		return email{}, err
	}
	return email{key: key, req: req, rec: rec}, nil
}

// sendAcrossProcessKill kills the service while its SMTP call is held in the world, so
// that the call is never answered (the world abandons it without an effect), restarts
// the service, and expects Restate's retry to deliver the email once.
func sendAcrossProcessKill(ctx context.Context, env *grader.Env) error {
	key, req := newEmail(env)
	sent := fmt.Sprintf("SendEmail %s to %s; the service process was killed while its SMTP call was in flight, then restarted",
		key, req.Recipient)
	env.Step("SendEmail %s, kill the service while the SMTP call is in flight, restart it", key)
	var rec ex2.EmailRecord
	err := env.KillWhileParked(ctx, func(ctx context.Context) error {
		var err error
		rec, err = sendEmail(ctx, env, key, req)
		return err
	}, toRecipient(req.Recipient)...)
	var f *grader.Failure
	if errors.As(err, &f) {
		return err
	}
	if err != nil {
		return sentOnceError(env, key, req, sent, err)
	}
	if err := expectDeliveredOnce(env, key, req, rec, sent, wrapInRun); err != nil {
		return err
	}
	return expectStored(ctx, env, key, rec, "after the restart")
}

// expectStored checks that GetEmailStatus returns want.
func expectStored(ctx context.Context, env *grader.Env, key string, want ex2.EmailRecord, when string) error {
	env.Step("GetEmailStatus %s", key)
	stored, err := getStatus(ctx, env, key)
	if err != nil {
		return env.Unexpected("GetEmailStatus "+key+" "+when, describe(want), err)
	}
	if d := diffRecords(want, stored); d != "" {
		return grader.Fail("GetEmailStatus "+key+" "+when, "the record the last call returned: "+describe(want),
			"a different record: %s", d)
	}
	return nil
}
