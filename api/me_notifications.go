package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

// notificationResponse is a notice in the caller's inbox, in the language
// asked for.
type notificationResponse struct {
	ID           string         `json:"id"`
	At           time.Time      `json:"at"`
	Kind         string         `json:"kind"`
	Title        string         `json:"title"`
	Body         string         `json:"body"`
	Read         bool           `json:"read"`
	BindingID    *string        `json:"binding_id,omitempty"`
	SettlementID *string        `json:"settlement_id,omitempty"`
	Amount       *domain.Amount `json:"amount,omitempty"`
}

// Languages of the notices.
const (
	langZH = "zh"
	langEN = "en"
)

func toNotificationResponse(n db.Notification, lang string) notificationResponse {
	out := notificationResponse{
		ID: formatID(n.ID), At: n.At.In(domain.Beijing), Kind: n.Kind, Title: n.Title, Body: n.Body, Read: n.Read,
		Amount: n.Amount,
	}
	// Notices written before the English text existed have none: they
	// are shown in Chinese.
	if lang == langEN && n.TitleEN != "" && n.BodyEN != "" {
		out.Title, out.Body = n.TitleEN, n.BodyEN
	}
	if n.BindingID.Valid {
		out.BindingID = &n.BindingID.String
	}
	if n.SettlementID.Valid {
		out.SettlementID = &n.SettlementID.String
	}
	return out
}

// noticeLanguage picks the language of the notices: ?lang=en|zh when
// given, else the Accept-Language preference between English and Chinese,
// else Chinese.
func noticeLanguage(c *gin.Context) (string, error) {
	if raw, ok := c.GetQuery("lang"); ok {
		switch raw {
		case langZH, langEN:
			return raw, nil
		}
		return "", domain.EnumError("lang", raw, langZH, langEN)
	}
	return acceptLanguage(c.GetHeader("Accept-Language")), nil
}

// acceptLanguage reads an Accept-Language header ("en-US,en;q=0.9,zh;q=0.5")
// and returns en or zh, whichever has the higher weight; zh when neither
// is named, and the first named on a tie.
func acceptLanguage(header string) string {
	best, bestQ := langZH, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary != langEN && primary != langZH {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// listMyNotifications handles GET /v1/me/notifications[?unread=true][&lang=en]:
// the caller's inbox, newest first.
func (s *server) listMyNotifications(c *gin.Context) error {
	limit, before, err := pageAfterID(c)
	if err != nil {
		return err
	}
	lang, err := noticeLanguage(c)
	if err != nil {
		return err
	}
	f := db.NotificationFilter{Recipient: domain.IDNumber(principal(c).Subject), BeforeID: before, Limit: limit}
	switch raw := c.Query("unread"); raw {
	case "", "false":
	case "true":
		f.UnreadOnly = true
	default:
		return domain.EnumError("unread", raw, "true", "false")
	}
	list, err := s.store.ListNotifications(c, f)
	if err != nil {
		return err
	}
	c.Header("Content-Language", lang)
	c.JSON(http.StatusOK, newPage(list, limit,
		func(n db.Notification) notificationResponse { return toNotificationResponse(n, lang) },
		func(n db.Notification) (time.Time, string) { return n.At, formatID(n.ID) }))
	return nil
}

// readMyNotification handles POST /v1/me/notifications/{id}/read: marks
// one of the caller's notices read and answers it. Anyone else's, or an id
// that is no notice, is NOTIFICATION_NOT_FOUND.
func (s *server) readMyNotification(c *gin.Context) error {
	lang, err := noticeLanguage(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("notification_id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Errorf(domain.CodeNotificationNotFound, "no such notification")
	}
	n, err := s.store.MarkNotificationRead(c, domain.IDNumber(principal(c).Subject), id)
	if err != nil {
		return err
	}
	c.Header("Content-Language", lang)
	c.JSON(http.StatusOK, toNotificationResponse(n, lang))
	return nil
}
