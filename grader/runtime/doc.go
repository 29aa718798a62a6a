// Package runtime gives the grader a real restate-server, three ways: the native binary
// (installed with npm into the per-user cache on first use), a container started with
// testcontainers-go on the host network (its image pulled on first use, with progress),
// or an external server someone else runs. Choose says which one Auto takes here, and why.
//
// Every server it starts binds only to 127.0.0.1 on ports chosen per run, so several graders
// can run side by side, and uses a fast retry policy that kills an invocation once its attempt
// budget is spent, so a broken handler fails a scenario instead of hanging it.
//
// A server is ready when SQL on sys_invocation answers: health endpoints answer earlier,
// before the partitions have a leader and before invocations can run.
//
// Nothing outlives a grader that is killed: the native server has a parent-death signal,
// and every container is labelled with its owning grader (pid and start time), so that
// SweepContainers, at the next grader's start, removes those whose owner is gone.
package runtime
