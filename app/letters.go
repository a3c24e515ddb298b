package app

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/tolk/tolk/data"
)

// letter is the body of a message being written: paragraphs of plain
// words and links, rendered both as text/plain and as text/html (every
// value escaped). Messages say only what their reader needs: never a
// community link, certificate number, exclusion or case note, nothing
// about a child beyond language and age band.
type letter struct {
	paras []para
}

// para is a paragraph: text, or a link with its text.
type para struct {
	text, href string
}

// say adds a paragraph.
func (l *letter) say(format string, args ...any) {
	l.paras = append(l.paras, para{text: fmt.Sprintf(format, args...)})
}

// link adds a link on a paragraph of its own.
func (l *letter) link(text, href string) { l.paras = append(l.paras, para{text: text, href: href}) }

// plain is the letter as text/plain: paragraphs apart, links as "text: URL".
func (l letter) plain() string {
	var b strings.Builder
	for i, p := range l.paras {
		if i > 0 {
			b.WriteString("\r\n\r\n")
		}
		b.WriteString(p.text)
		if p.href != "" {
			b.WriteString(":\r\n")
			b.WriteString(p.href)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// html is the letter as text/html, every value escaped.
func (l letter) html() string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html lang=\"en\"><body style=\"font-family: sans-serif; font-size: 16px\">")
	for _, p := range l.paras {
		b.WriteString("<p>")
		if p.href != "" {
			b.WriteString(`<a href="` + html.EscapeString(p.href) + `">` + html.EscapeString(p.text) + "</a>")
		} else {
			b.WriteString(html.EscapeString(p.text))
		}
		b.WriteString("</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// words for an interview's type.
var interviewWords = map[data.InterviewType]string{
	data.InterviewABEPolice:     "police interview (Achieving Best Evidence)",
	data.InterviewSocialWork:    "social work interview",
	data.InterviewAgeAssessment: "age assessment interview",
	data.InterviewHealth:        "health appointment",
	data.InterviewLegal:         "legal appointment",
}

// modalityWords are the ways an interview is held, in words.
var modalityWords = map[data.Modality]string{
	data.ModalityInPerson: "in person", data.ModalityVideo: "by video", data.ModalityPhone: "by phone",
}

// when is an instant in UK time, as people write it: "Thu 11 Dec 2026,
// 14:00 GMT".
func when(t time.Time) string { return t.In(data.London).Format("Mon 2 Jan 2006, 15:04 MST") }

// clock is an instant's UK time of day: "14:00".
func clock(t time.Time) string { return t.In(data.London).Format("15:04") }

// span is how long an interview lasts, in words: "1 hour 30 minutes".
func span(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	var parts []string
	switch {
	case h == 1:
		parts = append(parts, "1 hour")
	case h > 1:
		parts = append(parts, fmt.Sprintf("%d hours", h))
	}
	if m > 0 || h == 0 {
		parts = append(parts, fmt.Sprintf("%d minutes", m))
	}
	return strings.Join(parts, " ")
}

// interview describes an interview as an interpreter may read it before
// answering: what, when, how long, how and where roughly, for whom, the
// child's language and age band.
func interview(l *letter, it data.InterviewType, start, end time.Time, modality data.Modality, region, organisation string, c data.Case) {
	l.say("What: a %s for %s.", interviewWords[it], organisation)
	l.say("When: %s to %s (%s).", when(start), clock(end), span(end.Sub(start)))
	how := "How: " + modalityWords[modality]
	if region != "" {
		how += ", in " + data.RegionName(region)
	}
	l.say("%s.", how)
	if len(c.Child.Languages) > 0 {
		child := "The child speaks " + data.LanguageName(c.Child.Languages[0])
		if c.Child.AgeBand != "" {
			child += "; age " + c.Child.AgeBand.Words()
		}
		l.say("%s.", child)
	}
}
