package metrics

import (
	"math"
	"time"
)

// The shape of a room is declared once, here: RoomFields lists every field
// of a room with its name (the same in SQL, JSON, CSV, Arrow, Parquet and
// Excel), its kind, its labels and its definition, and how to read it from a
// Room. The room_facts columns, the Arrow schema of the room blocks, the
// columns of the room export (/rooms) and the Rooms sheet of the reports all
// iterate it; nothing refers to a room column by position. Adding a fact is
// one entry here and one migration.

// FieldKind is the type of a room field or table column.
type FieldKind uint8

// Field kinds. Each says which member of a Cell holds the value.
const (
	FieldText      FieldKind = iota // S; "" is null
	FieldTime                       // T, an instant; the zero time is null
	FieldDate                       // T, a local date at midnight UTC
	FieldLocalTime                  // T, a local wall-clock time held as UTC
	FieldSeconds                    // F, a duration or mean in seconds
	FieldFloat                      // F, any other measure
	FieldCount                      // I, an integer
	FieldBool                       // B
)

// Cell is one value of a field or a table column: null, or the member its
// kind uses.
type Cell struct {
	Null bool
	S    string
	T    time.Time
	F    float64
	I    int64
	B    bool
}

// TextCell, TimeCell, SecondsCell and CountCell make cells; the empty
// string, the zero time and NaN are null.
func TextCell(s string) Cell { return Cell{Null: s == "", S: s} }

// TimeCell is the cell of an instant.
func TimeCell(t time.Time) Cell { return Cell{Null: t.IsZero(), T: t} }

// SecondsCell is the cell of a duration.
func SecondsCell(v float64) Cell {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return Cell{Null: true}
	}
	return Cell{F: v}
}

// CountCell is the cell of an integer.
func CountCell(n int) Cell { return Cell{I: int64(n)} }

// BoolCell is the cell of a yes/no value.
func BoolCell(b bool) Cell { return Cell{B: b} }

// RoomField is one field of a room.
type RoomField struct {
	Name             string
	Kind             FieldKind
	LabelEN, LabelKO string
	DefEN, DefKO     string

	// Stored: a column of room_facts. Block: a column of the room blocks
	// that queries read. Export: a column of the room export and the
	// Rooms sheet.
	Stored, Block, Export bool
	// Measure: the export leaves it null for a contradictory room, which
	// counts in rooms only.
	Measure bool
	// Required: a stored fact that is never null.
	Required bool

	// A stored fact is read and written through exactly one of these,
	// as its kind says (FieldCount through count, or score: an int16
	// whose 0 is null).
	text    func(*Room) *string
	instant func(*Room) *time.Time
	seconds func(*Room) *float64
	count   func(*Room) *int
	score   func(*Room) *int16
	flag    func(*Room) *bool

	// derived computes an exported field that is not a stored fact, or
	// one whose export differs from the stored value.
	derived func(*Room, *View) Cell
}

// A View is how rooms are shown under a tenant's configuration: its time
// zone and thresholds, and the clocks that measure durations (calendar or
// business time, as the configuration's Hours says) and tell business
// hours. A view caches; use one per goroutine.
type View struct {
	Config      *Config
	clock, open Clock

	// The turn summary of the room being exported, computed once for the
	// five columns that show it (Begin starts a room).
	summary turnSummary
	done    bool
}

type turnSummary struct {
	replies, unanswered, customer int
	replyAvg, customerAvg         float64
}

// Begin starts the export of a room: what the view computed for the
// previous one is forgotten (rooms are often the same reused value).
func (v *View) Begin() { v.done = false }

func (v *View) turns(r *Room) *turnSummary {
	if !v.done {
		s := &v.summary
		s.replies, s.unanswered, s.replyAvg = r.ReplyTurns(v.clock)
		s.customer, s.customerAvg = r.CustomerReplyTurns(v.clock)
		v.done = true
	}
	return &v.summary
}

// NewView returns a view of rooms under c.
func NewView(c *Config) *View { return &View{Config: c, clock: c.Clock(), open: c.OpenClock()} }

// Seconds is duration d of r on the view's clock, NaN when r has none.
func (v *View) Seconds(r *Room, d int) float64 { return r.Seconds(d, v.clock) }

// RoomFields is the room, in the order of the export's columns.
var RoomFields = []RoomField{
	{Name: "tenant_id", Required: true, Kind: FieldText, LabelEN: "Tenant", LabelKO: "고객사",
		DefEN: "The client company the room belongs to.", DefKO: "상담방이 속한 고객사.",
		Stored: true, Export: true, text: func(r *Room) *string { return &r.TenantID }},
	{Name: "room_id", Required: true, Kind: FieldText, LabelEN: "Room", LabelKO: "상담방",
		DefEN: "The room's id in the chat platform.", DefKO: "채팅 플랫폼의 상담방 ID.",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.RoomID }},
	{Name: "day", Kind: FieldDate, LabelEN: "Day", LabelKO: "날짜",
		DefEN:  "The local date of opened_at in the tenant's time zone: the day the room counts in.",
		DefKO:  "고객사 시간대 기준 opened_at의 날짜: 상담방이 집계되는 날.",
		Export: true, derived: func(r *Room, v *View) Cell { return Cell{T: LocalDate(r.OpenedAt, v.Config.Location())} }},
	{Name: "opened_at", Required: true, Kind: FieldTime, LabelEN: "Opened", LabelKO: "생성",
		DefEN:  "room_opened (the room's earliest event if that is missing).",
		DefKO:  "room_opened 시각 (없으면 상담방의 가장 이른 이벤트).",
		Stored: true, Block: true, Export: true, instant: func(r *Room) *time.Time { return &r.OpenedAt }},
	{Name: "queued_at", Kind: FieldTime, LabelEN: "Queued", LabelKO: "대기열 진입",
		DefEN: "The first queued event; empty for a bot-only room.", DefKO: "첫 queued 이벤트; 봇 전용 상담방은 비어 있음.",
		Stored: true, Block: true, Export: true, instant: func(r *Room) *time.Time { return &r.QueuedAt }},
	{Name: "assigned_at", Kind: FieldTime, LabelEN: "Assigned", LabelKO: "배정",
		DefEN: "The first agent_assigned at or after queued_at.", DefKO: "queued_at 이후 첫 agent_assigned.",
		Stored: true, Block: true, Export: true, instant: func(r *Room) *time.Time { return &r.AssignedAt }},
	{Name: "closed_at", Kind: FieldTime, LabelEN: "Closed", LabelKO: "종료",
		DefEN: "The last room_closed; empty while the room is open.", DefKO: "마지막 room_closed; 진행 중이면 비어 있음.",
		Stored: true, Block: true, Export: true, instant: func(r *Room) *time.Time { return &r.ClosedAt }},
	{Name: "first_response_at", Kind: FieldTime, LabelEN: "First agent message", LabelKO: "첫 상담원 메시지",
		DefEN: "The first agent message: first_response_s ends here.", DefKO: "첫 상담원 메시지: first_response_s가 끝나는 시각.",
		Stored: true, Block: true, instant: func(r *Room) *time.Time { return &r.FirstAgentAt }},
	{Name: "assigned_response_at", Kind: FieldTime, LabelEN: "First reply after assignment", LabelKO: "배정 후 첫 메시지",
		DefEN: "The first agent message at or after assigned_at: assigned_response_s ends here.", DefKO: "assigned_at 이후 첫 상담원 메시지: assigned_response_s가 끝나는 시각.",
		Stored: true, Block: true, instant: func(r *Room) *time.Time { return &r.AssignedReplyAt }},
	{Name: "wrapup_at", Kind: FieldTime, LabelEN: "Wrap-up done", LabelKO: "후처리 완료",
		DefEN: "The first wrapup_done at or after closed_at: wrapup_s ends here.", DefKO: "closed_at 이후 첫 wrapup_done: wrapup_s가 끝나는 시각.",
		Stored: true, Block: true, instant: func(r *Room) *time.Time { return &r.WrapupAt }},
	{Name: "state", Kind: FieldText, LabelEN: "State", LabelKO: "상태",
		DefEN:  "Where the last queued, transferred or agent_assigned event put the room: waiting (in a queue) or in_progress (with an agent).",
		DefKO:  "마지막 queued, transferred, agent_assigned 이벤트 기준 상태: waiting (대기열) 또는 in_progress (상담 중).",
		Stored: true, Block: true, text: func(r *Room) *string { return &r.State }},
	{Name: "state_at", Kind: FieldTime, LabelEN: "State since", LabelKO: "상태 시작",
		DefEN: "The event that set state: a waiting room has waited since then.", DefKO: "상태를 정한 이벤트의 시각: 대기 중인 상담방은 이때부터 대기.",
		Stored: true, Block: true, instant: func(r *Room) *time.Time { return &r.StateAt }},
	{Name: "agent_id", Kind: FieldText, LabelEN: "Agent", LabelKO: "상담원",
		DefEN:  "The room's agent: of the last agent_assigned or agent-bearing transferred.",
		DefKO:  "상담방의 담당 상담원: 마지막 agent_assigned 또는 상담원이 지정된 transferred.",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.Agent }},
	{Name: "team_id", Kind: FieldText, LabelEN: "Team", LabelKO: "팀",
		DefEN: "The team of the first queued event.", DefKO: "첫 queued 이벤트의 팀.",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.Team }},
	{Name: "channel", Kind: FieldText, LabelEN: "Channel", LabelKO: "채널",
		DefEN: "The channel of room_opened (web, app, kakao, naver...).", DefKO: "room_opened의 채널 (web, app, kakao, naver 등).",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.Channel }},
	{Name: "category", Kind: FieldText, LabelEN: "Category", LabelKO: "상담 유형",
		DefEN: "The last category the room's events give.", DefKO: "상담방 이벤트의 마지막 상담 유형.",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.Category }},
	{Name: "outcome", Kind: FieldText, LabelEN: "Outcome", LabelKO: "결과",
		DefEN:  "bot_only (never queued), answered (queued and assigned), abandoned or short_abandoned (queued, closed before any assignment), waiting (queued, neither assigned nor closed yet) or invalid (contradictory times: counts in rooms only).",
		DefKO:  "bot_only (대기열 미진입), answered (대기열 진입 후 배정), abandoned 또는 short_abandoned (배정 전 종료), waiting (아직 배정도 종료도 되지 않음), invalid (시각이 모순: 전체 상담방에만 집계).",
		Export: true, derived: func(r *Room, v *View) Cell { return Cell{S: r.Outcome(v.Config)} }},
	{Name: "in_hours", Kind: FieldBool, LabelEN: "In business hours", LabelKO: "운영 시간 내",
		DefEN:  "Whether opened_at fell in the tenant's business hours (always true without business hours).",
		DefKO:  "opened_at이 고객사 운영 시간 안이었는지 (운영 시간 설정이 없으면 항상 true).",
		Export: true, derived: func(r *Room, v *View) Cell { return BoolCell(v.open.Open(r.OpenedAt)) }},
	{Name: "bot_only", Kind: FieldBool, LabelEN: "Bot only", LabelKO: "봇 전용",
		DefEN: "The room never entered a queue for a human agent.", DefKO: "상담원 대기열에 들어가지 않은 상담방.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(!r.Queued()) }},
	{Name: "queued", Kind: FieldBool, LabelEN: "Queued", LabelKO: "대기열 진입",
		DefEN: "The room entered a team's queue.", DefKO: "팀 대기열에 들어간 상담방.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(r.Queued()) }},
	{Name: "answered", Kind: FieldBool, LabelEN: "Answered", LabelKO: "응대",
		DefEN: "Queued and assigned to an agent.", DefKO: "대기열 진입 후 상담원에게 배정됨.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(r.Answered()) }},
	{Name: "abandoned", Kind: FieldBool, LabelEN: "Abandoned", LabelKO: "배정 전 포기",
		DefEN:  "Queued, closed before any assignment, at least short_abandon_s after queueing.",
		DefKO:  "대기열 진입 후 배정 전에 종료되었고, 대기 시간이 단기 포기 기준 이상.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(r.Outcome(v.Config) == OutcomeAbandoned) }},
	{Name: "short_abandoned", Kind: FieldBool, LabelEN: "Short abandon", LabelKO: "단기 포기",
		DefEN:  "Queued and closed before any assignment within short_abandon_s of queueing.",
		DefKO:  "대기열 진입 후 단기 포기 기준 시간 안에 배정 없이 종료.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(r.Outcome(v.Config) == OutcomeShortAbandoned) }},
	{Name: "answered_in_sl", Kind: FieldBool, LabelEN: "Answered in SL", LabelKO: "목표시간 내 응대",
		DefEN: "Answered with a wait of at most sl_threshold_s.", DefKO: "대기 시간이 서비스 레벨 기준 이하로 응대됨.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return BoolCell(r.AnsweredInSL(v.Config, v.clock)) }},
	{Name: "dropped", Kind: FieldBool, LabelEN: "Dropped", LabelKO: "배정 후 포기",
		DefEN:  "Answered and closed with no agent message at or after assigned_at; empty unless the room was answered and closed.",
		DefKO:  "배정 후 상담원 메시지 없이 종료됨; 응대 후 종료된 상담방만 값이 있음.",
		Stored: true, Block: true, Export: true, Measure: true, flag: func(r *Room) *bool { return &r.Dropped },
		derived: func(r *Room, v *View) Cell {
			if !r.Answered() || !r.Closed() {
				return Cell{Null: true}
			}
			return BoolCell(r.Dropped)
		}},
	{Name: "wait_s", Kind: FieldSeconds, LabelEN: "Wait", LabelKO: "대기 시간",
		DefEN: "assigned_at − queued_at of an answered room.", DefKO: "응대된 상담방의 assigned_at − queued_at.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(v.Seconds(r, DWait)) }},
	{Name: "first_response_s", Kind: FieldSeconds, LabelEN: "First response", LabelKO: "방 생성 후 최초 응대 시간",
		DefEN: "The first agent message − opened_at.", DefKO: "첫 상담원 메시지 − opened_at.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(v.Seconds(r, DFirstResponse)) }},
	{Name: "assigned_response_s", Kind: FieldSeconds, LabelEN: "Response after assignment", LabelKO: "배정 후 최초 응대 시간",
		DefEN: "The first agent message at or after assigned_at − assigned_at.", DefKO: "assigned_at 이후 첫 상담원 메시지 − assigned_at.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(v.Seconds(r, DAssignedResponse)) }},
	{Name: "handle_s", Kind: FieldSeconds, LabelEN: "Handle", LabelKO: "대화 시간",
		DefEN: "closed_at − assigned_at of an answered, closed room.", DefKO: "응대 후 종료된 상담방의 closed_at − assigned_at.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(v.Seconds(r, DHandle)) }},
	{Name: "wrapup_s", Kind: FieldSeconds, LabelEN: "Wrap-up", LabelKO: "상담 후처리 시간",
		DefEN: "The first wrapup_done at or after closed_at − closed_at.", DefKO: "closed_at 이후 첫 wrapup_done − closed_at.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(v.Seconds(r, DWrapup)) }},
	{Name: "transfers", Kind: FieldCount, LabelEN: "Transfers", LabelKO: "이관",
		DefEN: "The number of transferred events.", DefKO: "transferred 이벤트 수.",
		Stored: true, Block: true, Export: true, Measure: true, count: func(r *Room) *int { return &r.Transfers }},
	{Name: "score", Kind: FieldCount, LabelEN: "Score", LabelKO: "만족도",
		DefEN: "The latest survey score, 1..5; empty without a survey.", DefKO: "마지막 설문 점수 1..5; 설문이 없으면 비어 있음.",
		Stored: true, Block: true, Export: true, Measure: true, score: func(r *Room) *int16 { return &r.Score }},
	{Name: "reply_turns", Kind: FieldCount, LabelEN: "Reply turns", LabelKO: "응답 턴",
		DefEN: "The room's reply turns, answered or not.", DefKO: "상담방의 응답 턴 수 (미응답 포함).",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return CountCell(v.turns(r).replies) }},
	{Name: "unanswered_turns", Kind: FieldCount, LabelEN: "Unanswered turns", LabelKO: "미응답 턴",
		DefEN: "Reply turns still open when the room closed.", DefKO: "상담방 종료 시 답이 없던 응답 턴 수.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return CountCell(v.turns(r).unanswered) }},
	{Name: "reply_avg_s", Kind: FieldSeconds, LabelEN: "Avg reply", LabelKO: "대화 중 고객 대기 시간",
		DefEN: "The mean of the room's answered reply turns, rounded to 2 decimals.", DefKO: "상담방의 응답된 턴 평균 (소수 둘째 자리 반올림).",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return SecondsCell(roundMean(v.turns(r).replyAvg)) }},
	{Name: "customer_reply_turns", Kind: FieldCount, LabelEN: "Customer reply turns", LabelKO: "고객 응답 턴",
		DefEN: "The room's answered customer reply turns.", DefKO: "상담방의 고객 응답 턴 수.",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell { return CountCell(v.turns(r).customer) }},
	{Name: "customer_reply_avg_s", Kind: FieldSeconds, LabelEN: "Avg customer reply", LabelKO: "대화 중 상담원 대기 시간",
		DefEN: "The mean of the room's customer reply turns, rounded to 2 decimals.", DefKO: "상담방의 고객 응답 턴 평균 (소수 둘째 자리 반올림).",
		Export: true, Measure: true, derived: func(r *Room, v *View) Cell {
			avg := v.turns(r).customerAvg
			return SecondsCell(roundMean(avg))
		}},
	{Name: "invalid_reason", Kind: FieldText, LabelEN: "Invalid (reason)", LabelKO: "오류 (사유)",
		DefEN:  "Set when the room's times contradict each other: it then counts in rooms only.",
		DefKO:  "상담방의 시각이 서로 모순될 때의 사유: 이 상담방은 전체 상담방에만 집계됨.",
		Stored: true, Block: true, Export: true, text: func(r *Room) *string { return &r.InvalidReason }},
	{Name: "events", Kind: FieldCount, LabelEN: "Events", LabelKO: "이벤트",
		DefEN:  "The number of the room's events the facts were computed from, rejected ones included.",
		DefKO:  "사실 계산에 쓰인 상담방 이벤트 수 (거부된 이벤트 포함).",
		Stored: true, count: func(r *Room) *int { return &r.Events }},
	{Name: "rejected_events", Kind: FieldCount, LabelEN: "Rejected events", LabelKO: "거부된 이벤트",
		DefEN:  "The number of the room's events left out of the facts (see the rejects).",
		DefKO:  "사실 계산에서 제외된 상담방 이벤트 수.",
		Stored: true, count: func(r *Room) *int { return &r.RejectedEvents }},
}

// TurnSet is one of a room's lists of turns. It is stored as three
// parallel arrays, <Name>_opened_at, <Name>_answered_at (null when
// unanswered) and <Name>_agent (the agent the turn counts for), and as the
// rows of a block's turn table.
type TurnSet struct {
	Name     string
	Customer bool // the customer reply turns
	turns    func(*Room) *[]Turn
}

// TurnSets are the reply turns and the customer reply turns.
var TurnSets = []TurnSet{
	{Name: "reply", turns: func(r *Room) *[]Turn { return &r.Replies }},
	{Name: "customer_reply", Customer: true, turns: func(r *Room) *[]Turn { return &r.CustomerReplies }},
}

// Turns returns the room's turns of the set, to read or to fill.
func (s *TurnSet) Turns(r *Room) *[]Turn { return s.turns(r) }

// Value is the field's cell for room r in view v, as every export shows
// it.
func (f *RoomField) Value(r *Room, v *View) Cell {
	if f.Measure && !r.Valid() {
		return Cell{Null: true}
	}
	if f.derived != nil {
		return f.derived(r, v)
	}
	return f.Fact(r)
}

// Fact is the stored value of a stored field.
func (f *RoomField) Fact(r *Room) Cell {
	switch {
	case f.text != nil:
		return TextCell(*f.text(r))
	case f.instant != nil:
		return TimeCell(*f.instant(r))
	case f.seconds != nil:
		return SecondsCell(*f.seconds(r))
	case f.count != nil:
		return CountCell(*f.count(r))
	case f.score != nil:
		s := *f.score(r)
		return Cell{Null: s == 0, I: int64(s)}
	case f.flag != nil:
		return BoolCell(*f.flag(r))
	}
	panic("metrics: " + f.Name + " is not a stored fact")
}

// SetFact stores c into the stored field of r: the inverse of Fact.
func (f *RoomField) SetFact(r *Room, c Cell) {
	switch {
	case f.text != nil:
		*f.text(r) = c.S
		if c.Null {
			*f.text(r) = ""
		}
	case f.instant != nil:
		*f.instant(r) = c.T
		if c.Null {
			*f.instant(r) = time.Time{}
		}
	case f.seconds != nil:
		*f.seconds(r) = c.F
		if c.Null {
			*f.seconds(r) = math.NaN()
		}
	case f.count != nil:
		*f.count(r) = int(c.I)
	case f.score != nil:
		*f.score(r) = int16(c.I)
		if c.Null {
			*f.score(r) = 0
		}
	case f.flag != nil:
		*f.flag(r) = c.B
	default:
		panic("metrics: " + f.Name + " is not a stored fact")
	}
}

// Ptr returns a pointer to the stored fact in r: a *string, *time.Time,
// *float64 (NaN is null), *int, *int16 (the score, 0 is null) or *bool.
// A decoder resolves it once per reused room, then writes through it.
func (f *RoomField) Ptr(r *Room) any {
	switch {
	case f.text != nil:
		return f.text(r)
	case f.instant != nil:
		return f.instant(r)
	case f.seconds != nil:
		return f.seconds(r)
	case f.count != nil:
		return f.count(r)
	case f.score != nil:
		return f.score(r)
	case f.flag != nil:
		return f.flag(r)
	}
	panic("metrics: " + f.Name + " is not a stored fact")
}

// Nullable reports whether a stored field may be null.
func (f *RoomField) Nullable() bool {
	return !f.Required && f.count == nil && f.flag == nil
}

// SmallInt reports whether a stored count is a small integer (the score).
func (f *RoomField) SmallInt() bool { return f.score != nil }

// StoredFields, BlockFields and ExportFields are the subsets of RoomFields
// in their order.
var (
	StoredFields = selectFields(func(f *RoomField) bool { return f.Stored })
	BlockFields  = selectFields(func(f *RoomField) bool { return f.Block })
	ExportFields = selectFields(func(f *RoomField) bool { return f.Export })
)

func selectFields(keep func(*RoomField) bool) []*RoomField {
	var out []*RoomField
	for i := range RoomFields {
		if keep(&RoomFields[i]) {
			out = append(out, &RoomFields[i])
		}
	}
	return out
}

// RoomFieldByName returns the field called name.
func RoomFieldByName(name string) (*RoomField, bool) {
	for i := range RoomFields {
		if RoomFields[i].Name == name {
			return &RoomFields[i], true
		}
	}
	return nil, false
}

// Label is the field's label in the locale (ko or en).
func (f *RoomField) Label(locale string) string {
	if locale == "ko" {
		return f.LabelKO
	}
	return f.LabelEN
}

// Definition is the field's definition in the locale (ko or en).
func (f *RoomField) Definition(locale string) string {
	if locale == "ko" {
		return f.DefKO
	}
	return f.DefEN
}

// roundMean rounds a mean as docs/metrics.md rounds averages: 2 decimals.
func roundMean(v float64) float64 {
	if math.IsNaN(v) {
		return v
	}
	return Round(v, 2)
}
