package ex4

import (
	"fmt"
	"strings"

	"idempotency/fixtures/world"
	"idempotency/grader"
)

// effects is what the outside world saw of one subscription: the charges to its
// customer, the refunds of those charges, and the emails to the customer's address.
// Every subscription a scenario makes has a customer of its own, so these are exactly
// the subscription's effects.
type effects struct {
	charges world.Calls
	refunds world.Calls
	emails  world.Calls
}

// effectsOf reads the delivered effects of s from the ledger.
func effectsOf(env *grader.Env, s *subject) effects {
	return effectsFor(env, s.customer, s.email)
}

func effectsFor(env *grader.Env, customer, email string) effects {
	charges := env.World.Calls(world.Gateway(world.Charge), world.Arg(world.ArgCustomerID, customer)).Delivered()
	ids := map[string]bool{}
	for _, c := range charges {
		ids[c.Result] = true
	}
	refunds := env.World.Calls(world.Gateway(world.Refund), func(c world.Call) bool { return ids[c.Arg(world.ArgChargeID)] }).Delivered()
	emails := env.World.Calls(world.Gateway(world.SMTP), world.Arg(world.ArgRecipient, email)).Delivered()
	return effects{charges: charges, refunds: refunds, emails: emails}
}

// since returns the effects that are not in before.
func (e effects) since(before effects) effects {
	return effects{
		charges: newCalls(e.charges, before.charges),
		refunds: newCalls(e.refunds, before.refunds),
		emails:  newCalls(e.emails, before.emails),
	}
}

func newCalls(all, before world.Calls) world.Calls {
	seen := map[int]bool{}
	for _, c := range before {
		seen[c.Seq] = true
	}
	var out world.Calls
	for _, c := range all {
		if !seen[c.Seq] {
			out = append(out, c)
		}
	}
	return out
}

// repeatedCharge returns how often the most repeated charge (same amount, same
// description) went through: 1 when no charge was repeated.
func (e effects) repeatedCharge() int {
	most := 0
	seen := map[string]int{}
	for _, c := range e.charges {
		k := c.Arg(world.ArgAmount) + "\x00" + c.Arg(world.ArgDescription)
		seen[k]++
		most = max(most, seen[k])
	}
	return most
}

// payments lists the payment calls, for evidence.
func (e effects) payments() string {
	all := append(append(world.Calls{}, e.charges...), e.refunds...)
	if len(all) == 0 {
		return "no charge and no refund"
	}
	return indent(all.String())
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

// money expects exactly the payments of one operation: one charge of charge cents (none
// when 0) and refunds that add up to refund cents (none when 0). It returns "" when the
// effects match, else what differs, in the learner's words.
func (e effects) money(charge, refund int) string {
	var d []string
	switch {
	case charge == 0 && len(e.charges) > 0:
		d = append(d, fmt.Sprintf("%d charge(s) of %d cents in all, expected no charge", len(e.charges), e.charges.TotalAmount()))
	case charge > 0 && len(e.charges) != 1:
		d = append(d, fmt.Sprintf("%d charges, expected exactly 1 of %d cents", len(e.charges), charge))
	case charge > 0 && e.charges[0].Amount() != charge:
		d = append(d, fmt.Sprintf("a charge of %d cents, expected %d", e.charges[0].Amount(), charge))
	}
	switch got := e.refunds.TotalAmount(); {
	case refund == 0 && len(e.refunds) > 0:
		d = append(d, fmt.Sprintf("%d refund(s) of %d cents in all, expected no refund", len(e.refunds), got))
	case refund > 0 && len(e.refunds) == 0:
		d = append(d, fmt.Sprintf("no refund, expected %d cents refunded", refund))
	case refund > 0 && got != refund:
		d = append(d, fmt.Sprintf("%d cents refunded in %d refund(s), expected %d", got, len(e.refunds), refund))
	}
	return strings.Join(d, "; ")
}

// expectMoney fails with evidence when the effects of one operation are not exactly
// the expected payments.
func expectMoney(sent, expected string, e effects, charge, refund int) error {
	if d := e.money(charge, refund); d != "" {
		return grader.Fail(sent, expected, "the payment gateway saw %s:\n%s", d, e.payments())
	}
	return nil
}

// expectEmails fails when the customer did not get exactly n emails in all.
func expectEmails(sent, what string, all world.Calls, n int, email string) error {
	if len(all) == n {
		return nil
	}
	obs := fmt.Sprintf("the SMTP gateway delivered %s to %s", plural(len(all), "message"), email)
	if len(all) > 0 {
		obs += ":\n" + indent(all.String())
	}
	return grader.Fail(sent, fmt.Sprintf("exactly %s to %s in all: %s", plural(n, "email"), email, what), "%s", obs)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
