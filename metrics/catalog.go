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
// Excel), its labels and its definition, in English and Korean, for the
// Definitions sheets of the reports and of the API's workbooks.
type Def struct {
	Name         string
	Kind         Kind
	LabelEN      string
	LabelKO      string
	Definition   string // English
	DefinitionKO string
}

// Label is the metric's label in the locale (ko or en).
func (d *Def) Label(locale string) string {
	if locale == "ko" {
		return d.LabelKO
	}
	return d.LabelEN
}

// DefinitionIn is the metric's definition in the locale (ko or en).
func (d *Def) DefinitionIn(locale string) string {
	if locale == "ko" {
		return d.DefinitionKO
	}
	return d.Definition
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
	{"rooms", Count, "Rooms", "전체 상담방", "Rooms opened in the group (by the local date and hour of opened_at), contradictory rooms included.", "해당 구간(고객사 시간대 기준 상담방 생성 시각)에 생성된 상담방 수. 시각이 서로 모순된 상담방도 포함합니다."},
	{"bot_only", Count, "Bot-only rooms", "봇 전용 상담방", "Rooms that never entered a queue for a human agent.", "상담원 대기열에 한 번도 들어가지 않은 상담방 수 (봇만 응대)."},
	{"queued", Count, "Queued", "대기열 진입", "Rooms that entered a team's queue.", "팀 대기열에 들어간 상담방 수."},
	{"answered", Count, "Answered", "응대", "Queued rooms that an agent accepted.", "대기열에 들어간 뒤 상담원이 배정된 상담방 수."},
	{"abandoned", Count, "Abandoned", "배정 전 포기", "Queued rooms closed before any assignment, after waiting at least short_abandon_s (short abandons excluded).", "대기열에 들어간 뒤 배정 없이 종료된 상담방 중 단기 포기 기준 시간 이상 기다린 상담방 수 (단기 포기는 제외)."},
	{"short_abandoned", Count, "Short abandons", "단기 포기", "Queued rooms closed before any assignment within short_abandon_s of queueing.", "대기열에 들어간 뒤 단기 포기 기준 시간 안에 배정 없이 종료된 상담방 수."},
	{"offered", Count, "Offered", "인입", "answered + abandoned.", "응대 + 배정 전 포기."},
	{"answered_in_sl", Count, "Answered in SL", "목표시간 내 응대", "Answered rooms whose wait is at most sl_threshold_s.", "대기 시간이 서비스 레벨 기준 시간 이하로 응대된 상담방 수."},
	{"service_level_pct", Percent, "Service level %", "서비스 레벨 %", "100 × answered_in_sl / offered.", "100 × 목표시간 내 응대 / 인입."},
	{"abandon_rate_pct", Percent, "Abandon rate %", "포기율 %", "100 × abandoned / offered.", "100 × 배정 전 포기 / 인입."},
	{"wait_avg_s", Seconds, "Avg wait", "평균 대기 시간", "Mean of assigned_at − queued_at over answered rooms.", "응대된 상담방의 대기 시간(배정 시각 − 대기열 진입 시각) 평균."},
	{"wait_p50_s", Seconds, "Wait p50", "대기 시간 중앙값", "Median wait of answered rooms (PostgreSQL percentile_cont(0.5)).", "응대된 상담방 대기 시간의 중앙값 (두 값 사이는 선형 보간)."},
	{"wait_p90_s", Seconds, "Wait p90", "대기 시간 90%", "90th percentile wait of answered rooms (percentile_cont(0.9)).", "응대된 상담방 대기 시간의 90번째 백분위수 (두 값 사이는 선형 보간)."},
	{"wait_max_s", Seconds, "Max wait", "최대 대기 시간", "Longest wait of an answered room.", "응대된 상담방 중 가장 긴 대기 시간."},
	{"first_response_avg_s", Seconds, "Avg first response", "방 생성 후 최초 응대 시간", "Mean of first agent message − opened_at over rooms with an agent message.", "상담원 메시지가 있는 상담방에서 첫 상담원 메시지 시각 − 상담방 생성 시각의 평균."},
	{"assigned_response_avg_s", Seconds, "Avg response after assignment", "배정 후 최초 응대 시간", "Mean of first agent message at or after assigned_at − assigned_at.", "배정 이후 첫 상담원 메시지 시각 − 배정 시각의 평균."},
	{"dropped", Count, "Dropped", "배정 후 포기", "Answered, closed rooms with no agent message at or after assignment.", "응대 후 종료된 상담방 중 배정 이후 상담원 메시지가 없는 상담방 수."},
	{"drop_rate_pct", Percent, "Drop rate %", "배정 후 포기율 %", "100 × dropped / answered closed rooms.", "100 × 배정 후 포기 / 응대 후 종료된 상담방."},
	{"reply_avg_s", Seconds, "Avg reply", "대화 중 고객 대기 시간", "Mean time from a customer message (opening a turn) to the next agent message, over answered reply turns.", "고객 메시지(턴 시작)부터 다음 상담원 메시지까지 걸린 시간의 평균 (응답된 턴 기준)."},
	{"reply_p90_s", Seconds, "Reply p90", "고객 대기 시간 90%", "90th percentile of answered reply turns (percentile_cont(0.9)).", "응답된 턴의 응답 시간 90번째 백분위수 (두 값 사이는 선형 보간)."},
	{"reply_turns", Count, "Reply turns", "응답 턴", "Reply turns, answered or not (a turn still open in an open room is not counted yet).", "응답 턴 수 (미응답 포함; 진행 중인 상담방의 열린 턴은 아직 세지 않음)."},
	{"unanswered_turns", Count, "Unanswered turns", "미응답 턴", "Reply turns still open when the room closed.", "상담방이 종료될 때까지 상담원이 답하지 않은 응답 턴 수."},
	{"customer_reply_avg_s", Seconds, "Avg customer reply", "대화 중 상담원 대기 시간", "Mean time from an agent message (opening a turn) to the next customer message.", "상담원 메시지(턴 시작)부터 다음 고객 메시지까지 걸린 시간의 평균."},
	{"handle_avg_s", Seconds, "Avg handle", "평균 대화 시간", "Mean of closed_at − assigned_at over answered, closed rooms.", "응대 후 종료된 상담방의 종료 시각 − 배정 시각 평균."},
	{"wrapup_avg_s", Seconds, "Avg wrap-up", "상담 후처리 시간", "Mean of the first wrapup_done at or after closed_at − closed_at.", "종료 이후 첫 후처리 완료 시각 − 종료 시각의 평균."},
	{"transfers", Count, "Transfers", "이관", "Number of transferred events.", "이관 이벤트 수."},
	{"surveys", Count, "Surveys", "설문 응답", "Rooms with a survey score (the latest one counts).", "만족도 설문 점수가 있는 상담방 수 (마지막 점수를 사용)."},
	{"score_avg", Points, "Avg score", "평균 만족도", "Mean survey score, 1..5.", "설문 점수(1~5점)의 평균."},
	{"csat_pct", Percent, "CSAT %", "만족 비율 %", "100 × surveys scoring 4 or 5 / surveys.", "100 × 4점 또는 5점인 설문 / 설문 응답."},
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

// Term is a column of the API's tables that is neither a metric nor a room
// field: the group keys, the bounds of a period, the SQI, its grade and
// components, and the columns of the long shape and of comparisons. Its
// labels and definitions head the csv and xlsx downloads (lang=ko|en) and
// fill their Definitions sheet.
type Term struct {
	Name             string
	LabelEN, LabelKO string
	DefEN, DefKO     string
}

// Label is the term's label in the locale (ko or en).
func (t *Term) Label(locale string) string {
	if locale == "ko" {
		return t.LabelKO
	}
	return t.LabelEN
}

// DefinitionIn is the term's definition in the locale (ko or en).
func (t *Term) DefinitionIn(locale string) string {
	if locale == "ko" {
		return t.DefKO
	}
	return t.DefEN
}

// Terms are the columns of the API's tables that are not metrics (Catalog)
// or room fields (RoomFields), by name.
var Terms = map[string]*Term{
	"hour": {"hour", "Hour", "시간대",
		"The local hour the rooms opened in, in the tenant's time zone.",
		"상담방이 생성된 현지 시간대 (고객사 시간대 기준)."},
	"day": {"day", "Day", "날짜",
		"The local date the rooms opened on.",
		"상담방이 생성된 현지 날짜."},
	"week": {"week", "Week", "주",
		"The Monday of the ISO week the rooms opened in.",
		"상담방이 생성된 주(월요일 시작)의 월요일."},
	"month": {"month", "Month", "월",
		"The month the rooms opened in.",
		"상담방이 생성된 달."},
	"agent_id": {"agent_id", "Agent", "상담원",
		"The rooms' agent (empty: rooms without an agent); a reply turn counts for the agent who answered it.",
		"상담방의 담당 상담원 (비어 있으면 상담원이 없는 상담방); 응답 턴은 응답한 상담원에게 집계됩니다."},
	"team_id": {"team_id", "Team", "팀",
		"The team of the rooms' first queue (empty: never queued).",
		"상담방이 처음 들어간 대기열의 팀 (비어 있으면 대기열에 들어가지 않음)."},
	"channel": {"channel", "Channel", "채널",
		"The channel the rooms were opened from.",
		"상담방이 생성된 채널."},
	"category": {"category", "Category", "상담 유형",
		"The rooms' last consultation category (empty: none).",
		"상담방의 마지막 상담 유형 (비어 있으면 없음)."},
	"in_hours": {"in_hours", "In business hours", "운영 시간 내",
		"Whether the rooms opened in the tenant's business hours.",
		"상담방이 고객사 운영 시간 안에 생성되었는지 여부."},
	"period_start": {"period_start", "Period start", "기간 시작",
		"The first instant of the row's hour, day, week or month, with the tenant's UTC offset.",
		"행의 시간대, 날짜, 주 또는 월이 시작되는 시각 (고객사 시간대 기준)."},
	"period_end": {"period_end", "Period end", "기간 끝",
		"The first instant after the row's period: the start of the next one.",
		"행의 기간이 끝난 직후의 시각, 곧 다음 기간의 시작."},
	"sqi": {"sqi", "SQI", "SQI",
		"The service quality index, 0 to 100: the weighted mean of the components' points.",
		"서비스 품질 지수 (0~100): 구성 요소 점수의 가중 평균."},
	"grade": {"grade", "Grade", "등급",
		"The first grade, in the configured order, whose minimum the SQI as shown (rounded to 1 decimal) reaches.",
		"설정된 순서에서 표시된 SQI(소수 첫째 자리 반올림)가 처음으로 최솟값에 도달한 등급."},
	"components": {"components", "Component", "구성 요소",
		"A component's points, 0 to 100: its metric mapped linearly from its worst value (0) to its target (100).",
		"구성 요소 점수 (0~100): 지표를 최저 기준(0점)부터 목표(100점)까지 선형으로 환산한 값."},
	"metric": {"metric", "Metric", "지표",
		"The name of the row's metric.",
		"이 행의 지표 이름."},
	"value": {"value", "Value", "값",
		"The metric's value for the group.",
		"그룹의 지표 값."},
	"previous": {"previous", "Previous", "비교 기간",
		"The same value over the comparison period: the same number of days just before, or the same dates a year before.",
		"비교 기간(바로 앞의 같은 일수, 또는 1년 전 같은 날짜)의 같은 값."},
	"change": {"change", "Change", "변화",
		"This period's value minus the comparison period's.",
		"이번 기간 값 − 비교 기간 값."},
}
