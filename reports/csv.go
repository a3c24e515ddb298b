package reports

import (
	"encoding/csv"
	"io"
	"strings"
)

// WriteCSV writes header and rows as RFC 4180 CSV (CRLF line ends, fields
// quoted where they must be) in UTF-8, with every field neutralised
// (Neutralise) so that no spreadsheet takes one for a formula.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	line := make([]string, 0, len(header))
	for _, r := range rows {
		line = line[:0]
		for _, f := range r {
			line = append(line, Neutralise(f))
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Neutralise returns a CSV field that a spreadsheet shows as the text it
// is: one that begins with =, +, -, @, a tab or a carriage return (what
// spreadsheets read as the start of a formula) gets a leading apostrophe
// (OWASP's advice on CSV injection).
func Neutralise(field string) string {
	if field != "" && strings.ContainsRune("=+-@\t\r", rune(field[0])) {
		return "'" + field
	}
	return field
}
