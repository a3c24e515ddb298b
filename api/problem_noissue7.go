//go:build !issue7

package api

// ineligibleProblem has nothing to answer until bookings exist.
func ineligibleProblem(err error) (Problem, bool) { return Problem{}, false }

// reasonView is a stable code with a human message.
type reasonView struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
