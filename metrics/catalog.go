package metrics

// Kind says how a metric is rounded and formatted.
type Kind int

// Metric kinds.
const (
	Count   Kind = iota // an integer
	Seconds             // a duration in seconds, 2 decimals
	Percent             // 0..100, 2 decimals
	Points              // a mean score or points, 2 decimals
)

// Def defines one metric of docs/metrics.md: its name everywhere (SQL, JSON, CSV,
// Excel), its labels and its definition for the report's Definitions sheet.
type Def struct {
	Name       string
	Kind       Kind
	LabelEN    string
	LabelKO    string
	Definition string
}

// Metric indexes in Catalog order.
const (
	MRooms = iota
	MBotOnly
	MQueued
	MAnswered
	MAbandoned
	MShortAbandoned
	MOffered
	MAnsweredInSL
	MServiceLevelPct
	MAbandonRatePct
	MWaitAvg
	MWaitP50
	MWaitP90
	MWaitMax
	MFirstResponseAvg
	MAssignedResponseAvg
	MDropped
	MDropRatePct
	MReplyAvg
	MReplyP90
	MReplyTurns
	MUnansweredTurns
	MCustomerReplyAvg
	MHandleAvg
	MWrapupAvg
	MTransfers
	MSurveys
	MScoreAvg
	MCsatPct
	MSurveyRatePct
	NumMetrics
)

// Catalog lists the metrics of docs/metrics.md in the order of every row.
var Catalog = [NumMetrics]Def{
	{"rooms", Count, "Rooms", "전체 상담방", "Rooms opened on the day (by the local time of room_opened), contradictory rooms included."},
	{"bot_only", Count, "Bot-only rooms", "봇 전용 상담방", "Rooms that never entered a queue for a human agent."},
	{"queued", Count, "Queued", "대기열 진입", "Rooms that entered a team's queue."},
	{"answered", Count, "Answered", "응대", "Queued rooms that an agent accepted."},
	{"abandoned", Count, "Abandoned", "배정 전 포기", "Queued rooms closed before any assignment, after waiting at least short_abandon_s (short abandons excluded)."},
	{"short_abandoned", Count, "Short abandons", "단기 포기", "Queued rooms closed before any assignment within short_abandon_s of queueing."},
	{"offered", Count, "Offered", "인입", "answered + abandoned."},
	{"answered_in_sl", Count, "Answered in SL", "목표시간 내 응대", "Answered rooms whose wait is at most sl_threshold_s."},
	{"service_level_pct", Percent, "Service level %", "서비스 레벨 %", "100 × answered_in_sl / offered."},
	{"abandon_rate_pct", Percent, "Abandon rate %", "포기율 %", "100 × abandoned / offered."},
	{"wait_avg_s", Seconds, "Avg wait", "평균 대기 시간", "Mean of assigned_at − queued_at over answered rooms."},
	{"wait_p50_s", Seconds, "Wait p50", "대기 시간 중앙값", "Median wait of answered rooms (PostgreSQL percentile_cont(0.5))."},
	{"wait_p90_s", Seconds, "Wait p90", "대기 시간 90%", "90th percentile wait of answered rooms (percentile_cont(0.9))."},
	{"wait_max_s", Seconds, "Max wait", "최대 대기 시간", "Longest wait of an answered room."},
	{"first_response_avg_s", Seconds, "Avg first response", "방 생성 후 최초 응대 시간", "Mean of first agent message − opened_at over rooms with an agent message."},
	{"assigned_response_avg_s", Seconds, "Avg response after assignment", "배정 후 최초 응대 시간", "Mean of first agent message at or after assigned_at − assigned_at."},
	{"dropped", Count, "Dropped", "배정 후 포기", "Answered, closed rooms with no agent message at or after assignment."},
	{"drop_rate_pct", Percent, "Drop rate %", "배정 후 포기율 %", "100 × dropped / answered closed rooms."},
	{"reply_avg_s", Seconds, "Avg reply", "대화 중 고객 대기 시간", "Mean time from a customer message (opening a turn) to the next agent message, over answered reply turns."},
	{"reply_p90_s", Seconds, "Reply p90", "고객 대기 시간 90%", "90th percentile of answered reply turns (percentile_cont(0.9))."},
	{"reply_turns", Count, "Reply turns", "응답 턴", "Reply turns, answered or not (a turn still open in an open room is not counted yet)."},
	{"unanswered_turns", Count, "Unanswered turns", "미응답 턴", "Reply turns still open when the room closed."},
	{"customer_reply_avg_s", Seconds, "Avg customer reply", "대화 중 상담원 대기 시간", "Mean time from an agent message (opening a turn) to the next customer message."},
	{"handle_avg_s", Seconds, "Avg handle", "평균 대화 시간", "Mean of closed_at − assigned_at over answered, closed rooms."},
	{"wrapup_avg_s", Seconds, "Avg wrap-up", "상담 후처리 시간", "Mean of the first wrapup_done at or after closed_at − closed_at."},
	{"transfers", Count, "Transfers", "이관", "Number of transferred events."},
	{"surveys", Count, "Surveys", "설문 응답", "Rooms with a survey score (the latest one counts)."},
	{"score_avg", Points, "Avg score", "평균 만족도", "Mean survey score, 1..5."},
	{"csat_pct", Percent, "CSAT %", "만족 비율 %", "100 × surveys scoring 4 or 5 / surveys."},
	{"survey_rate_pct", Percent, "Survey rate %", "설문 응답률 %", "100 × surveys / answered closed rooms."},
}

var metricIndex = func() map[string]int {
	m := make(map[string]int, NumMetrics)
	for i, d := range Catalog {
		m[d.Name] = i
	}
	return m
}()

// MetricIndex returns the index in Catalog of the metric called name.
func MetricIndex(name string) (int, bool) {
	i, ok := metricIndex[name]
	return i, ok
}

// ScoreableMetrics lists the metric names a component may use.
func ScoreableMetrics() []string {
	out := make([]string, NumMetrics)
	for i, d := range Catalog {
		out[i] = d.Name
	}
	return out
}
