package main

import (
	"idempotency/contract"
	"idempotency/contract/ex2"

	restate "github.com/restatedev/sdk-go"
)

// EmailService is a Restate virtual object; its key is the email ID.
// Read README.md in this folder first, then work through the TODO steps in order and
// re-run `go run ./cmd/grade ex2` after each one: every step turns a criterion green.
type EmailService struct{}

// The compiler checks that EmailService keeps the contract the grader calls.
var _ ex2.EmailService = EmailService{}

// SendEmail sends the email stored under this object's key, exactly once.
//
// TODO step 1 (criterion "Email sent exactly once"):
//   - the email ID is the object key: restate.Key(ctx)
//   - call the gateway inside restate.Run, never directly: Restate retries handlers, and a
//     Run's result is journaled, so a retry replays it instead of sending a second email:
//     restate.Run(ctx, func(restate.RunContext) (T, error) { ... fixtures.SendEmailViaSMTP(req.Recipient, req.Subject, req.Body) ... })
//   - take sentAt inside the same Run (time.Now() outside a Run differs on retry)
//   - a transient error ("SMTP timeout", errors.Is(err, fixtures.ErrTransient)): return it
//     from the Run as it is, and Restate retries
//   - store the record (status ex2.StatusSent, messageId, sentAt) with restate.Set and return it
//
// TODO step 2 (criterion "Duplicate requests return same message ID"):
//   - first look for a record already stored: restate.Get[*ex2.EmailRecord](ctx, "record")
//   - if there is one, return it unchanged, whatever the request says, and send nothing
//
// TODO step 3 (criterion "Failed sends can be retried with new email ID"):
//   - a permanent error ("550 mailbox unavailable", errors.Is(err, fixtures.ErrPermanent))
//     will never succeed: inside the Run turn it into restate.ToTerminalError(err), so that
//     Restate journals it instead of retrying forever
//   - outside the Run, store and return the record with status ex2.StatusFailed and
//     error err.Error(); a later SendEmail for this ID returns it, still failed
//   - also store the request itself (the record has no body): ResendEmail needs it
func (EmailService) SendEmail(ctx restate.ObjectContext, req ex2.EmailRequest) (ex2.EmailRecord, error) {
	return ex2.EmailRecord{}, contract.NotImplemented("SendEmail")
}

// GetEmailStatus returns the stored record, or a terminal 404 when there is none.
//
// TODO step 4: restate.Get the record; when it is nil return
// restate.ToTerminalError(fmt.Errorf("email %s not found", restate.Key(ctx)), restate.WithErrorCode(404)).
func (EmailService) GetEmailStatus(ctx restate.ObjectSharedContext) (ex2.EmailRecord, error) {
	return ex2.EmailRecord{}, contract.NotImplemented("GetEmailStatus")
}

// ResendEmail is safe to call any number of times.
//
// TODO step 5 (criterion "ResendEmail is safe for already-sent emails"):
//   - unknown email ID -> terminal 404, and send nothing (there is no recipient to send to)
//   - status "sent" -> return the record as it is: no second email, same messageId
//   - status "failed" -> exactly one new attempt with the stored recipient, subject and
//     body, inside restate.Run as in step 1; store and return the new outcome
//     (sent with a new messageId and no error, or failed again with the new error)
func (EmailService) ResendEmail(ctx restate.ObjectContext) (ex2.EmailRecord, error) {
	return ex2.EmailRecord{}, contract.NotImplemented("ResendEmail")
}

// SendTemplatedEmail (bonus) renders one of the contract's templates and sends it once.
//
// TODO bonus:
//   - already a record under this key -> return it, as in step 2
//   - tpl, ok := ex2.LookupTemplate(req.Template); unknown -> terminal 400
//   - render tpl.Subject and tpl.Body: replace each {{name}} with req.Vars[name] in one pass
//     (the rules are in the comment of ex2.Templates); a placeholder without a variable -> 400
//   - rendering must give the same text on every retry: no time.Now(), no math/rand, no
//     output that depends on the order of a map iteration
//   - then send the rendered email exactly as SendEmail does
func (EmailService) SendTemplatedEmail(ctx restate.ObjectContext, req ex2.TemplateEmailRequest) (ex2.EmailRecord, error) {
	return ex2.EmailRecord{}, contract.NotImplemented("SendTemplatedEmail")
}
