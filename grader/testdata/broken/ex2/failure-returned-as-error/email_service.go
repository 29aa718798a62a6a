// Broken on purpose: a permanent failure is stored as failed, but the handler then returns it as a plain error, so Restate retries the handler until it gives up.
// Expected to lose: failed-send, resend-safe (its failed email is made by SendEmail).
//
//grade:lose failed-send resend-safe
package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"idempotency/contract/ex2"
	"idempotency/fixtures"

	restate "github.com/restatedev/sdk-go"
)

// EmailService is the reference solution of Exercise 2: a virtual object keyed by email ID.
type EmailService struct{}

var _ ex2.EmailService = EmailService{}

// State keys: the record every handler returns, and the message as it was (or will be)
// handed to SMTP, which ResendEmail needs because the record has no body.
const (
	recordKey  = "record"
	messageKey = "message"
)

// SendEmail sends the email under this key once; any later call returns its record.
func (EmailService) SendEmail(ctx restate.ObjectContext, req ex2.EmailRequest) (ex2.EmailRecord, error) {
	if rec, err := restate.Get[*ex2.EmailRecord](ctx, recordKey); err != nil || rec != nil {
		return deref(rec), err
	}
	if req.Recipient == "" {
		return ex2.EmailRecord{}, badRequest(errors.New("recipient is required"))
	}
	return deliver(ctx, req)
}

// GetEmailStatus returns the stored record, or 404.
func (EmailService) GetEmailStatus(ctx restate.ObjectSharedContext) (ex2.EmailRecord, error) {
	rec, err := restate.Get[*ex2.EmailRecord](ctx, recordKey)
	if err != nil {
		return ex2.EmailRecord{}, err
	}
	if rec == nil {
		return ex2.EmailRecord{}, notFound(restate.Key(ctx))
	}
	return *rec, nil
}

// ResendEmail makes one new attempt for a failed email; a sent email is returned as it is.
func (EmailService) ResendEmail(ctx restate.ObjectContext) (ex2.EmailRecord, error) {
	rec, err := restate.Get[*ex2.EmailRecord](ctx, recordKey)
	if err != nil {
		return ex2.EmailRecord{}, err
	}
	if rec == nil {
		return ex2.EmailRecord{}, notFound(restate.Key(ctx))
	}
	if rec.Status != ex2.StatusFailed {
		return *rec, nil
	}
	msg, err := restate.Get[ex2.EmailRequest](ctx, messageKey)
	if err != nil {
		return ex2.EmailRecord{}, err
	}
	return attempt(ctx, msg, *rec)
}

// SendTemplatedEmail renders a template of the contract and sends the result once.
func (EmailService) SendTemplatedEmail(ctx restate.ObjectContext, req ex2.TemplateEmailRequest) (ex2.EmailRecord, error) {
	if rec, err := restate.Get[*ex2.EmailRecord](ctx, recordKey); err != nil || rec != nil {
		return deref(rec), err
	}
	if req.Recipient == "" {
		return ex2.EmailRecord{}, badRequest(errors.New("recipient is required"))
	}
	tpl, ok := ex2.LookupTemplate(req.Template)
	if !ok {
		return ex2.EmailRecord{}, badRequest(fmt.Errorf("unknown template %q (known: %s)", req.Template, strings.Join(ex2.Templates(), ", ")))
	}
	subject, err := render(tpl.Subject, req.Vars)
	if err != nil {
		return ex2.EmailRecord{}, badRequest(err)
	}
	body, err := render(tpl.Body, req.Vars)
	if err != nil {
		return ex2.EmailRecord{}, badRequest(err)
	}
	return deliver(ctx, ex2.EmailRequest{Recipient: req.Recipient, Subject: subject, Body: body})
}

// deliver stores a new email as pending and makes its first attempt.
func deliver(ctx restate.ObjectContext, msg ex2.EmailRequest) (ex2.EmailRecord, error) {
	rec := ex2.EmailRecord{
		EmailID:   restate.Key(ctx),
		Recipient: msg.Recipient,
		Subject:   msg.Subject,
		Status:    ex2.StatusPending,
	}
	restate.Set(ctx, messageKey, msg)
	restate.Set(ctx, recordKey, rec)
	return attempt(ctx, msg, rec)
}

// sent is what a successful SMTP call leaves in the journal.
type sent struct {
	MessageID string    `json:"messageId"`
	SentAt    time.Time `json:"sentAt"`
}

// attempt hands msg to SMTP once and stores the outcome in rec. Inside restate.Run the
// call's result is journaled: a retry after a crash replays it instead of sending again.
// A transient error ("SMTP timeout") leaves the Run without a result, so Restate retries
// it; a permanent one ("550 mailbox unavailable") is journaled as a terminal error and
// ends the email as failed.
func attempt(ctx restate.ObjectContext, msg ex2.EmailRequest, rec ex2.EmailRecord) (ex2.EmailRecord, error) {
	out, err := restate.Run(ctx, func(restate.RunContext) (sent, error) {
		id, err := fixtures.SendEmailViaSMTP(msg.Recipient, msg.Subject, msg.Body)
		if errors.Is(err, fixtures.ErrPermanent) {
			return sent{}, restate.ToTerminalError(err)
		}
		if err != nil {
			return sent{}, err
		}
		return sent{MessageID: id, SentAt: time.Now().UTC()}, nil
	}, restate.WithName("smtp"))
	switch {
	case err == nil:
		rec.Status, rec.MessageID, rec.SentAt, rec.Error = ex2.StatusSent, out.MessageID, out.SentAt, ""
	case restate.IsTerminalError(err):
		rec.Status, rec.Error = ex2.StatusFailed, err.Error()
		restate.Set(ctx, recordKey, rec)
		return rec, fmt.Errorf("send email %s: %v", rec.EmailID, err)
	default:
		return ex2.EmailRecord{}, err
	}
	restate.Set(ctx, recordKey, rec)
	return rec, nil
}

// render replaces every {{name}} in text with vars[name], in one pass over text: an
// inserted value is never scanned again. It reads no clock and no map order, so the
// same request renders the same text on every retry.
func render(text string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		open := strings.Index(text, "{{")
		if open < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		end := strings.Index(text[open:], "}}")
		if end < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		name := text[open+2 : open+end]
		value, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("template variable %q is missing", name)
		}
		b.WriteString(text[:open])
		b.WriteString(value)
		text = text[open+end+2:]
	}
}

func deref(rec *ex2.EmailRecord) ex2.EmailRecord {
	if rec == nil {
		return ex2.EmailRecord{}
	}
	return *rec
}

func badRequest(err error) error {
	return restate.ToTerminalError(err, restate.WithErrorCode(400))
}

func notFound(emailID string) error {
	return restate.ToTerminalError(fmt.Errorf("email %s not found", emailID), restate.WithErrorCode(404))
}
