package ex2

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"

	"idempotency/contract/ex2"
	"idempotency/fixtures/world"
	"idempotency/grader"
	"idempotency/grader/proxy"
)

const renderDeterministically = "render from the request alone: replace each {{name}} with req.Vars[name] in one pass, " +
	"with no time.Now(), no math/rand and nothing that depends on the order of a map iteration; Restate re-runs " +
	"your handler on every retry, and each run must produce the same subject and body"

func templates() grader.Scenario {
	return grader.Scenario{
		ID:     "templates",
		Title:  "Email templates with deterministic variable substitution",
		Points: 10,
		Bonus:  true,
		Hint:   renderDeterministically,
		Run:    runTemplates,
	}
}

func runTemplates(ctx context.Context, env *grader.Env) error {
	names := ex2.Templates()
	first := env.Rand.IntN(len(names))

	// Two SMTP timeouts make Restate run the handler three times: three renders.
	key, req := newTemplated(env, names[first])
	want := ex2.EmailRequest{Recipient: req.Recipient}
	want.Subject, want.Body = renderExpected(req)
	rule := env.World.On(toRecipient(req.Recipient)...).FailNext(transientFailures)
	defer rule.Remove()
	sent := fmt.Sprintf("SendTemplatedEmail %s with template %q and vars %v, while the SMTP gateway answers \"SMTP timeout\" %d times",
		key, req.Template, req.Vars, transientFailures)
	env.Step("SendTemplatedEmail %s (%s) with %d SMTP timeouts first", key, req.Template, transientFailures)
	rec, err := sendTemplated(ctx, env, key, req)
	if err != nil {
		return renderError(env, sent, err)
	}
	if err := expectRendered(env, key, want, rec, sent); err != nil {
		return err
	}
	if fired := rule.Fired(); fired != transientFailures {
		return fmt.Errorf("the SMTP timeouts for %s fired %d times, want %d", req.Recipient, fired, transientFailures)
	}

	env.Step("the same SendTemplatedEmail %s again", key)
	sent = "the same SendTemplatedEmail " + key + " a second time"
	before := len(smtpCalls(env, req.Recipient))
	again, err := sendTemplated(ctx, env, key, req)
	if err != nil {
		return env.Unexpected(sent, "the first record again", err)
	}
	if calls := smtpCalls(env, req.Recipient); len(calls) != before {
		return grader.Fail(sent, "no call to the SMTP gateway: the email was sent already",
			"%d new call(s):\n%s", len(calls)-before, calls[before:]).WithHint(checkFirst)
	}
	if d := diffRecords(rec, again); d != "" {
		return grader.Fail(sent, "the first record, same messageId: "+describe(rec), "a different record: %s", d).WithHint(checkFirst)
	}

	// Another template, with the first attempt crashed before it completed: the retry
	// replays the journal, and renders again.
	key, req = newTemplated(env, names[(first+1)%len(names)])
	want = ex2.EmailRequest{Recipient: req.Recipient}
	want.Subject, want.Body = renderExpected(req)
	crash := env.ArmCrash(target(key, ex2.SendTemplatedEmail), proxy.CrashBeforeCompletion, 1)
	defer crash.Disarm()
	sent = fmt.Sprintf("SendTemplatedEmail %s with template %q and vars %v, with the first attempt crashed just before it completed",
		key, req.Template, req.Vars)
	env.Step("SendTemplatedEmail %s (%s) with a crash before completion", key, req.Template)
	rec, err = sendTemplated(ctx, env, key, req)
	if err != nil {
		return renderError(env, sent, err)
	}
	if err := expectRendered(env, key, want, rec, sent); err != nil {
		return err
	}
	if err := crash.Check(); err != nil {
		return err
	}
	return expectStored(ctx, env, key, rec, "after the retried SendTemplatedEmail")
}

// expectRendered checks every SMTP call for want.Recipient: one subject and body on
// every attempt, equal to the rendering of the template, and one delivery.
func expectRendered(env *grader.Env, key string, want ex2.EmailRequest, rec ex2.EmailRecord, sent string) error {
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
			WithHint("replace every {{name}} in the template's Subject too")
	}
	if got := firstCall.Arg(world.ArgBody); got != want.Body {
		return grader.Fail(sent, fmt.Sprintf("body %q", want.Body), "the SMTP gateway got body %q", got).
			WithHint("replace every {{name}} in the template's Body with req.Vars[name], and add nothing else: " +
				"the rules are in the comment of ex2.Templates")
	}
	return expectDeliveredOnce(env, key, want, rec, sent, wrapInRun)
}

// newTemplated makes a fresh email ID and a request for template name, with a value for
// every variable it uses and one it does not.
func newTemplated(env *grader.Env, name string) (string, ex2.TemplateEmailRequest) {
	key := env.NewKey(ex2.ServiceName, "em")
	r := env.Rand
	tpl, _ := ex2.LookupTemplate(name)
	vars := map[string]string{"unused": fmt.Sprintf("not in the template %04d", r.IntN(10000))}
	for _, v := range placeholders(tpl.Subject + tpl.Body) {
		vars[v] = varValue(r, v)
	}
	return key, ex2.TemplateEmailRequest{Recipient: newRequest(r).Recipient, Template: name, Vars: vars}
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

// renderError judges an error answer to SendTemplatedEmail. A journal mismatch there
// almost always means the retry rendered another email than the first attempt and
// stored or journaled it: the difference Restate found is the evidence.
func renderError(env *grader.Env, sent string, err error) error {
	var ce *grader.CallError
	if !grader.AsCallError(err, &ce) || ce.Code != 570 && !strings.Contains(ce.Message, "mismatch") {
		return env.Unexpected(sent, "the sent email's record", err)
	}
	return grader.Fail(sent, "the same subject and body on every attempt",
		"Restate retried SendTemplatedEmail and your handler did something different than on the first attempt (journal mismatch, %d):\n%s",
		ce.Code, grader.MismatchDetail(ce.Message))
}
