package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// backup streams a consistent copy of the embedded store to the bootstrap
// admin (tolk backup): exactly Content-Length bytes, so a client can tell
// a copy cut short from a whole one.
func (s *Server) backup(c *fiber.Ctx) error {
	actor, _ := caller(c)
	r, size, err := s.app.Backup(c.UserContext(), actor)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEOctetStream)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="tolk-backup.db"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Tolk-Backup-Size", strconv.FormatInt(size, 10))
	c.Context().SetBodyStream(r, int(size)) // closed by fasthttp once sent
	return nil
}
