package grader

import (
	"fmt"
	"slices"
	"strings"

	"idempotency/grader/internal/admin"
	"idempotency/grader/internal/explain"
)

// Registration is what a deployment registered, compared with an exercise's contract.
// A missing or renamed handler costs only the criteria whose scenarios call it
// (Scenario.Needs): a learner who skips the bonus, or writes the exercise from scratch
// without our stub, is graded on everything else.
type Registration struct {
	exercise   string
	registered []string          // service names, sorted
	problems   map[string]string // "Svc" or "Svc.Handler" -> what is wrong with it
	shared     map[string]bool   // "Svc.Handler" registered as a shared handler
}

// CheckRegistration compares what dep registered with ex.Services. Extra services and
// handlers are ignored.
func CheckRegistration(ex Exercise, dep admin.Deployment) Registration {
	have := map[string][]string{}
	r := Registration{exercise: ex.ID, problems: map[string]string{}, shared: map[string]bool{}}
	for _, s := range dep.Services {
		r.registered = append(r.registered, s.Name)
		have[s.Name] = []string{}
		for _, hd := range s.Handlers {
			have[s.Name] = append(have[s.Name], hd.Name)
			if hd.Ty == "Shared" {
				r.shared[s.Name+"."+hd.Name] = true
			}
		}
	}
	slices.Sort(r.registered)
	for _, svc := range sortedKeys(ex.Services) {
		handlers, ok := have[svc]
		if !ok {
			p := "service " + svc + " is missing"
			if near := explain.RenamedTo(svc, notIn(r.registered, ex.Services)); near != "" {
				p += fmt.Sprintf(" (you registered %s: renamed?)", near)
			}
			r.problems[svc] = p
			continue
		}
		extra := notInList(handlers, ex.Services[svc])
		for _, hd := range ex.Services[svc] {
			if slices.Contains(handlers, hd) {
				continue
			}
			p := "handler " + svc + "." + hd + " is missing"
			if near := explain.RenamedTo(hd, extra); near != "" {
				p += fmt.Sprintf(" (you registered %s.%s: renamed?)", svc, near)
			}
			r.problems[svc+"."+hd] = p
		}
	}
	return r
}

// Shared reports whether service.handler is registered as a shared handler, which
// answers while an exclusive handler of the same object runs.
func (r Registration) Shared(service, handler string) bool { return r.shared[service+"."+handler] }

// Complete reports whether every service and handler of the contract is registered.
func (r Registration) Complete() bool { return len(r.problems) == 0 }

// Missing returns the problems of the handlers in needs (service -> handlers), in a
// stable order.
func (r Registration) Missing(needs map[string][]string) []string {
	var out []string
	for _, svc := range sortedKeys(needs) {
		if p, ok := r.problems[svc]; ok {
			out = append(out, p)
			continue
		}
		for _, hd := range needs[svc] {
			if p, ok := r.problems[svc+"."+hd]; ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// All returns every problem, in a stable order.
func (r Registration) All() []string {
	var out []string
	for _, k := range sortedKeys(r.problems) {
		out = append(out, r.problems[k])
	}
	return out
}

// Failure is the finding for a criterion that needs the handlers in needs, or nil when
// they are all registered.
func (r Registration) Failure(needs map[string][]string) *Failure {
	missing := r.Missing(needs)
	if len(missing) == 0 {
		return nil
	}
	registered := strings.Join(r.registered, ", ")
	if registered == "" {
		registered = "no service at all"
	}
	return &Failure{
		Sent:     "registration of your service with restate-server",
		Expected: "the handlers this criterion calls, named as in contract/" + r.exercise + ": " + describeServices(needs),
		Observed: strings.Join(missing, "; ") + " (your deployment registered: " + registered + ")",
		Hint: "the grader calls services and handlers by the names in contract/" + r.exercise + ": keep those names " +
			"(a handler you have not written yet may return contract.NotImplemented), and register with restate.Reflect on the type that has them",
	}
}

// needs is what scenario s calls: its Needs, or the whole contract when it declares none.
func (ex Exercise) needs(s Scenario) map[string][]string {
	if s.Needs != nil {
		return s.Needs
	}
	return ex.Services
}
