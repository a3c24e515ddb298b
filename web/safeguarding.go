package web

import (
	"time"

	"github.com/tolk/tolk/app"
)

// safeguardingView is the coordinators' list of what they must act on:
// safeguarding incidents recorded at outcomes, and debriefs to offer
// interpreters who marked an interview distressing.
type safeguardingView struct {
	Items []safeguardingRow
	From  time.Time
}

// safeguardingRow is one booking of the list, with the interpreter's name.
type safeguardingRow struct {
	app.SafeguardingItem
	Interpreter string
}

// safeguarding lists the organisation's incidents and debriefs to offer
// of the last 90 days (coordinators only: the app refuses anyone else).
func (p *Pages) safeguarding(r *request) error {
	items, err := p.app.Safeguarding(r.ctx(), r.user, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	v := safeguardingView{From: p.now().AddDate(0, 0, -90)}
	names := map[string]string{}
	for _, it := range items {
		name, ok := names[it.Booking.InterpreterID]
		if !ok {
			if in, err := p.app.InterpreterBrief(r.ctx(), r.user, it.Booking.InterpreterID); err == nil {
				name = in.Name
			} else {
				name = it.Booking.InterpreterID
			}
			names[it.Booking.InterpreterID] = name
		}
		v.Items = append(v.Items, safeguardingRow{SafeguardingItem: it, Interpreter: name})
	}
	return p.render(r, "safeguarding", "Incidents and debriefs", v)
}
