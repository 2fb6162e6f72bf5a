package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// AlertsReader reads the alerts' states and history; *store.DB is one.
type AlertsReader interface {
	AlertStates(ctx context.Context, tenantID string) ([]store.AlertState, error)
	AlertHistory(ctx context.Context, tenantID string, limit int) ([]store.AlertNotification, error)
}

var _ AlertsReader = (*store.DB)(nil)

// Bounds of the history of GET /alerts.
const (
	defaultAlertHistory = 50
	maxAlertHistory     = 500
)

// AlertsBody is the body of GET /v1/tenants/{t}/alerts (docs/api.md).
type AlertsBody struct {
	TenantID      string              `json:"tenant_id"`
	Timezone      string              `json:"timezone"`
	Rules         []AlertRuleState    `json:"rules"`
	Notifications []AlertNotification `json:"notifications"`
}

// AlertRuleState is a configured rule with its state: "ok" or "firing"
// since an instant; value is the last evaluation's (null: no verdict, or
// not evaluated yet), rooms the rooms of its window (null for a now
// metric), evaluated_at the data's instant of that evaluation.
type AlertRuleState struct {
	Name        string   `json:"name"`
	Metric      string   `json:"metric"`
	Window      *string  `json:"window"`
	Op          string   `json:"op"`
	Threshold   float64  `json:"threshold"`
	MinRooms    int      `json:"min_rooms"`
	State       string   `json:"state"`
	Value       *float64 `json:"value"`
	Rooms       *int     `json:"rooms"`
	Since       *string  `json:"since"`
	EvaluatedAt *string  `json:"evaluated_at"`
}

// AlertNotification is one change of state that was notified, with its
// deliveries.
type AlertNotification struct {
	ID         int64           `json:"id"`
	Rule       string          `json:"rule"`
	State      string          `json:"state"`
	Metric     string          `json:"metric"`
	Window     *string         `json:"window"`
	Op         string          `json:"op"`
	Value      *float64        `json:"value"`
	Threshold  float64         `json:"threshold"`
	AsOf       string          `json:"as_of"`
	Text       string          `json:"text"`
	CreatedAt  string          `json:"created_at"`
	Deliveries []AlertDelivery `json:"deliveries"`
}

// AlertDelivery is the delivery of a notification to one destination:
// an e-mail address, or a webhook whose URL is shown redacted.
type AlertDelivery struct {
	ID            string  `json:"id"`
	Channel       string  `json:"channel"`
	Destination   string  `json:"destination"`
	Status        string  `json:"status"`
	Attempts      int     `json:"attempts"`
	LastError     *string `json:"last_error"`
	NextAttemptAt *string `json:"next_attempt_at"`
	SentAt        *string `json:"sent_at"`
	UpdatedAt     string  `json:"updated_at"`
}

// getAlerts answers GET /v1/tenants/{t}/alerts: every configured rule
// with its state, and the latest notifications (limit, 50 by default)
// with the status of each delivery.
func (s *Server) getAlerts(c *gin.Context) {
	v, err := queryParams(c, "limit")
	if err != nil {
		s.problem(c, err)
		return
	}
	limit := defaultAlertHistory
	if raw, ok := v["limit"]; ok {
		n, err := strconv.Atoi(raw[0])
		if err != nil || n < 1 || n > maxAlertHistory {
			s.problem(c, &query.ParamError{Param: "limit", Detail: fmt.Sprintf("limit %s: give the number of notifications to list, 1 to %d", quote(raw[0]), maxAlertHistory)})
			return
		}
		limit = n
	}
	if s.alerts == nil {
		s.problem(c, &Error{Status: http.StatusInternalServerError, Type: "internal", Detail: "the server has no alert store"})
		return
	}
	cfg := &tenantOf(c).Config
	ctx := c.Request.Context()
	states, err := s.alerts.AlertStates(ctx, cfg.TenantID)
	if err != nil {
		s.problem(c, err)
		return
	}
	history, err := s.alerts.AlertHistory(ctx, cfg.TenantID, limit)
	if err != nil {
		s.problem(c, err)
		return
	}
	b, _ := json.Marshal(alertsBody(cfg, states, history))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, contentTypeJSON, append(b, '\n'))
}

func alertsBody(cfg *metrics.Config, states []store.AlertState, history []store.AlertNotification) AlertsBody {
	loc := cfg.Location()
	at := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	opt := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := at(t)
		return &s
	}
	optText := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	body := AlertsBody{TenantID: cfg.TenantID, Timezone: cfg.TimeZone, Rules: []AlertRuleState{}, Notifications: []AlertNotification{}}
	byRule := make(map[string]store.AlertState, len(states))
	for _, st := range states {
		byRule[st.Rule] = st
	}
	if cfg.Alerts != nil {
		for _, r := range cfg.Alerts.Rules {
			rs := AlertRuleState{Name: r.Name, Metric: r.Metric, Window: optText(r.Window), Op: r.Op, Threshold: r.Threshold,
				MinRooms: r.MinRooms, State: store.AlertOK}
			if st, ok := byRule[r.Name]; ok {
				rs.State, rs.Value, rs.Rooms, rs.Since, rs.EvaluatedAt = st.State, st.Value, st.Rooms, opt(st.Since), opt(st.AsOf)
			}
			body.Rules = append(body.Rules, rs)
		}
	}
	for _, n := range history {
		an := AlertNotification{ID: n.ID, Rule: n.Rule, State: n.State, Metric: n.Metric, Window: optText(n.Window), Op: n.Op,
			Value: n.Value, Threshold: n.Threshold, AsOf: at(n.AsOf), Text: n.Text, CreatedAt: at(n.CreatedAt), Deliveries: []AlertDelivery{}}
		for _, d := range n.Deliveries {
			dest := d.Destination
			if d.Channel == store.ChannelWebhook {
				dest = metrics.RedactURL(dest)
			}
			ad := AlertDelivery{ID: d.ID, Channel: d.Channel, Destination: dest, Status: d.Status, Attempts: d.Attempts,
				LastError: optText(d.LastError), SentAt: opt(d.SentAt), UpdatedAt: at(d.UpdatedAt)}
			if d.Status == store.DeliveryRetry || d.Status == store.DeliveryPending {
				ad.NextAttemptAt = opt(d.NextAttemptAt)
			}
			an.Deliveries = append(an.Deliveries, ad)
		}
		body.Notifications = append(body.Notifications, an)
	}
	return body
}
