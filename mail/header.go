package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/tolk/tolk/data"
)

// encodeSubject returns s as a header value: as it is when plain, else as
// RFC 2047 encoded-words, without the characters that would make it show
// as other text (data.StripHidden).
func encodeSubject(s string) string {
	if plain(s) {
		return s
	}
	return encodedWords(data.StripHidden(s))
}

// formatAddress returns a as a header value: the address in angle
// brackets after the name, which is quoted as needed when plain and
// encoded otherwise, without the characters that would make it show as
// another name (data.StripHidden).
func formatAddress(a *mail.Address) string {
	if a.Name == "" || plain(a.Name) {
		return a.String()
	}
	name := data.StripHidden(a.Name)
	if name == "" || plain(name) {
		return (&mail.Address{Name: name, Address: a.Address}).String()
	}
	return encodedWords(name) + " <" + a.Address + ">"
}

// plain reports whether s can go into a header as it is: ASCII, without
// "=?" (which a reader could take for an encoded-word), in words that fit
// on a folded line.
func plain(s string) bool {
	if !ascii(s) || strings.Contains(s, "=?") {
		return false
	}
	for w := range strings.SplitSeq(s, " ") {
		if len(w) > 60 {
			return false
		}
	}
	return true
}

// encodedWords returns s as RFC 2047 B-encoded words of at most 39 octets
// of UTF-8 each (64 characters, so that even the first, after "Subject: ",
// keeps its line within the 76 characters RFC 2047 allows), separated by
// spaces where header folds the line. A decoder joins adjacent
// encoded-words without the space.
func encodedWords(s string) string {
	var words []string
	for s != "" {
		n := min(len(s), 39)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// maxLine is the length RFC 5322 asks header lines to keep to.
const maxLine = 78

// header writes "name: value" to b, folded before a space where a line
// would pass maxLine characters. Folding only inserts CRLF before a space,
// so unfolding gives value back. A line longer than 998 octets is an error.
func header(b *bytes.Buffer, name, value string) error {
	line := name + ":"
	for i, w := range strings.Split(value, " ") {
		if i > 0 && w != "" && len(line)+1+len(w) > maxLine {
			if len(line) > 998 {
				return fmt.Errorf("mail: header %s has a line too long", name)
			}
			b.WriteString(line)
			b.WriteString("\r\n")
			line = ""
		}
		line += " " + w
	}
	if len(line) > 998 {
		return fmt.Errorf("mail: header %s has a line too long", name)
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return nil
}

// dotAtom reports whether s is an RFC 5322 dot-atom-text: atext runs
// joined by single dots.
func dotAtom(s string) bool {
	for run := range strings.SplitSeq(s, ".") {
		if run == "" {
			return false
		}
		for _, c := range []byte(run) {
			if !atext(c) {
				return false
			}
		}
	}
	return true
}

func atext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// safeText reports whether s is UTF-8 without control characters (C0, DEL
// and C1; CR and LF among them).
func safeText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || 0x7f <= r && r < 0xa0 {
			return false
		}
	}
	return true
}
