package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tolk/tolk/app"
	"github.com/tolk/tolk/data"
)

type createFeedRequest struct {
	Scope         string `json:"scope" validate:"required,feedscope"`
	InterpreterID string `json:"interpreterId" validate:"idlen"`
}

type feedView struct {
	ID            string         `json:"id"`
	Scope         data.FeedScope `json:"scope"`
	InterpreterID string         `json:"interpreterId,omitempty"`
	CreatedAt     time.Time      `json:"createdAt"`
	RevokedAt     *time.Time     `json:"revokedAt,omitempty"`
}

type createdFeedView struct {
	feedView
	URL       string `json:"url"`
	WebcalURL string `json:"webcalUrl"`
}

func toFeedView(f data.Feed) feedView {
	v := feedView{ID: f.ID, Scope: f.Scope, InterpreterID: f.InterpreterID, CreatedAt: f.CreatedAt}
	if f.Revoked() {
		at := f.RevokedAt
		v.RevokedAt = &at
	}
	return v
}

// createFeed makes a subscription and shows its URL once.
func (s *Server) createFeed(c *fiber.Ctx) error {
	var req createFeedRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	actor, _ := caller(c)
	f, token, err := s.app.CreateFeed(c.UserContext(), actor, app.NewFeed{Scope: data.FeedScope(req.Scope), InterpreterID: req.InterpreterID})
	if err != nil {
		return err
	}
	url := s.baseURL + "/feeds/" + token + ".ics"
	webcal := "webcal://" + strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Location("/v1/feeds/" + f.ID)
	return writeJSON(c.Status(http.StatusCreated), createdFeedView{feedView: toFeedView(f), URL: url, WebcalURL: webcal})
}

// listFeeds lists the caller's feeds (never their URLs: those are shown once).
func (s *Server) listFeeds(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", data.DefaultPageSize, 1, data.MaxPageSize)
	if err != nil {
		return err
	}
	actor, _ := caller(c)
	page, err := s.app.ListFeeds(c.UserContext(), actor, c.Query("cursor"), limit)
	if err != nil {
		return err
	}
	return writeJSON(c, toPageView(page, toFeedView))
}

// revokeFeed ends a feed at once.
func (s *Server) revokeFeed(c *fiber.Ctx) error {
	actor, _ := caller(c)
	if err := s.app.RevokeFeed(c.UserContext(), actor, c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

// feed serves a subscription to calendar clients: the token in the URL is
// the only credential. 304 when If-None-Match names the current ETag,
// without reading a booking. Never compressed (gzip broke an Outlook
// subscription); private to the subscriber. Each feed is limited on its
// own (the Guard's FeedWait): calendar clients poll every few minutes, so
// a feed fetched far more often is someone else's doing. A token that
// names no live feed is a 404, braked per address by brakeFeedMisses.
func (s *Server) feed(c *fiber.Ctx) error {
	token := c.Params("token")
	if wait := s.guard.FeedWait(c, token); wait > 0 {
		return rateLimited(c, wait, "this feed is fetched too often; retry after the time in Retry-After")
	}
	cond := app.FeedConditions{IfNoneMatch: c.Get(fiber.HeaderIfNoneMatch)}
	if ims := c.Get(fiber.HeaderIfModifiedSince); ims != "" {
		cond.IfModifiedSince, _ = http.ParseTime(ims) // an unreadable date is no condition
	}
	fc, err := s.app.RenderFeed(c.UserContext(), token, cond)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, fc.ETag)
	if !fc.LastModified.IsZero() {
		var buf [len(http.TimeFormat) + 4]byte // the header copies it
		c.Response().Header.SetBytesV(fiber.HeaderLastModified, fc.LastModified.UTC().AppendFormat(buf[:0], http.TimeFormat))
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=900")
	if fc.NotModified {
		return c.SendStatus(http.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	return c.Send(fc.Body)
}

// bookingICS serves one booking as an invitation to download.
func (s *Server) bookingICS(c *fiber.Ctx) error {
	actor, _ := caller(c)
	body, err := s.app.BookingInvite(c.UserContext(), actor, c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8; method="+icsMethod(body))
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="booking-`+c.Params("id")+`.ics"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}

// icsMethod reads the METHOD of a rendered calendar for the Content-Type.
func icsMethod(body []byte) string {
	if strings.Contains(string(body), "\r\nMETHOD:CANCEL\r\n") {
		return "CANCEL"
	}
	return "REQUEST"
}
