package grader

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	restate "github.com/restatedev/sdk-go"
	"github.com/restatedev/sdk-go/ingress"

	"idempotency/grader/internal/explain"
)

// Target is one handler of one virtual object instance.
type Target struct{ Service, Key, Handler string }

func (t Target) String() string { return t.Service + "/" + t.Key + "/" + t.Handler }

// CallError is a call that reached Restate and did not succeed: the handler failed
// terminally, the invocation was killed after its retries, or the handler is unknown.
// It is the submission's doing, never the harness's.
type CallError struct {
	Target  Target
	Code    int
	Message string
	// FromHandler is true when the invocation itself failed (as opposed to ingress
	// refusing the call, e.g. an unknown service or handler).
	FromHandler bool
}

func (e *CallError) Error() string {
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// IsMismatch reports whether the call failed with a journal mismatch (Restate error 570,
// RT0016): on a retry the handler did not take the steps its first attempt recorded.
func (e *CallError) IsMismatch() bool {
	return e.Code == 570 || explain.IsMismatch(e.Message)
}

// Mismatch is what a journal mismatch says about the step where the replay differed:
// Command (on replay), Recorded (on the first attempt, when the kinds differ), Index,
// and the differing Field with its value Before and After.
type Mismatch = explain.Mismatch

// Mismatch reads the journal mismatch the call failed with; ok is false for any other
// error. A scenario that judges a mismatch reads it here, never from e.Message.
func (e *CallError) Mismatch() (m Mismatch, ok bool) {
	m, _ = explain.ParseMismatch(e.Message)
	return m, e.IsMismatch()
}

// Describe says what the error means, in a learner's words.
func (e *CallError) Describe() string {
	switch {
	case e.Code == 501:
		return fmt.Sprintf("%s answered 501 not implemented (%s)", e.Target.Handler, e.Message)
	case e.IsMismatch():
		return fmt.Sprintf("%s failed with a journal mismatch (%d): on retry your handler did something different from the first attempt; values from math/rand, time.Now() or map order must come from restate.Rand or restate.Run. Restate found:\n%s",
			e.Target.Handler, e.Code, explain.MismatchDetail(e.Message))
	case !e.FromHandler && e.Code == 404:
		return fmt.Sprintf("Restate does not know %s/%s: is the service or handler renamed? (%s)", e.Target.Service, e.Target.Handler, e.Message)
	default:
		return fmt.Sprintf("%s answered %d: %s", e.Target.Handler, e.Code, e.Message)
	}
}

// CallOption changes one call.
type CallOption = ingress.RequestOption

// IdempotencyKey sends the ingress idempotency-key header.
func IdempotencyKey(k string) CallOption { return restate.WithIdempotencyKey(k) }

// Call sends in to t through Restate's ingress and decodes the answer. It returns
// (out, nil) on success, a *CallError when the call reached Restate and failed, and
// any other error when Restate could not be reached (a harness problem).
func Call[I, O any](ctx context.Context, env *Env, t Target, in I, opts ...CallOption) (O, error) {
	var out O
	if err := env.MayCall(t.Service, t.Handler); err != nil {
		return out, err
	}
	out, err := ingress.Object[I, O](env.Ingress, t.Service, t.Key, t.Handler).Request(ctx, in, opts...)
	// restate-server's ingress answers 503 of its own (not the handler's) while it is
	// overloaded or its partition is not leading yet: the request was not taken, so it is
	// sent again, a few times, before that counts as an answer.
	for wait := 100 * time.Millisecond; ingressUnavailable(err) && wait <= 1600*time.Millisecond; wait *= 2 {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(wait):
		}
		out, err = ingress.Object[I, O](env.Ingress, t.Service, t.Key, t.Handler).Request(ctx, in, opts...)
	}
	if err == nil {
		return out, nil
	}
	var ie ingress.Error
	if errors.As(err, &ie) {
		if ingressUnavailable(err) {
			return out, fmt.Errorf("call %s: restate-server's ingress kept answering %d %s", t, ie.Code(), ie.Message())
		}
		return out, &CallError{Target: t, Code: int(ie.Code()), Message: ie.Message(), FromHandler: ie.IsInvocationError()}
	}
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	if strings.Contains(err.Error(), "unmarshal response") {
		// Restate delivered a success whose body is not the contract's type: the
		// submission answered wrongly, the grader did not fail.
		var zero O
		return out, &CallError{Target: t, Code: 200, FromHandler: true,
			Message: fmt.Sprintf("a success whose body is not a %T as the contract says (%v)", zero, err)}
	}
	return out, fmt.Errorf("call %s: %w", t, err)
}

// ingressUnavailable reports a 503 that restate-server's ingress gave of its own.
func ingressUnavailable(err error) bool {
	var ie ingress.Error
	return errors.As(err, &ie) && ie.Code() == 503 && !ie.IsInvocationError()
}

// Code returns the status code of a *CallError, 200 for nil, and 0 for anything else.
func Code(err error) int {
	if err == nil {
		return 200
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

// IsHarness reports whether err is neither success nor an answer from the submission:
// a problem of the grader's own, never to be scored as the learner's failure.
func IsHarness(err error) bool {
	var ce *CallError
	return err != nil && !errors.As(err, &ce)
}
