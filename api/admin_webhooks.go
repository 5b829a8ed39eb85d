package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"gongji/db"
	"gongji/domain"
)

// webhookResponse is a message of the webhook outbox as an admin sees it.
type webhookResponse struct {
	ID                string          `json:"id"`
	NotificationID    string          `json:"notification_id"`
	RecipientIDNumber string          `json:"recipient_id_number"`
	Status            string          `json:"status"`
	Attempts          int             `json:"attempts"`
	NextAttemptAt     time.Time       `json:"next_attempt_at"`
	LastError         string          `json:"last_error"`
	CreatedAt         time.Time       `json:"created_at"`
	DeliveredAt       *time.Time      `json:"delivered_at"`
	ParkedAt          *time.Time      `json:"parked_at"`
	Payload           json.RawMessage `json:"payload"`
}

func beijing(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	b := t.In(domain.Beijing)
	return &b
}

func toWebhookResponse(m db.OutboxMessage) webhookResponse {
	return webhookResponse{
		ID: formatID(m.ID), NotificationID: formatID(m.NotificationID), RecipientIDNumber: m.Recipient,
		Status: m.Status, Attempts: m.Attempts, NextAttemptAt: m.NextAttemptAt.In(domain.Beijing), LastError: m.LastError,
		CreatedAt: m.CreatedAt.In(domain.Beijing), DeliveredAt: beijing(m.DeliveredAt), ParkedAt: beijing(m.ParkedAt),
		Payload: json.RawMessage(m.Payload),
	}
}

// listParkedWebhooks handles GET /v1/admin/webhooks/parked: the messages
// that failed every attempt, newest first.
func (s *server) listParkedWebhooks(c *gin.Context) error {
	limit, before, err := pageAfterID(c)
	if err != nil {
		return err
	}
	list, err := s.store.ParkedWebhooks(c, before, limit)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, newPage(list, limit, toWebhookResponse,
		func(m db.OutboxMessage) (time.Time, string) { return m.CreatedAt, formatID(m.ID) }))
	return nil
}

// replayWebhook handles POST /v1/admin/webhooks/{webhook_id}/replay: a
// parked message goes back to pending with its attempts reset and is due
// at once.
func (s *server) replayWebhook(c *gin.Context) error {
	id, err := strconv.ParseInt(c.Param("webhook_id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Errorf(domain.CodeWebhookNotFound, "no such webhook message")
	}
	m, err := s.store.ReplayWebhook(c, id)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, toWebhookResponse(m))
	return nil
}
