package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tolk/tolk/data"
)

// Scheduled work is due-dated outbox work: Schedule writes each scheduled
// message, once, into the outbox, under an ID made of what it is about
// and its day, so running it again (every few minutes, after a restart, on
// several instances) neither skips a day nor repeats one.

// LapseNotices are the days before a credential lapses on which its
// interpreter is told: 60, 30 and 7.
var LapseNotices = []int{60, 30, 7}

// SummaryHour is the UK hour from which each coordinator's daily summary
// is written.
const SummaryHour = 7

// Schedule writes the scheduled messages that are due by now and not yet
// in the outbox: each approved interpreter's notice of a credential
// lapsing (the nearest of LapseNotices it has reached: an interpreter who
// was told at 60 days and reaches 30 is told again, one whose service was
// down on the 60th day is told late, never twice for one threshold), and
// from SummaryHour each coordinator's daily summary of the register's
// lapses and their organisation's dead letters. It returns how many
// messages it wrote.
func (a *App) Schedule(ctx context.Context) (int, error) {
	now := a.now()
	today := data.LondonDate(now)
	written := 0
	lapsing, err := a.lapsing(ctx, today, LapseNotices[0])
	if err != nil {
		return 0, err
	}
	for _, in := range lapsing {
		for _, r := range in.Renewals() {
			left := daysBetween(today, r.Expires)
			if r.Missing || left < 0 {
				continue
			}
			threshold := 0
			for _, t := range LapseNotices {
				if left <= t {
					threshold = t
				}
			}
			if threshold == 0 {
				continue
			}
			reached, _ := time.Parse(time.DateOnly, r.Expires.AddDays(-threshold).String()) // the day it is due: fixed
			id := messageID(data.MessageCredentialLapse, reached, in.ID, r.Item, r.Expires.String(), strconv.Itoa(threshold))
			n, err := a.schedule(ctx, id, func() data.Message { return a.lapseMessage(id, in, r, left) })
			if err != nil {
				return written, err
			}
			written += n
		}
	}
	if now.In(data.London).Hour() < SummaryHour {
		return written, nil
	}
	n, err := a.summaries(ctx, today, lapsing)
	return written + n, err
}

// lapsing returns the approved interpreters with an item lapsing within
// days (or lapsed), through the store's renewal index.
func (a *App) lapsing(ctx context.Context, today data.Date, days int) ([]data.Interpreter, error) {
	var out []data.Interpreter
	q := data.InterpreterQuery{Status: data.VettingApproved, RenewalBy: today.AddDays(days), Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListInterpreters(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// daysBetween counts the days from one date to another (negative before).
func daysBetween(from, to data.Date) int {
	f, _ := time.Parse(time.DateOnly, from.String())
	t, _ := time.Parse(time.DateOnly, to.String())
	return int(t.Sub(f).Hours() / 24)
}

// schedule writes the message make builds under id, unless the outbox
// has it already, with its audit entry; it returns 1 when it wrote it.
func (a *App) schedule(ctx context.Context, id string, make func() data.Message) (int, error) {
	_, err := a.store.Message(ctx, id)
	if err == nil {
		return 0, nil
	}
	if !errors.Is(err, data.ErrNotFound) {
		return 0, err
	}
	m := make()
	if m.To == "" {
		return 0, nil // nobody to tell
	}
	ch := audited(a.now(), system(m.Organisation), m.Organisation, data.ActionMessageScheduled, data.EntityMessage, m.ID)
	ch.Messages = []data.Message{m}
	if err := a.store.AppendChange(ctx, ch); err != nil && !errors.Is(err, data.ErrDuplicate) {
		return 0, err
	}
	return 1, nil
}

// lapseMessage tells an interpreter an item of theirs lapses in left days.
func (a *App) lapseMessage(id string, in data.Interpreter, r data.Renewal, left int) data.Message {
	var l letter
	l.say("Hello %s,", in.Name)
	what := data.LowerFirst(data.RenewalItemWords(r.Item))
	l.say("Your %s lapses on %s, in %d days. After that you cannot be booked for interviews that need it.", what, r.Expires.Words(), left)
	l.say("Please renew it and send the new details to your coordinator.")
	l.link("Your credentials", a.baseURL+"/my/credentials")
	return set(a.newMessage(data.MessageCredentialLapse, id, data.ScopeRegister, data.RoleInterpreter, in.Email, in.Name,
		fmt.Sprintf("Your %s lapses in %d days", what, left), l, a.now()),
		func(m *data.Message) { m.InterpreterID = in.ID })
}

// summaries writes today's summary for each coordinator, in every
// organisation: the register's items lapsing within 30 days or lapsed,
// and their organisation's dead letters.
func (a *App) summaries(ctx context.Context, today data.Date, lapsing []data.Interpreter) (int, error) {
	var lines []string
	for _, in := range lapsing {
		for _, r := range in.Renewals() {
			if left := daysBetween(today, r.Expires); !r.Missing && left <= 30 {
				if left < 0 {
					lines = append(lines, fmt.Sprintf("%s: %s lapsed on %s", in.Name, data.LowerFirst(data.RenewalItemWords(r.Item)), r.Expires.Words()))
				} else {
					lines = append(lines, fmt.Sprintf("%s: %s lapses on %s", in.Name, data.LowerFirst(data.RenewalItemWords(r.Item)), r.Expires.Words()))
				}
			}
		}
	}
	written := 0
	dead := map[string]int{}
	registerDead, err := a.store.ListMessages(ctx, data.MessageQuery{Organisation: data.ScopeRegister, Status: data.MessageDead, Limit: data.MaxPageSize})
	if err != nil {
		return 0, err
	}
	q := data.UserQuery{Role: data.RoleCoordinator, Limit: data.MaxPageSize}
	for {
		page, err := a.store.ListUsers(ctx, q)
		if err != nil {
			return written, err
		}
		for _, u := range page.Items {
			if u.AccessRevoked {
				continue
			}
			if _, ok := dead[u.Organisation]; !ok {
				letters, err := a.store.ListMessages(ctx, data.MessageQuery{Organisation: u.Organisation, Status: data.MessageDead, Limit: data.MaxPageSize})
				if err != nil {
					return written, err
				}
				dead[u.Organisation] = len(letters.Items)
			}
			day, _ := time.Parse(time.DateOnly, today.String())
			id := messageID(data.MessageDailySummary, day, u.ID, today.String())
			n, err := a.schedule(ctx, id, func() data.Message {
				return a.summaryMessage(id, u, today, lines, dead[u.Organisation], len(registerDead.Items))
			})
			if err != nil {
				return written, err
			}
			written += n
		}
		if page.Next == "" {
			return written, nil
		}
		q.After = page.Next
	}
}

// summaryMessage is a coordinator's daily summary.
// maxSummaryLapses bounds the lapses a daily summary lists one by one, so
// that a national register's summary stays a message (and within
// data.MaxMessageBody); the renewal report has them all.
const maxSummaryLapses = 50

func (a *App) summaryMessage(id string, u data.User, today data.Date, lapses []string, dead, registerDead int) data.Message {
	var l letter
	l.say("Hello %s,", u.Name)
	l.say("The register on %s.", today.Words())
	if len(lapses) == 0 {
		l.say("No credential lapses within 30 days.")
	} else {
		l.say("Credentials lapsing within 30 days, or lapsed (%d):", len(lapses))
		for i, s := range lapses {
			if i == maxSummaryLapses {
				l.say("and %d more: see the renewal report.", len(lapses)-i)
				break
			}
			l.say("%s", s)
		}
	}
	l.link("The renewal report", a.baseURL+"/vetting/expiring")
	if dead > 0 {
		l.say("%d messages of your organisation could not be delivered (dead letters): retry them once the address or the mail server is put right.", dead)
		l.link("Notifications", a.baseURL+"/notifications?status=dead")
	} else {
		l.say("Every message of your organisation was delivered or is on its way.")
	}
	if registerDead > 0 {
		l.say("%d reminders to interpreters about their credentials could not be delivered: check the interpreters' email addresses, then retry them.", registerDead)
		l.link("Reminders not delivered", a.baseURL+"/notifications?scope=register&status=dead")
	}
	return a.newMessage(data.MessageDailySummary, id, u.Organisation, data.RoleCoordinator, u.Email, u.Name,
		"tolk: the register on "+today.Words(), l, a.now())
}
