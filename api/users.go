package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

type createUserRequest struct {
	// Name and Email default to the interpreter record's for an
	// interpreter's user.
	Name          string `json:"name" validate:"required_without=InterpreterID,namelen"`
	Email         string `json:"email" validate:"required_without=InterpreterID,omitempty,email,emaillen"`
	Role          string `json:"role" validate:"required,role"`
	Organisation  string `json:"organisation" validate:"omitempty,organisationlen"`
	InterpreterID string `json:"interpreterId" validate:"idlen"`
}

type userView struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Role          data.Role `json:"role"`
	Organisation  string    `json:"organisation"`
	InterpreterID string    `json:"interpreterId,omitempty"`
	CreatedAt     time.Time `json:"createdAt"`
}

type createdUserView struct {
	userView
	APIKey string `json:"apiKey"`
}

type keyView struct {
	APIKey string `json:"apiKey"`
}

func toUserView(u data.User) userView {
	return userView{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Organisation: u.Organisation, InterpreterID: u.InterpreterID, CreatedAt: u.CreatedAt}
}

// createUser adds a user and returns their API key once.
func (s *Server) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	u, key, err := s.app.CreateUser(c.UserContext(), actor, app.NewUser{
		Name: req.Name, Email: req.Email, Role: data.Role(req.Role), Organisation: req.Organisation, InterpreterID: req.InterpreterID,
	})
	if err != nil {
		return err
	}
	c.Location("/v1/users/" + u.ID)
	return writeJSON(c.Status(http.StatusCreated), createdUserView{userView: toUserView(u), APIKey: key})
}

// issueKey gives a user a new key, ending the old one, and shows it once.
func (s *Server) issueKey(c *fiber.Ctx) error {
	actor, _ := caller(c)
	key, err := s.app.IssueKey(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, keyView{APIKey: key})
}

// revokeKey ends a user's key.
func (s *Server) revokeKey(c *fiber.Ctx) error {
	actor, _ := caller(c)
	if err := s.app.RevokeKey(c.UserContext(), actor, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// me returns the caller.
func (s *Server) me(c *fiber.Ctx) error {
	u, _ := caller(c)
	return writeJSON(c, toUserView(u))
}
