package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/data"
)

type createUserRequest struct {
	Name         string `json:"name" validate:"required,max=200"`
	Email        string `json:"email" validate:"required,email,max=254"`
	Role         string `json:"role" validate:"required,oneof=admin coordinator social_worker"`
	Organisation string `json:"organisation" validate:"omitempty,max=63"`
}

type userView struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Role         data.Role `json:"role"`
	Organisation string    `json:"organisation"`
	CreatedAt    time.Time `json:"createdAt"`
}

type createdUserView struct {
	userView
	APIKey string `json:"apiKey"`
}

func toUserView(u data.User) userView {
	return userView{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Organisation: u.Organisation, CreatedAt: u.CreatedAt}
}

// NewUser returns a user with a fresh ID and API key, ready to store, and the
// key (which only its holder ever sees again).
func NewUser(name, email string, role data.Role, organisation string, now time.Time) (data.User, string) {
	key := data.NewAPIKey()
	return data.User{
		ID: data.NewID(now), Name: name, Email: data.NormalizeEmail(email), Role: role,
		Organisation: organisation, KeyHash: data.HashKey(key),
		CreatedAt: data.Timestamp(now), UpdatedAt: data.Timestamp(now),
	}, key
}

// createUser lets an admin add a user (to any organisation; their own by
// default) and returns the new API key once.
func (s *Server) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	if req.Organisation == "" {
		req.Organisation = actor.Organisation
	}
	now := s.now()
	u, key := NewUser(req.Name, req.Email, data.Role(req.Role), req.Organisation, now)
	if err := u.Validate(); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.store.CreateUser(ctx, u); err != nil {
		return err
	}
	s.audit(c, actor, "user.created", "user", u.ID)
	s.audit(c, actor, "apikey.issued", "user", u.ID)
	c.Location("/v1/users/" + u.ID)
	return c.Status(http.StatusCreated).JSON(createdUserView{userView: toUserView(u), APIKey: key})
}

// me returns the caller.
func (s *Server) me(c *fiber.Ctx) error {
	u, _ := caller(c)
	return c.JSON(toUserView(u))
}
