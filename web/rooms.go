package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"sqi/api"
	"sqi/metrics"
)

// The drill-down: the Rooms page lists the rooms of /rooms for a range
// and the filters of the API (a page at a time, with the API's cursor),
// and a room's page shows /rooms/{room}: its facts, its turns, its events
// in order and its rejects.

// roomParams are the API's parameters of /rooms that the page passes on.
var roomParams = []string{"from", "to", "hours", "agent_id", "team_id", "channel", "category", "outcome", "wait_gt", "score_lte", "in_hours"}

// roomColumns are the fields of the list (the room export's names).
var roomColumns = []string{"room_id", "opened_at", "agent_id", "team_id", "channel", "category", "outcome", "wait_s",
	"first_response_s", "handle_s", "reply_avg_s", "score", "transfers"}

// roomPageSize is the rooms of one page.
const roomPageSize = 100

// outcomeValues are the values of the outcome filter, as the API takes
// them.
var outcomeValues = []string{"", metrics.OutcomeBotOnly, metrics.OutcomeAnswered, metrics.OutcomeAbandoned, metrics.OutcomeShortAbandoned,
	"dropped", "open", metrics.OutcomeWaiting, metrics.OutcomeInvalid}

type roomsBody struct {
	TenantID   string   `json:"tenant_id"`
	From       string   `json:"from"`
	To         string   `json:"to"`
	TimeZone   string   `json:"timezone"`
	Rooms      []apiRow `json:"rooms"`
	NextCursor *string  `json:"next_cursor"`
}

type roomsView struct {
	Base     string
	Form     map[string]string
	Errors   map[string]string
	Outcomes []option
	InHours  []option
	Hours    []option
	Range    string
	Table    *table
	Next     string
	First    string
	Downs    []download
	Trends   string
}

// fieldText is a room field's value as the page shows it.
func fieldText(name string, raw json.RawMessage, lang string) string {
	tx := texts[lang]
	if len(raw) == 0 || string(raw) == "null" {
		return "–"
	}
	f, ok := metrics.RoomFieldByName(name)
	if !ok {
		return text(raw)
	}
	switch f.Kind {
	case metrics.FieldTime:
		return formatInstant(text(raw), lang)
	case metrics.FieldDate:
		return formatDateText(text(raw), lang)
	case metrics.FieldSeconds:
		return formatNumber(number(raw), kindSeconds, lang)
	case metrics.FieldCount:
		return formatNumber(number(raw), kindCount, lang)
	case metrics.FieldFloat:
		return formatNumber(number(raw), kindPoints, lang)
	case metrics.FieldBool:
		if string(raw) == "true" {
			return tx["yes"]
		}
		return tx["no"]
	}
	s := text(raw)
	switch name {
	case "outcome", "state":
		if l, ok := tx["outcome_"+s]; ok {
			return l
		}
	}
	return s
}

func fieldLabel(name, lang string) string {
	if f, ok := metrics.RoomFieldByName(name); ok {
		return f.Label(lang)
	}
	return name
}

func fieldDef(name, lang string) string {
	if f, ok := metrics.RoomFieldByName(name); ok {
		return f.Definition(lang)
	}
	return ""
}

// roomsPage is GET /t/{tenant}/rooms.
func (a *App) roomsPage(c *gin.Context) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	tx := texts[lang]
	q := c.Request.URL.Query()
	form := map[string]string{}
	apiQ := url.Values{}
	for _, p := range roomParams {
		if vals, ok := q[p]; ok {
			form[p] = vals[0]
			if vals[0] != "" || slices.Contains([]string{"agent_id", "team_id", "channel", "category"}, p) {
				apiQ.Set(p, vals[0])
			}
		}
	}
	// A filter left empty in the form means no filter; an empty group
	// from a drill-down (nofilter absent) means the rooms without one.
	if q.Get("form") == "1" {
		for _, p := range []string{"agent_id", "team_id", "channel", "category"} {
			if apiQ.Get(p) == "" {
				apiQ.Del(p)
			}
		}
	}
	if _, ok := form["from"]; !ok {
		r := presetRanges(a.today(&t.Config))[1]
		form["from"], form["to"] = r[1], r[2]
		apiQ.Set("from", r[1])
		apiQ.Set("to", r[2])
	}
	v := &roomsView{Base: t.Base, Form: form, Errors: map[string]string{}}
	for _, o := range outcomeValues {
		l := tx["any"]
		if o != "" {
			l = tx["outcome_"+o]
		}
		v.Outcomes = append(v.Outcomes, option{o, l, form["outcome"] == o})
	}
	for _, o := range []string{"", "true", "false"} {
		l := map[string]string{"": tx["any"], "true": tx["yes"], "false": tx["no"]}[o]
		v.InHours = append(v.InHours, option{o, l, form["in_hours"] == o})
	}
	for _, h := range []string{"", metrics.HoursAll, metrics.HoursBusiness} {
		l := tx["hours_default"]
		if h != "" {
			l = tx["hours_"+h]
		}
		v.Hours = append(v.Hours, option{h, l, form["hours"] == h})
	}
	pageQ := url.Values{}
	for k, vals := range apiQ {
		pageQ[k] = vals
	}
	pageQ.Set("limit", strconv.Itoa(roomPageSize))
	if cur := q.Get("cursor"); cur != "" {
		pageQ.Set("cursor", cur)
	}
	var body roomsBody
	err := a.get(c, s, tenantPath(t.ID, "rooms"), pageQ, &body)
	if e, ok := asAPIError(err); ok && e.Status == http.StatusBadRequest && e.Param == "cursor" {
		// A page link of other dates or filters (edited, or an old
		// bookmark): the first page of these, and a word on why.
		pageQ.Del("cursor")
		q.Del("cursor")
		v.Errors[""] = tx["cursorRefused"]
		body = roomsBody{}
		err = a.get(c, s, tenantPath(t.ID, "rooms"), pageQ, &body)
	}
	if e, ok := asAPIError(err); ok && e.Status == http.StatusBadRequest {
		v.Errors[e.Param] = e.Detail
		a.render(c, http.StatusBadRequest, "rooms", &page{Title: "roomsTitle", Body: v, Nav: "rooms"})
		return
	}
	if err != nil {
		a.fail(c, err)
		return
	}
	v.Range = formatDateText(body.From, lang) + " – " + formatDateText(body.To, lang)
	tb := &table{Caption: tx["roomsTable"], Total: len(body.Rooms)}
	for _, col := range roomColumns {
		_, numeric := map[string]bool{"wait_s": true, "first_response_s": true, "handle_s": true, "reply_avg_s": true, "score": true, "transfers": true}[col]
		tb.Cols = append(tb.Cols, column{Name: col, Label: fieldLabel(col, lang), Def: fieldDef(col, lang), Numeric: numeric})
	}
	for _, r := range body.Rooms {
		row := tableRow{}
		for _, col := range roomColumns {
			cell := tableCell{Raw: cellRaw(r[col]), Text: fieldText(col, r[col], lang), Num: tb.Cols[len(row.Cells)].Numeric}
			if col == "room_id" {
				rq := url.Values{}
				if h := form["hours"]; h != "" {
					rq.Set("hours", h)
				}
				cell.Link = withQuery(t.Base+"/rooms/"+pathEscape(text(r[col])), rq)
			}
			row.Cells = append(row.Cells, cell)
		}
		tb.Rows = append(tb.Rows, row)
	}
	v.Table = tb
	self := url.Values{}
	for k, vals := range apiQ {
		self[k] = vals
	}
	if body.NextCursor != nil {
		nq := url.Values{}
		for k, vals := range self {
			nq[k] = vals
		}
		nq.Set("cursor", *body.NextCursor)
		v.Next = withQuery(t.Base+"/rooms", nq)
	}
	if q.Get("cursor") != "" {
		v.First = withQuery(t.Base+"/rooms", self)
	}
	v.Downs = downloads(t.Base+"/download/rooms", self, lang)
	tq := url.Values{"from": {body.From}, "to": {body.To}}
	v.Trends = withQuery(t.Base+"/trends", tq)
	a.render(c, http.StatusOK, "rooms", &page{Title: "roomsTitle", Body: v, Nav: "rooms"})
}

type roomView struct {
	Base    string
	RoomID  string
	Hours   string
	Facts   []tile
	Turns   []turnList
	Events  []eventView
	Rejects []rejectView
	Back    string
}

type turnList struct {
	Name, Label string
	Turns       []turnView
}

type turnView struct {
	Opened, Answered, Agent, Seconds string
	Unanswered                       bool
}

type eventView struct {
	ID                                                     int64
	At, Type, Actor, Agent, Team, Channel, Category, Score string
	Rejected                                               string
	Raw                                                    string
}

type rejectView struct {
	Event  string
	Reason string
	Detail string
}

// roomPage is GET /t/{tenant}/rooms/{room}: the room's timeline.
func (a *App) roomPage(c *gin.Context) {
	s, t := sessionOf(c), tenantOf(c)
	lang := a.lang(c, t.Config.Locale)
	tx := texts[lang]
	roomID := c.Param("room")
	q := url.Values{}
	if h := c.Query("hours"); h != "" {
		q.Set("hours", h)
	}
	var body api.RoomBody
	if err := a.get(c, s, tenantPath(t.ID, "rooms", url.PathEscape(roomID)), q, &body); err != nil {
		a.fail(c, err)
		return
	}
	v := &roomView{Base: t.Base, RoomID: body.RoomID, Hours: body.Hours, Back: t.Base + "/rooms"}
	var facts map[string]json.RawMessage
	_ = json.Unmarshal(body.Room, &facts)
	for _, f := range metrics.ExportFields {
		raw, ok := facts[f.Name]
		if !ok {
			continue
		}
		v.Facts = append(v.Facts, tile{Name: f.Name, Label: f.Label(lang), Def: f.Definition(lang), Raw: cellRaw(raw), Text: fieldText(f.Name, raw, lang)})
	}
	for _, ts := range metrics.TurnSets {
		list := turnList{Name: ts.Name, Label: tx["turns_"+ts.Name]}
		for _, tu := range body.Turns[ts.Name] {
			tv := turnView{Opened: formatInstant(tu.OpenedAt, lang), Unanswered: tu.AnsweredAt == nil}
			if tu.AnsweredAt != nil {
				tv.Answered = formatInstant(*tu.AnsweredAt, lang)
			}
			if tu.AgentID != nil {
				tv.Agent = *tu.AgentID
			}
			tv.Seconds = formatNumber(tu.Seconds, kindSeconds, lang)
			list.Turns = append(list.Turns, tv)
		}
		v.Turns = append(v.Turns, list)
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for _, e := range body.Events {
		ev := eventView{ID: e.EventID, Type: labelOr(tx, "event_"+e.Type, e.Type), Actor: labelOr(tx, "actor_"+str(e.Actor), str(e.Actor)),
			Agent: str(e.AgentID), Team: str(e.TeamID), Channel: str(e.Channel), Category: str(e.Category), Raw: e.Type}
		if e.OccurredAt != nil {
			ev.At = formatInstant(*e.OccurredAt, lang)
		}
		if e.Score != nil {
			ev.Score = strconv.Itoa(int(*e.Score))
		}
		if e.Rejected != nil {
			ev.Rejected = labelOr(tx, "reason_"+*e.Rejected, *e.Rejected)
		}
		v.Events = append(v.Events, ev)
	}
	for _, r := range body.Rejects {
		rv := rejectView{Reason: labelOr(tx, "reason_"+r.Reason, r.Reason), Detail: r.Detail}
		if r.EventID != nil {
			rv.Event = strconv.FormatInt(*r.EventID, 10)
		}
		v.Rejects = append(v.Rejects, rv)
	}
	if ref := c.Request.Referer(); ref != "" {
		if u, err := url.Parse(ref); err == nil && u.Host == c.Request.Host && u.Path == t.Base+"/rooms" {
			v.Back = u.RequestURI()
		}
	}
	a.render(c, http.StatusOK, "room", &page{Title: "roomTitle", Body: v, Nav: "rooms"})
}

// labelOr is the text of key, or def when the texts have none (an id of
// the feed that no text names).
func labelOr(tx map[string]string, key, def string) string {
	if s, ok := tx[key]; ok {
		return s
	}
	return def
}
