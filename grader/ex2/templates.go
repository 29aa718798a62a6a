package ex2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/internal/proxy"
)

const renderDeterministically = "render from the request alone: replace each {{name}} with req.Vars[name] in one pass, " +
	"with no time.Now(), no math/rand and nothing that depends on the order of a map iteration; Restate re-runs " +
	"your handler on every retry, and each run must produce the same subject and body"

func templates() grader.Scenario {
	return grader.Scenario{
		ID:      "templates",
		Title:   "Email templates with deterministic variable substitution",
		Points:  10,
		Bonus:   true,
		Hint:    renderDeterministically,
		Needs:   map[string][]string{ex2.ServiceName: {ex2.SendTemplatedEmail, ex2.GetEmailStatus}},
		Timeout: readBackTimeout,
		Run:     runTemplates,
	}
}

// runTemplates sends one templated email per template, each with two variables whose
// values name each other's placeholder (rendering is one pass: they are inserted as
// they are): the first (chosen by the seed) under two SMTP timeouts, then repeated; the
// next under a crash; the last without a fault. After a restart of the service the
// records are read back and the first is repeated again.
func runTemplates(ctx context.Context, env *grader.Env) error {
	names := ex2.Templates()
	first := env.Rand.IntN(len(names))

	// Two SMTP timeouts make Restate run the handler three times: three renders.
	key, req := newTemplated(env, names[first])
	want := ex2.EmailRequest{Recipient: req.Recipient}
	want.Subject, want.Body = renderExpected(req)
	rule := env.World.On(toRecipient(req.Recipient)...).FailNext(transientFailures)
	defer rule.Remove()
	sent := fmt.Sprintf("SendTemplatedEmail %s with template %q and vars %s, while the SMTP gateway answers \"SMTP timeout\" %d times",
		key, req.Template, varsJSON(req.Vars), transientFailures)
	env.Step("SendTemplatedEmail %s (%s, vars naming each other's placeholders) with %d SMTP timeouts first", key, req.Template, transientFailures)
	rec, err := sendTemplated(ctx, env, key, req)
	if err != nil {
		return renderError(env, sent, err)
	}
	if err := expectRendered(env, key, req, want, rec, sent); err != nil {
		return err
	}
	if fired := rule.Fired(); fired != transientFailures {
		return fmt.Errorf("the SMTP timeouts for %s fired %d times, want %d", req.Recipient, fired, transientFailures)
	}
	t1, req1 := email{key: key, req: want, rec: rec}, req
	if err := sendTemplatedAgain(ctx, env, t1, req1, "the same SendTemplatedEmail "+key+" a second time", checkFirst); err != nil {
		return err
	}

	// Another template, with the first attempt crashed before it completed: the retry
	// replays the journal, and renders again.
	key, req = newTemplated(env, names[(first+1)%len(names)])
	want = ex2.EmailRequest{Recipient: req.Recipient}
	want.Subject, want.Body = renderExpected(req)
	crash := env.ArmCrash(target(key, ex2.SendTemplatedEmail), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = fmt.Sprintf("SendTemplatedEmail %s with template %q and vars %s, with the first attempt crashed just before it completed",
		key, req.Template, varsJSON(req.Vars))
	env.Step("SendTemplatedEmail %s (%s) with a crash before completion", key, req.Template)
	rec, err = sendTemplated(ctx, env, key, req)
	if err != nil {
		return renderError(env, sent, err)
	}
	if err := expectRendered(env, key, req, want, rec, sent); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	t2 := email{key: key, req: want, rec: rec}
	if err := expectStored(ctx, env, key, rec, "after the retried SendTemplatedEmail"); err != nil {
		return err
	}

	// The third template, without a fault: every run renders every template (one
	// repeats a placeholder, each puts others in its subject).
	key, req = newTemplated(env, names[(first+2)%len(names)])
	want = ex2.EmailRequest{Recipient: req.Recipient}
	want.Subject, want.Body = renderExpected(req)
	sent = fmt.Sprintf("SendTemplatedEmail %s with template %q and vars %s", key, req.Template, varsJSON(req.Vars))
	env.Step("SendTemplatedEmail %s (%s)", key, req.Template)
	rec, err = sendTemplated(ctx, env, key, req)
	if err != nil {
		return renderError(env, sent, err)
	}
	if err := expectRendered(env, key, req, want, rec, sent); err != nil {
		return err
	}
	t3 := email{key: key, req: want, rec: rec}

	env.AfterRestart("the templated emails, then the first one sent again", func(ctx context.Context) error {
		if err := readBack(ctx, env, afterRestart, keepInRestate, t1, t2, t3); err != nil {
			return err
		}
		return sendTemplatedAgain(ctx, env, t1, req1, "the same SendTemplatedEmail "+t1.key+" again "+afterRestart,
			checkFirst+"; "+keepInRestate)
	})
	return nil
}

// sendTemplatedAgain repeats a templated email: no call to the gateway, the same record.
func sendTemplatedAgain(ctx context.Context, env *grader.Env, e email, req ex2.TemplateEmailRequest, sent, hint string) error {
	env.Step("%s", sent)
	before := len(smtpCalls(env, e.req.Recipient))
	again, err := sendTemplated(ctx, env, e.key, req)
	if grader.IsHarness(err) {
		return err
	}
	if calls := smtpCalls(env, e.req.Recipient); len(calls) != before {
		return grader.Fail(sent, "no call to the SMTP gateway: the email was sent already",
			"%d new call(s):\n%s", len(calls)-before, brief(calls[before:])).WithHint(hint)
	}
	if err != nil {
		return env.Unexpected(sent, "the first record again", err)
	}
	if d := diffRecords(e.rec, again); d != "" {
		return grader.Fail(sent, "the first record, same messageId: "+describe(e.rec), "a different record: %s", d).WithHint(hint)
	}
	return nil
}

// expectRendered checks every SMTP call for want.Recipient: one subject and body on
// every attempt, equal to the rendering of the template, and one delivery.
func expectRendered(env *grader.Env, key string, req ex2.TemplateEmailRequest, want ex2.EmailRequest, rec ex2.EmailRecord, sent string) error {
	if rec.Status == ex2.StatusPending {
		return answeredPending(sent, rec)
	}
	calls := smtpCalls(env, want.Recipient)
	if len(calls) == 0 {
		return grader.Fail(sent, "a call to the SMTP gateway with the rendered template", "none").
			WithHint("SendTemplatedEmail must send the rendered subject and body with fixtures.SendEmailViaSMTP, inside restate.Run")
	}
	firstCall := calls[0]
	for i, c := range calls[1:] {
		if c.Arg(world.ArgSubject) != firstCall.Arg(world.ArgSubject) || c.Arg(world.ArgBody) != firstCall.Arg(world.ArgBody) {
			return grader.Fail(sent, "the same subject and body on every attempt",
				"the SMTP gateway got a different email on attempt %d than on attempt 1:\nattempt 1: subject %q body %q\nattempt %d: subject %q body %q",
				i+2, firstCall.Arg(world.ArgSubject), firstCall.Arg(world.ArgBody), i+2, c.Arg(world.ArgSubject), c.Arg(world.ArgBody))
		}
	}
	if got := firstCall.Arg(world.ArgSubject); got != want.Subject {
		return grader.Fail(sent, fmt.Sprintf("subject %q", want.Subject), "the SMTP gateway got subject %q", got).
			WithHint(renderHint(req, "replace every {{name}} in the template's Subject too"))
	}
	if got := firstCall.Arg(world.ArgBody); got != want.Body {
		return grader.Fail(sent, fmt.Sprintf("body %q", want.Body), "the SMTP gateway got body %q", got).
			WithHint(renderHint(req, "replace every {{name}} in the template's Body with req.Vars[name], and add nothing else: "+
				"the rules are in the comment of ex2.Templates"))
	}
	return expectDeliveredOnce(env, key, want, rec, sent, wrapInRun)
}

// renderHint explains a wrong rendering; when some values look like placeholders, the
// likely cause is a renderer that scans what it inserted again.
func renderHint(req ex2.TemplateEmailRequest, fallback string) string {
	var tricky []string
	for _, n := range slices.Sorted(maps.Keys(req.Vars)) {
		if strings.Contains(req.Vars[n], "{{") {
			tricky = append(tricky, fmt.Sprintf("%s=%q", n, req.Vars[n]))
		}
	}
	if len(tricky) == 0 {
		return fallback
	}
	return "some values contain placeholders (" + strings.Join(tricky, ", ") + "): they are inserted as they are. " +
		"Render in one pass over the template, never over what was already inserted: a loop of strings.ReplaceAll over " +
		"the vars replaces placeholders inside inserted values too, and its result depends on the map's order; walk the " +
		"template once (or use one strings.NewReplacer with every pair)"
}

// newTemplated makes a fresh email ID and a request for template name, with a value for
// every variable it uses and one it does not. Two of the variables, chosen by the seed,
// get values that contain each other's placeholder: rendering is one pass, so they are
// inserted as they are, and a renderer that re-reads inserted values renders them
// wrongly whatever order it takes the vars in.
func newTemplated(env *grader.Env, name string) (string, ex2.TemplateEmailRequest) {
	key := env.NewKey(ex2.ServiceName, "em")
	return key, templatedRequest(env.Rand, name)
}

// templatedRequest is newTemplated's request, drawn from r.
func templatedRequest(r *rand.Rand, name string) ex2.TemplateEmailRequest {
	tpl, _ := ex2.LookupTemplate(name)
	vars := map[string]string{"unused": fmt.Sprintf("not in the template %04d", r.IntN(10000))}
	used := placeholders(tpl.Body)
	for _, v := range placeholders(tpl.Subject + tpl.Body) {
		vars[v] = varValue(r, v)
	}
	i := r.IntN(len(used))
	j := (i + 1 + r.IntN(len(used)-1)) % len(used)
	p, q := used[i], used[j]
	vars[p] += " {{" + q + "}}"
	vars[q] += " {{" + p + "}}"
	return ex2.TemplateEmailRequest{Recipient: newRequest(r).Recipient, Template: name, Vars: vars}
}

// varsJSON prints vars as the request carries them, keys sorted.
func varsJSON(vars map[string]string) string {
	b, _ := json.Marshal(vars)
	return string(b)
}

var placeholder = regexp.MustCompile(`\{\{([^{}]+)\}\}`)

// placeholders lists the variable names text uses, first use first.
func placeholders(text string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			names = append(names, m[1])
		}
	}
	return names
}

// renderExpected is the grader's own rendering of req, by the contract's rules.
func renderExpected(req ex2.TemplateEmailRequest) (subject, body string) {
	tpl, _ := ex2.LookupTemplate(req.Template)
	sub := func(text string) string {
		return placeholder.ReplaceAllStringFunc(text, func(m string) string { return req.Vars[m[2:len(m)-2]] })
	}
	return sub(tpl.Subject), sub(tpl.Body)
}

func varValue(r *rand.Rand, name string) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	switch name {
	case "name":
		return pick("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald")
	case "product":
		return pick("Acme Mail", "Paperplane", "Inkwell")
	case "carrier":
		return pick("DHL", "UPS", "La Poste")
	case "minutes":
		return fmt.Sprint(10 + r.IntN(50))
	case "code":
		return fmt.Sprintf("%06d", r.IntN(1000000))
	default:
		return fmt.Sprintf("%s-%06x", name, r.Uint32()&0xffffff)
	}
}

// renderError judges an error answer to SendTemplatedEmail. A journal mismatch on the
// same step with another value means the retry rendered another email than the first
// attempt and stored or journaled it: the difference Restate found is the evidence. A
// mismatch between two kinds of step is another branch, not another rendering.
func renderError(env *grader.Env, sent string, err error) error {
	var ce *grader.CallError
	if !errors.As(err, &ce) || !ce.IsMismatch() {
		return env.Unexpected(sent, "the sent email's record", err)
	}
	if otherBranch(ce) {
		// Not another rendering: another path, decided outside the journal.
		return mismatchFailure(env, sent, "the sent email's record", err)
	}
	return grader.Fail(sent, "the same subject and body on every attempt",
		"Restate retried SendTemplatedEmail and your handler did something different than on the first attempt (journal mismatch, %d):\n%s",
		ce.Code, ce.MismatchDetail())
}
