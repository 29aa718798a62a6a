// Package ex2 is the contract of Exercise 2, the EmailService with deduplication: the
// names the grader calls and the JSON shapes it sends and expects. Field names and JSON
// tags are the exercise text's; the template set is the bonus's.
package ex2

import (
	"sort"
	"time"

	restate "github.com/restatedev/sdk-go"
)

// Names of the virtual object and its handlers, as registered with Restate.
const (
	ServiceName        = "EmailService"
	SendEmail          = "SendEmail"
	GetEmailStatus     = "GetEmailStatus"
	ResendEmail        = "ResendEmail"
	SendTemplatedEmail = "SendTemplatedEmail" // bonus
)

// Email statuses.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// EmailRequest is SendEmail's input.
type EmailRequest struct {
	Recipient string `json:"recipient"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
}

// EmailRecord is what every handler returns and GetEmailStatus reads.
type EmailRecord struct {
	EmailID   string    `json:"emailId"`
	Recipient string    `json:"recipient"`
	Subject   string    `json:"subject"`
	Status    string    `json:"status"` // "pending", "sent", "failed"
	SentAt    time.Time `json:"sentAt,omitempty"`
	MessageID string    `json:"messageId,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// TemplateEmailRequest is the bonus SendTemplatedEmail's input: the name of one of the
// Templates and the values of its variables.
type TemplateEmailRequest struct {
	Recipient string            `json:"recipient"`
	Template  string            `json:"template"`
	Vars      map[string]string `json:"vars"`
}

// Template is one email template. Subject and Body contain placeholders {{name}}, each
// replaced by the value of variable name (see Templates for the rules).
type Template struct {
	Subject string
	Body    string
}

// templates is the fixed template set of the bonus.
var templates = map[string]Template{
	"welcome": {
		Subject: "Welcome to {{product}}, {{name}}!",
		Body:    "Hi {{name}},\n\nwelcome to {{product}}. Your account {{account}} is ready.\n\nThe {{product}} team\n",
	},
	"password-reset": {
		Subject: "Your {{product}} password reset code",
		Body:    "Hi {{name}},\n\nyour password reset code is {{code}}. It expires in {{minutes}} minutes.\n\nIf you did not ask for it, ignore this email.\n",
	},
	"order-shipped": {
		Subject: "Order {{orderId}} has shipped",
		Body:    "Hi {{name}},\n\nyour order {{orderId}} is on its way with {{carrier}}, tracking number {{tracking}}.\n",
	},
}

// Templates returns the names of the bonus's templates, sorted. Rendering rules:
//
//   - every placeholder {{name}} in Subject and in Body is replaced by Vars[name];
//   - a value is inserted as it is, even when it contains "{{": rendering is one pass
//     over the template, never over what was already inserted;
//   - variables that no placeholder uses are ignored;
//   - an unknown template, or a placeholder without a variable, is invalid input
//     (terminal 400) and sends nothing.
//
// The same request must render the same subject and body every time: on every retry
// and every duplicate.
func Templates() []string {
	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupTemplate returns the template called name.
func LookupTemplate(name string) (Template, bool) {
	t, ok := templates[name]
	return t, ok
}

// EmailService is what both the stub (exercises/ex2) and the reference solution
// (solutions/ex2) implement; each checks it at compile time.
type EmailService interface {
	SendEmail(ctx restate.ObjectContext, req EmailRequest) (EmailRecord, error)
	GetEmailStatus(ctx restate.ObjectSharedContext) (EmailRecord, error)
	ResendEmail(ctx restate.ObjectContext) (EmailRecord, error)
	SendTemplatedEmail(ctx restate.ObjectContext, req TemplateEmailRequest) (EmailRecord, error)
}
