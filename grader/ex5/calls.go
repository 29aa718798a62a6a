package ex5

import (
	"context"
	"errors"
	"fmt"

	"idempotency/contract/ex5"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func target(key, handler string) grader.Target {
	return grader.Target{Service: ex5.ServiceName, Key: key, Handler: handler}
}

func getStatus(ctx context.Context, env *grader.Env, key string) (ex5.WebhookStatus, error) {
	return grader.Call[restate.Void, ex5.WebhookStatus](ctx, env, target(key, ex5.GetWebhookStatus), restate.Void{})
}

func replayCall(ctx context.Context, env *grader.Env, key string) (ex5.WebhookStatus, error) {
	return grader.Call[restate.Void, ex5.WebhookStatus](ctx, env, target(key, ex5.ReplayWebhook), restate.Void{})
}

// genuineRefusedHint is the hint for a correctly signed delivery that was refused.
var genuineRefusedHint = fmt.Sprintf("a correctly signed delivery was refused: read the header with ctx.Request().Headers.Get(%q) "+
	"(Restate passes header names in lower case), and compare v1 with hex(HMAC-SHA256(fixtures.WebhookSecret(), t + \".\" + ctx.Request().Body))",
	ex5.SignatureHeader)

// unexpected is env.Unexpected, with a hint when the answer was 401: every delivery the
// grader expects to succeed is correctly signed, so the signature check itself is wrong.
func unexpected(env *grader.Env, sent, expected string, err error) error {
	f := env.Unexpected(sent, expected, err)
	if grader.Code(err) == 401 {
		return withHint(f, genuineRefusedHint)
	}
	return f
}

// isJournalMismatch reports whether a call failed because a retry took another path
// than the attempt Restate had journaled.
func isJournalMismatch(err error) bool {
	var ce *grader.CallError
	return errors.As(err, &ce) && ce.IsMismatch()
}

// describe prints a status record the way a learner reads it.
func describe(s ex5.WebhookStatus) string {
	return fmt.Sprintf("{id:%q type:%q status:%q replays:%d processedAt:%s}",
		s.ID, s.Type, s.Status, s.Replays, s.ProcessedAt.Format("2006-01-02T15:04:05.000Z07:00"))
}

// expectCode checks that a call failed with code and otherwise says what came back.
func expectCode(sent string, code int, expected string, rec ex5.WebhookStatus, err error) error {
	if grader.IsHarness(err) {
		return err
	}
	if err == nil {
		return grader.Fail(sent, expected, "success: %s", describe(rec))
	}
	var ce *grader.CallError
	errors.As(err, &ce)
	if ce.Code == code {
		return nil
	}
	return grader.Fail(sent, expected, "%s", ce.Describe())
}
