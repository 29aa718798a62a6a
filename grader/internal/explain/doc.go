// Package explain turns Restate's own messages into sentences a learner can act on: the
// journal mismatch (error 570, RT0016), sys_invocation's last failure ("[500 Internal]
// message" and a stack), the SDK's log of retried and panicked attempts, a crashed
// service's output and a failed registration. Every format it reads was measured with
// restate-server 1.7.12 and sdk-go 1.2.0; grader/testdata/loop/probe provokes each of
// them (grader's TestExplainLive).
//
// Only the engine (package grader) uses it: grader.ExplainCall and friends take the
// engine's own types and call it.
package explain
