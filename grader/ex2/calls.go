package ex2

import (
	"context"
	"fmt"

	"idempotency/contract/ex2"
	"idempotency/grader"

	restate "github.com/restatedev/sdk-go"
)

func target(key, handler string) grader.Target {
	return grader.Target{Service: ex2.ServiceName, Key: key, Handler: handler}
}

func sendEmail(ctx context.Context, env *grader.Env, key string, req ex2.EmailRequest) (ex2.EmailRecord, error) {
	return grader.Call[ex2.EmailRequest, ex2.EmailRecord](ctx, env, target(key, ex2.SendEmail), req)
}

func getStatus(ctx context.Context, env *grader.Env, key string) (ex2.EmailRecord, error) {
	return grader.Call[restate.Void, ex2.EmailRecord](ctx, env, target(key, ex2.GetEmailStatus), restate.Void{})
}

func resendEmail(ctx context.Context, env *grader.Env, key string) (ex2.EmailRecord, error) {
	return grader.Call[restate.Void, ex2.EmailRecord](ctx, env, target(key, ex2.ResendEmail), restate.Void{})
}

func sendTemplated(ctx context.Context, env *grader.Env, key string, req ex2.TemplateEmailRequest) (ex2.EmailRecord, error) {
	return grader.Call[ex2.TemplateEmailRequest, ex2.EmailRecord](ctx, env, target(key, ex2.SendTemplatedEmail), req)
}

// describe prints a record the way a learner reads it.
func describe(r ex2.EmailRecord) string {
	s := fmt.Sprintf("{emailId:%q recipient:%q subject:%q status:%q", r.EmailID, r.Recipient, r.Subject, r.Status)
	if r.MessageID != "" {
		s += fmt.Sprintf(" messageId:%q", r.MessageID)
	}
	if !r.SentAt.IsZero() {
		s += " sentAt:" + r.SentAt.Format("2006-01-02T15:04:05.000Z07:00")
	}
	if r.Error != "" {
		s += fmt.Sprintf(" error:%q", r.Error)
	}
	return s + "}"
}

// unexpectedCode reports a call that should have failed with a given code. An error
// answer is explained the engine's way (a plain error Restate retried until it gave
// up, a panic, a journal mismatch), not only by its status code.
func unexpectedCode(env *grader.Env, sent, expected string, r ex2.EmailRecord, err error) error {
	if err == nil {
		return grader.Fail(sent, expected, "success: %s", describe(r))
	}
	return env.Unexpected(sent, expected, err)
}
