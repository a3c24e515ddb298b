//go:build issue7

package api

import (
	"errors"
	"net/http"

	"github.com/tolk/tolk/app"
)

// ineligibleProblem answers an *app.IneligibleError: 422 with every reason.
func ineligibleProblem(err error) (Problem, bool) {
	var ie *app.IneligibleError
	if !errors.As(err, &ie) {
		return Problem{}, false
	}
	return Problem{Status: http.StatusUnprocessableEntity, Code: "ineligible",
		Detail: "the interpreter fails a hard rule for this interview; see reasons", Reasons: toReasonViews(ie.Reasons)}, true
}
