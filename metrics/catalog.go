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
// Excel), its labels and its definition in English and Korean, for the
// reports' Definitions sheet.
type Def struct {
	Name         string
	Kind         Kind
	LabelEN      string
	LabelKO      string
	Definition   string // in English
	DefinitionKO string // in Korean
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
	{"rooms", Count, "Rooms", "전체 상담방", "Rooms opened on the day (by the local time of room_opened), contradictory rooms included.", "기간 중 생성된 상담방 수 (room_opened의 고객사 현지 시각 기준), 시각이 모순된 상담방 포함."},
	{"bot_only", Count, "Bot-only rooms", "봇 전용 상담방", "Rooms that never entered a queue for a human agent.", "상담원 대기열에 들어가지 않은 상담방 수."},
	{"queued", Count, "Queued", "대기열 진입", "Rooms that entered a team's queue.", "팀 대기열에 들어간 상담방 수."},
	{"answered", Count, "Answered", "응대", "Queued rooms that an agent accepted.", "대기열 진입 후 상담원이 배정된 상담방 수."},
	{"abandoned", Count, "Abandoned", "배정 전 포기", "Queued rooms closed before any assignment, after waiting at least short_abandon_s (short abandons excluded).", "대기열 진입 후 배정 없이 종료되었고 대기 시간이 단기 포기 기준(short_abandon_s) 이상인 상담방 수 (단기 포기 제외)."},
	{"short_abandoned", Count, "Short abandons", "단기 포기", "Queued rooms closed before any assignment within short_abandon_s of queueing.", "대기열 진입 후 단기 포기 기준(short_abandon_s) 안에 배정 없이 종료된 상담방 수."},
	{"offered", Count, "Offered", "인입", "answered + abandoned.", "응대 + 배정 전 포기."},
	{"answered_in_sl", Count, "Answered in SL", "목표시간 내 응대", "Answered rooms whose wait is at most sl_threshold_s.", "대기 시간이 서비스 레벨 기준(sl_threshold_s) 이하인 응대 상담방 수."},
	{"service_level_pct", Percent, "Service level %", "서비스 레벨 %", "100 × answered_in_sl / offered.", "100 × 목표시간 내 응대 / 인입."},
	{"abandon_rate_pct", Percent, "Abandon rate %", "포기율 %", "100 × abandoned / offered.", "100 × 배정 전 포기 / 인입."},
	{"wait_avg_s", Seconds, "Avg wait", "평균 대기 시간", "Mean of assigned_at − queued_at over answered rooms.", "응대된 상담방의 대기 시간(assigned_at − queued_at) 평균."},
	{"wait_p50_s", Seconds, "Wait p50", "대기 시간 중앙값", "Median wait of answered rooms (PostgreSQL percentile_cont(0.5)).", "응대된 상담방 대기 시간의 중앙값 (PostgreSQL percentile_cont(0.5)와 같은 방식)."},
	{"wait_p90_s", Seconds, "Wait p90", "대기 시간 90%", "90th percentile wait of answered rooms (percentile_cont(0.9)).", "응대된 상담방 대기 시간의 90번째 백분위수 (percentile_cont(0.9))."},
	{"wait_max_s", Seconds, "Max wait", "최대 대기 시간", "Longest wait of an answered room.", "응대된 상담방 중 가장 긴 대기 시간."},
	{"first_response_avg_s", Seconds, "Avg first response", "방 생성 후 최초 응대 시간", "Mean of first agent message − opened_at over rooms with an agent message.", "상담원 메시지가 있는 상담방에서 방 생성(opened_at)부터 첫 상담원 메시지까지의 시간 평균."},
	{"assigned_response_avg_s", Seconds, "Avg response after assignment", "배정 후 최초 응대 시간", "Mean of first agent message at or after assigned_at − assigned_at.", "배정(assigned_at)부터 그 이후 첫 상담원 메시지까지의 시간 평균."},
	{"dropped", Count, "Dropped", "배정 후 포기", "Answered, closed rooms with no agent message at or after assignment.", "응대 후 종료된 상담방 중 배정 이후 상담원 메시지가 없는 상담방 수."},
	{"drop_rate_pct", Percent, "Drop rate %", "배정 후 포기율 %", "100 × dropped / answered closed rooms.", "100 × 배정 후 포기 / 응대 후 종료된 상담방."},
	{"reply_avg_s", Seconds, "Avg reply", "대화 중 고객 대기 시간", "Mean time from a customer message (opening a turn) to the next agent message, over answered reply turns.", "고객 메시지(턴 시작)부터 다음 상담원 메시지까지의 시간 평균, 응답된 턴 기준."},
	{"reply_p90_s", Seconds, "Reply p90", "고객 대기 시간 90%", "90th percentile of answered reply turns (percentile_cont(0.9)).", "응답된 턴의 고객 대기 시간 90번째 백분위수 (percentile_cont(0.9))."},
	{"reply_turns", Count, "Reply turns", "응답 턴", "Reply turns, answered or not (a turn still open in an open room is not counted yet).", "응답 여부와 관계없는 전체 응답 턴 수 (진행 중인 상담방의 열린 턴은 아직 세지 않음)."},
	{"unanswered_turns", Count, "Unanswered turns", "미응답 턴", "Reply turns still open when the room closed.", "상담방이 종료될 때까지 응답되지 않은 턴 수."},
	{"customer_reply_avg_s", Seconds, "Avg customer reply", "대화 중 상담원 대기 시간", "Mean time from an agent message (opening a turn) to the next customer message.", "상담원 메시지(턴 시작)부터 다음 고객 메시지까지의 시간 평균."},
	{"handle_avg_s", Seconds, "Avg handle", "평균 대화 시간", "Mean of closed_at − assigned_at over answered, closed rooms.", "응대 후 종료된 상담방의 대화 시간(closed_at − assigned_at) 평균."},
	{"wrapup_avg_s", Seconds, "Avg wrap-up", "상담 후처리 시간", "Mean of the first wrapup_done at or after closed_at − closed_at.", "종료(closed_at)부터 그 이후 첫 후처리 완료(wrapup_done)까지의 시간 평균."},
	{"transfers", Count, "Transfers", "이관", "Number of transferred events.", "이관(transferred) 이벤트 수."},
	{"surveys", Count, "Surveys", "설문 응답", "Rooms with a survey score (the latest one counts).", "만족도 점수가 있는 상담방 수 (마지막 응답 기준)."},
	{"score_avg", Points, "Avg score", "평균 만족도", "Mean survey score, 1..5.", "만족도 점수(1~5) 평균."},
	{"csat_pct", Percent, "CSAT %", "만족 비율 %", "100 × surveys scoring 4 or 5 / surveys.", "100 × 4점 또는 5점 응답 / 설문 응답."},
	{"survey_rate_pct", Percent, "Survey rate %", "설문 응답률 %", "100 × surveys / answered closed rooms.", "100 × 설문 응답 / 응대 후 종료된 상담방."},
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
