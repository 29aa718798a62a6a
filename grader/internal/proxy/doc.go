// Package proxy is a fault-injecting reverse proxy for Restate's service protocol.
//
// Restate runs every invocation attempt as one bidirectional HTTP/2 stream,
// POST /invoke/{Service}/{Handler}, whose bodies are framed protocol messages.
// The grader registers the deployment at the proxy's URL instead of the service's,
// so every attempt passes through it, and then programs exact faults at journal
// boundaries:
//
//	p, err := proxy.Start("http://127.0.0.1:9080")
//	// register p.URL with Restate's admin API
//	p.Arm(proxy.Target{Service: "Checkout", Handler: "Pay"}, proxy.CrashBeforeCompletion, 1)
//	// ... call Checkout/Pay through Restate's ingress ...
//	p.Fired(proxy.Target{Service: "Checkout", Handler: "Pay"}) // 1: the crash happened
//
// A fault breaks the stream the way a crashed service process would: the
// upstream request is cancelled (the service sees its stream die) and the
// stream to Restate is reset, so Restate retries the attempt and replays the
// journal. Faults are deterministic: an armed fault fires on the next attempt
// that reaches its boundary, and stays armed until one does.
//
// Discovery and every other request pass through unchanged.
package proxy
