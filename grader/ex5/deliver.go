package ex5

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"idempotency/contract/ex5"
	"idempotency/fixtures"
	"idempotency/grader"
)

// deliverer posts webhooks the way Stripe does: the exact bytes that were signed, with
// the signature in a header. grader.Call cannot, because the typed ingress client
// encodes the body itself.
var deliverer = &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}

// answer is what one delivery got back, and when.
type answer struct {
	rec ex5.WebhookStatus
	err error
	at  time.Time
}

// deliver posts body to ProcessWebhook of object key with the Stripe-Signature header
// (none when signature is empty). Like grader.Call it returns a *grader.CallError when
// Restate answered with an error, and any other error for a harness problem.
func deliver(ctx context.Context, env *grader.Env, key string, body []byte, signature string) (ex5.WebhookStatus, error) {
	var rec ex5.WebhookStatus
	// Like grader.Call: a call the scenario did not declare in its Needs is a grader defect.
	if err := env.MayCall(ex5.ServiceName, ex5.ProcessWebhook); err != nil {
		return rec, err
	}
	t := target(key, ex5.ProcessWebhook)
	u := fmt.Sprintf("%s/%s/%s/%s", env.Server.IngressURL(), url.PathEscape(ex5.ServiceName), url.PathEscape(key), ex5.ProcessWebhook)
	resp, data, err := post(ctx, u, body, signature)
	// restate-server's ingress answers 503 of its own (not the handler's) while it is
	// overloaded or its partition is not leading yet: the delivery was not taken, so it is
	// sent again, a few times, as grader.Call does.
	for wait := 100 * time.Millisecond; err == nil && ingressUnavailable(resp) && wait <= 1600*time.Millisecond; wait *= 2 {
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-time.After(wait):
		}
		resp, data, err = post(ctx, u, body, signature)
	}
	if err != nil {
		if ctx.Err() != nil {
			return rec, ctx.Err()
		}
		return rec, fmt.Errorf("deliver to %s: %w", t, err)
	}
	if ingressUnavailable(resp) {
		return rec, fmt.Errorf("deliver to %s: restate-server's ingress kept answering %d: %.200s", t, resp.StatusCode, data)
	}
	if resp.StatusCode/100 != 2 {
		return rec, callError(t, resp, data)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, &grader.CallError{Target: t, Code: resp.StatusCode, FromHandler: true,
			Message: fmt.Sprintf("the answer is not a WebhookStatus (%v): %.200s", err, data)}
	}
	return rec, nil
}

// post sends one delivery and reads the whole answer.
func post(ctx context.Context, u string, body []byte, signature string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(fixtures.SignatureHeader, signature)
	}
	resp, err := deliverer.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read the answer: %w", err)
	}
	return resp, data, nil
}

// ingressUnavailable reports a 503 that restate-server's ingress gave of its own.
func ingressUnavailable(resp *http.Response) bool {
	return resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("x-restate-error-source") != "invocation"
}

// callError reads Restate's error answer, {"code":401,"message":"..."}, the way the
// typed ingress client does.
func callError(t grader.Target, resp *http.Response, data []byte) *grader.CallError {
	var body struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body) != nil || body.Message == "" {
		body.Message = string(bytes.TrimSpace(data))
	}
	if body.Code == 0 {
		body.Code = resp.StatusCode
	}
	return &grader.CallError{
		Target:      t,
		Code:        body.Code,
		Message:     body.Message,
		FromHandler: resp.Header.Get("x-restate-error-source") == "invocation",
	}
}

// deliverAsync delivers in the background; the channel gets the answer.
func deliverAsync(ctx context.Context, env *grader.Env, key string, body []byte, signature string) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		rec, err := deliver(ctx, env, key, body, signature)
		ch <- answer{rec: rec, err: err, at: time.Now()}
	}()
	return ch
}

// deliverSigned delivers w's body signed now with the world's secret, as Stripe signs
// every delivery, first or retried, afresh.
func deliverSigned(ctx context.Context, env *grader.Env, w webhook, body []byte) (ex5.WebhookStatus, error) {
	return deliver(ctx, env, w.ID, body, env.World.SignWebhook(time.Now(), body))
}
