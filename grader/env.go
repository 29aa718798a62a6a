package grader

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"

	"idempotency/fixtures/world"
	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/proxy"
	"idempotency/grader/runtime"
	"idempotency/grader/submission"

	"github.com/restatedev/sdk-go/ingress"
)

// Env is what a scenario drives the submission with. Each scenario gets its own Env;
// the server, proxy, world and service behind it are shared by the scenarios of a run,
// which therefore work on distinct object keys (NewKey).
type Env struct {
	Ingress *ingress.Client
	Admin   *admin.Client
	Proxy   *proxy.Proxy
	Server  runtime.Server
	Service *submission.Process
	// World is the fixture world: the gateways' ledger and their programmed faults.
	World *world.World
	// Registration is what the submission registered (handlers, and which are shared).
	Registration Registration
	// Rand is seeded from the run's seed and the scenario's id, so a scenario's inputs
	// do not depend on how its neighbours are scheduled.
	Rand *rand.Rand

	scenario string
	needs    map[string][]string // what the scenario declared it calls; nil: anything
	log      *scenarioLog
}

// MayCall returns a grader error (never the learner's) when the scenario calls a
// handler its Scenario.Needs does not declare: the declaration decides which criteria a
// missing handler costs, so it must not drift from what the scenario does.
func (e *Env) MayCall(service, handler string) error {
	if e.needs == nil {
		return nil
	}
	for _, h := range e.needs[service] {
		if h == handler {
			return nil
		}
	}
	return &graderBug{msg: fmt.Sprintf("scenario %s calls %s.%s but its Needs does not declare it", e.scenario, service, handler)}
}

// scenarioLog is what one scenario records as it goes.
type scenarioLog struct {
	mu    sync.Mutex
	steps []string
	keys  map[string][]string // service -> keys used
	// deferred are the read-backs to run after a restart (AfterRestart).
	deferred []deferredCheck
}

func newEnv(base Env, scenario string, seed uint64) *Env {
	e := base
	e.scenario = scenario
	e.Rand = rand.New(rand.NewPCG(seed, fnv64(scenario)))
	e.log = &scenarioLog{keys: map[string][]string{}}
	return &e
}

// NewKey returns a fresh object key for service, made from the seed: a hard-coded
// answer cannot know it, and a replay with the same seed gets the same one.
func (e *Env) NewKey(service, prefix string) string {
	k := fmt.Sprintf("%s-%s-%06x", prefix, shortID(e.scenario), e.Rand.Uint32()&0xffffff)
	e.log.mu.Lock()
	e.log.keys[service] = append(e.log.keys[service], k)
	e.log.mu.Unlock()
	return k
}

// Step records what the scenario is doing now: the report lists the steps of a passing
// scenario, and names the last one when a scenario runs out of time.
func (e *Env) Step(format string, args ...any) {
	e.log.mu.Lock()
	e.log.steps = append(e.log.steps, fmt.Sprintf(format, args...))
	e.log.mu.Unlock()
}

func (e *Env) lastStep() string {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	if len(e.log.steps) == 0 {
		return "the scenario to start"
	}
	return e.log.steps[len(e.log.steps)-1]
}

func (e *Env) stepList() []string {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return append([]string(nil), e.log.steps...)
}

func (e *Env) usedKeys() map[string][]string {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	out := make(map[string][]string, len(e.log.keys))
	for s, ks := range e.log.keys {
		out[s] = append([]string(nil), ks...)
	}
	return out
}

// ServiceState describes the service process for evidence: whether it is still running.
func (e *Env) ServiceState() string {
	if e.Service == nil {
		return ""
	}
	if exited, how := e.Service.Exited(); exited {
		return fmt.Sprintf("your service process has exited (%s). %s Its last output:\n%s", how, ExplainCrash(e.Service.Logs()), lastLines(e.Service.Logs(), 15))
	}
	return ""
}

// Unexpected turns an error from Call that was not the expected answer into a Failure
// (the submission answered wrongly) or passes a harness error through.
func (e *Env) Unexpected(sent, expected string, err error) error {
	var ce *CallError
	if !errors.As(err, &ce) {
		return err
	}
	obs := ExplainCall(ce, e.serviceLogs())
	if st := e.ServiceState(); st != "" {
		obs += "\n" + st
	}
	return &Failure{Sent: sent, Expected: expected, Observed: obs}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func shortID(s string) string {
	return fmt.Sprintf("%04x", fnv64(s)&0xffff)
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
