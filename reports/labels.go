package reports

import (
	"sqi/metrics"
)

// texts are the words of the workbook and the e-mail in one locale. Metric
// labels come from metrics.Catalog; the keys (metric and column names) are
// never translated, so the workbook and the API speak the same names.
type texts struct {
	Title, Date, TimeZone, Generated, Period                     string
	Key, Label, Unit, Definition                                 string
	Day, Prev, Change, Week, ChangeWeek                          string
	SQI, Grade, Components, Component, Weight, Target, Worst     string
	Points                                                       string
	Trend, HourlyTitle, HourlyChart, TrendChart                  string
	ChartVolume, ChartLevel                                      string
	Hour                                                         string
	GroupKey                                                     map[string]string
	ComponentName                                                map[string]string
	Seconds                                                      string
	NoData                                                       string
	WeekNote                                                     string
	Subject                                                      string
	Greeting, KeyMetrics, WorstAgents, Attached, Footer, NoAgent string
	Rooms                                                        string
	Weakest, VsPrev, VsWeek                                      string
	Kinds                                                        [4]string
	Extra                                                        map[string]string
	HoursMode                                                    map[string]string // all, business
}

var textsEN = texts{
	Title:       "Daily service quality report",
	Date:        "Date",
	TimeZone:    "Time zone",
	Generated:   "Generated",
	Period:      "Covers",
	Key:         "Key",
	Label:       "Label",
	Unit:        "Unit",
	Definition:  "Definition",
	Day:         "Day",
	Prev:        "Previous day",
	Change:      "Change",
	Week:        "7-day avg",
	ChangeWeek:  "vs 7-day",
	SQI:         "SQI",
	Grade:       "Grade",
	Components:  "Components",
	Component:   "Component",
	Weight:      "Weight",
	Target:      "Target",
	Worst:       "Worst",
	Points:      "Points",
	Trend:       "SQI, last 14 days",
	HourlyTitle: "Rooms per hour and service level",
	// Chart texts stay ASCII: the PNG charts use the Go fonts.
	HourlyChart: "Rooms per hour and service level",
	TrendChart:  "SQI, last 14 days",
	ChartVolume: "Rooms",
	ChartLevel:  "Service level %",
	Hour:        "Hour",
	GroupKey: map[string]string{
		"hour": "Hour", "day": "Day", "agent_id": "Agent", "team_id": "Team",
		"channel": "Channel", "category": "Category",
	},
	ComponentName: map[string]string{
		"service_level": "Service level", "wait": "Wait", "response": "Response",
		"satisfaction": "Satisfaction", "abandonment": "Abandonment",
	},
	Seconds:     "s",
	NoData:      "no rooms",
	WeekNote:    "7-day avg: the 7 days before, as one range; counts per day",
	Subject:     "[SQI] %s %s daily report: SQI %s (%s)",
	Greeting:    "Daily service quality report",
	KeyMetrics:  "Key metrics",
	WorstAgents: "Five agents with the lowest SQI",
	Attached:    "The full report (hourly, agents, teams, channels, categories, every room and the definitions) is attached as an Excel workbook.",
	Footer:      "Sent by sqi, the service quality statistics of the chat platform. The numbers are those of the SQI API for the same day.",
	NoAgent:     "No agent has an SQI for this day.",
	Rooms:       "Rooms",
	Weakest:     "Weakest component",
	VsPrev:      "vs previous day",
	VsWeek:      "vs 7-day avg",
	Kinds:       [4]string{"count", "seconds", "percent (0-100)", "points"},
	HoursMode: map[string]string{
		metrics.HoursAll:      "Durations: calendar time",
		metrics.HoursBusiness: "Durations: business hours only",
	},
	Extra: map[string]string{
		"hours":           "Hours",
		"sqi":             "Service Quality Index: the weight-averaged points of the components whose metric is not null.",
		"grade":           "The first grade whose minimum the SQI (rounded to 1 decimal) reaches.",
		"components":      "Each component maps its metric linearly from worst (0 points) to target (100 points), clamped to 0..100.",
		"component":       "%s: %g → 0 points, %g → 100 points; weight %g.",
		"sl_threshold_s":  "Service level threshold",
		"short_abandon_s": "Short abandon threshold",
		"metrics":         "Metrics",
		"roomsSheet":      "Rooms sheet",
		"rooms":           "Rooms sheet: one row per room opened on the day, times in the tenant's time zone.",
	},
}

var textsKO = texts{
	Title:       "일일 상담 품질 리포트",
	Date:        "날짜",
	TimeZone:    "시간대",
	Generated:   "생성 시각",
	Period:      "집계 구간",
	Key:         "키",
	Label:       "항목",
	Unit:        "단위",
	Definition:  "정의",
	Day:         "당일",
	Prev:        "전일",
	Change:      "전일 대비",
	Week:        "7일 평균",
	ChangeWeek:  "7일 평균 대비",
	SQI:         "SQI",
	Grade:       "등급",
	Components:  "구성 요소",
	Component:   "구성 요소",
	Weight:      "가중치",
	Target:      "목표",
	Worst:       "최저",
	Points:      "점수",
	Trend:       "최근 14일 SQI",
	HourlyTitle: "시간대별 상담량과 서비스 레벨",
	HourlyChart: "Rooms per hour and service level",
	TrendChart:  "SQI, last 14 days",
	ChartVolume: "Rooms",
	ChartLevel:  "Service level %",
	Hour:        "시간대",
	GroupKey: map[string]string{
		"hour": "시간대", "day": "날짜", "agent_id": "상담원", "team_id": "팀",
		"channel": "채널", "category": "상담 유형",
	},
	ComponentName: map[string]string{
		"service_level": "서비스 레벨", "wait": "대기 시간", "response": "응답 속도",
		"satisfaction": "만족도", "abandonment": "포기율",
	},
	Seconds:     "초",
	NoData:      "상담 없음",
	WeekNote:    "7일 평균: 직전 7일을 하나의 구간으로 집계, 건수는 일평균",
	Subject:     "[SQI] %s %s 일일 리포트: SQI %s (%s)",
	Greeting:    "일일 상담 품질 리포트",
	KeyMetrics:  "주요 지표",
	WorstAgents: "SQI 하위 상담원 5명",
	Attached:    "전체 리포트(시간대별, 상담원, 팀, 채널, 상담 유형, 상담방 전체, 지표 정의)는 첨부된 엑셀 파일에 있습니다.",
	Footer:      "상담 품질 통계 서비스 sqi가 보낸 메일입니다. 수치는 같은 날의 SQI API 결과와 같습니다.",
	NoAgent:     "이 날 SQI가 있는 상담원이 없습니다.",
	Rooms:       "상담방",
	Weakest:     "가장 낮은 구성 요소",
	VsPrev:      "전일 대비",
	VsWeek:      "7일 평균 대비",
	Kinds:       [4]string{"건수", "초", "퍼센트 (0-100)", "점수"},
	HoursMode: map[string]string{
		metrics.HoursAll:      "시간 기준: 전체 시간",
		metrics.HoursBusiness: "시간 기준: 운영 시간만",
	},
	Extra: map[string]string{
		"hours":           "시간 기준",
		"sqi":             "서비스 품질 지수: 지표가 null이 아닌 구성 요소 점수의 가중 평균.",
		"grade":           "SQI(소수 첫째 자리 반올림)가 처음으로 도달하는 등급 기준.",
		"components":      "각 구성 요소는 지표를 최저(0점)에서 목표(100점)까지 선형으로 환산하며 0~100으로 제한.",
		"component":       "%s: %g → 0점, %g → 100점; 가중치 %g.",
		"sl_threshold_s":  "서비스 레벨 기준 시간",
		"short_abandon_s": "단기 포기 기준 시간",
		"metrics":         "지표",
		"roomsSheet":      "Rooms 시트",
		"rooms":           "상담방 시트: 당일 생성된 상담방 한 건당 한 행, 시각은 테넌트 시간대 기준.",
	},
}

func textsFor(locale string) *texts {
	if locale == "ko" {
		return &textsKO
	}
	return &textsEN
}

// metricLabel is a metric's label in the locale.
func (t *texts) metricLabel(i int) string {
	if t == &textsKO {
		return metrics.Catalog[i].LabelKO
	}
	return metrics.Catalog[i].LabelEN
}

// componentLabel is a component's name in the locale: the known ones are
// translated, a tenant's own keep their configured name.
func (t *texts) componentLabel(name string) string {
	if l, ok := t.ComponentName[name]; ok {
		return l
	}
	return name
}
