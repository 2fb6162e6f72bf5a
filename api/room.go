package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/metrics"
	"sqi/query"
	"sqi/store"
)

// EventSource reads the events of one room from the chat platform's
// chat_events (SOURCE_DATABASE_URL): store.Source.
type EventSource interface {
	RoomEvents(ctx context.Context, tenantID, roomID string) ([]metrics.Event, error)
}

var _ EventSource = store.Source{}

// RoomBody is the JSON body of GET /v1/tenants/{t}/rooms/{room}.
type RoomBody struct {
	TenantID string                `json:"tenant_id"`
	RoomID   string                `json:"room_id"`
	TimeZone string                `json:"timezone"`
	Hours    string                `json:"hours"`
	Room     json.RawMessage       `json:"room"` // the room's row of the export
	Turns    map[string][]TurnInfo `json:"turns"`
	Events   []EventInfo           `json:"events"`
	Rejects  []RejectInfo          `json:"rejects"`
}

// TurnInfo is one turn of a room: when a message opened it, when the
// answer came (null: unanswered), the agent it counts for and its length
// in seconds on the view's clock (calendar or business time).
type TurnInfo struct {
	OpenedAt   string   `json:"opened_at"`
	AnsweredAt *string  `json:"answered_at"`
	AgentID    *string  `json:"agent_id"`
	Seconds    *float64 `json:"seconds"`
}

// EventInfo is one event of chat_events as the room's facts took it;
// Rejected names the reason when the facts left it out.
type EventInfo struct {
	EventID    int64   `json:"event_id"`
	Type       string  `json:"type"`
	OccurredAt *string `json:"occurred_at"`
	Actor      *string `json:"actor"`
	AgentID    *string `json:"agent_id"`
	TeamID     *string `json:"team_id"`
	Channel    *string `json:"channel"`
	Category   *string `json:"category"`
	Score      *int16  `json:"score"`
	CreatedAt  string  `json:"created_at"`
	Rejected   *string `json:"rejected"`
}

// RejectInfo is a reject of the room: a rejected event (event_id) or the
// room's contradiction (event_id null).
type RejectInfo struct {
	EventID *int64 `json:"event_id"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail"`
}

// getRoom answers GET /v1/tenants/{t}/rooms/{room}: one room's facts (its
// row of the export, under the tenant's configuration and hours), its
// turns, its events from chat_events in the order the facts take them, and
// its rejects: the timeline of the drill-down.
func (s *Server) getRoom(c *gin.Context) {
	v, err := queryParams(c, "hours")
	if err != nil {
		s.problem(c, err)
		return
	}
	hours := v.Get("hours")
	if _, given := v["hours"]; given && hours != metrics.HoursAll && hours != metrics.HoursBusiness {
		s.problem(c, &query.ParamError{Param: "hours", Detail: "hours " + quote(hours) + ": use all (every second counts) or business (only the tenant's business hours count); leave it out for the tenant's setting"})
		return
	}
	id, roomID := c.Param("tenant"), c.Param("room")
	noRoom := &Error{Status: http.StatusNotFound, Type: "not-found", Param: "room",
		Detail: "no room " + quote(roomID) + " in tenant " + id + ": GET /v1/tenants/" + id + "/rooms lists its rooms (a room id with / or % in it is sent percent-encoded)"}
	if !metrics.ValidRoomID(roomID) {
		s.problem(c, noRoom)
		return
	}
	cfg := &tenantOf(c).Config
	if hours != "" {
		c := cfg.WithHours(hours)
		cfg = &c
	}
	ctx := c.Request.Context()
	room, err := s.read.Room(ctx, id, roomID)
	if errors.Is(err, store.ErrNotFound) {
		s.problem(c, noRoom)
		return
	}
	if err != nil {
		s.problem(c, err)
		return
	}
	rejects, err := s.read.RoomRejects(ctx, id, roomID)
	if err != nil {
		s.problem(c, err)
		return
	}
	var events []metrics.Event
	if s.events != nil {
		if events, err = s.events.RoomEvents(ctx, id, roomID); err != nil {
			s.problem(c, err)
			return
		}
	}
	loc := cfg.Location()
	instant := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.In(loc).Format(export.TimeLayout)
		return &s
	}
	text := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	view := metrics.NewView(cfg)
	table := export.RoomTable(cfg)
	body := RoomBody{TenantID: id, RoomID: roomID, TimeZone: cfg.TimeZone, Hours: cfg.Hours,
		Room:   table.AppendJSON(nil, export.RoomCells(nil, view, &room)),
		Turns:  map[string][]TurnInfo{},
		Events: []EventInfo{}, Rejects: []RejectInfo{}}
	clock := cfg.Clock()
	for i := range metrics.TurnSets {
		ts := metrics.TurnSets[i]
		list := []TurnInfo{}
		for _, t := range *ts.Turns(&room) {
			ti := TurnInfo{OpenedAt: *instant(t.OpenedAt), AnsweredAt: instant(t.AnsweredAt), AgentID: text(t.Agent)}
			if t.Answered() {
				secs := metrics.Secs(t.Micros(clock))
				ti.Seconds = &secs
			}
			list = append(list, ti)
		}
		body.Turns[ts.Name] = list
	}
	rejected := map[int64]string{}
	for _, r := range rejects {
		ri := RejectInfo{Reason: r.Reason, Detail: r.Detail}
		if r.EventID != 0 {
			id := r.EventID
			ri.EventID = &id
			rejected[id] = r.Reason
		}
		body.Rejects = append(body.Rejects, ri)
	}
	for _, e := range events {
		ei := EventInfo{EventID: e.EventID, Type: e.Type, OccurredAt: instant(e.OccurredAt), Actor: text(e.Actor),
			AgentID: text(e.AgentID), TeamID: text(e.TeamID), Channel: text(e.Channel), Category: text(e.Category),
			CreatedAt: e.CreatedAt.In(loc).Format(export.TimeLayout)}
		if e.Score != 0 {
			sc := e.Score
			ei.Score = &sc
		}
		if reason, ok := rejected[e.EventID]; ok {
			ei.Rejected = &reason
		}
		body.Events = append(body.Events, ei)
	}
	c.JSON(http.StatusOK, body)
}
