package reports

import (
	"sqi/metrics"
)

// texts are the words of the workbook, the e-mail and its charts in one
// locale. Metric labels and definitions come from metrics.Catalog, the
// Rooms sheet's from metrics.RoomFields; the keys (metric and column
// names) are never translated, so the workbook and the API speak the same
// names.
type texts struct {
	Date, TimeZone, Generated, Period                        string
	Key, Label, Unit, Definition                             string
	SQI, Grade, Components, Component, Weight, Target, Worst string
	Points                                                   string
	Hour, Day                                                string
	// Sheets maps a sheet's key (sheetKeys) to its name.
	Sheets   map[string]string
	GroupKey map[string]string
	Kind     map[Kind]kindTexts
	// The daily report's second baseline: the 7 days before.
	Week, ChangeWeek, WeekNote, VsWeek string
	// Seconds is the unit of the Rooms sheet's durations.
	Seconds                         string
	KeyMetrics, WorstAgents, Footer string
	NoAgent, Rooms, Weakest         string
	ChartVolume, ChartLevel         string
	RoomsCapped                     string
	Kinds                           [4]string // units: count, duration, percent, points
	Weekdays                        [7]string // Sunday first, as time.Weekday
	Extra                           map[string]string
	HoursMode                       map[string]string // all, business
	ko                              bool
}

// kindTexts are the words that depend on the report's kind.
type kindTexts struct {
	Title    string // the workbook's and the e-mail's heading
	Subject  string // the e-mail's subject: name, period, SQI, grade
	Cur      string // the column of the period
	Prev     string // the column of the period before
	Change   string // the column of the change against it
	VsPrev   string // the e-mail's change line
	Trend    string // the title of the SQI-by-day table and charts
	Volume   string // the title of the volume chart
	Attached string // the e-mail's last paragraph
	Rooms    string // what the Rooms sheet holds
}

var textsEN = texts{
	Date:       "Date",
	TimeZone:   "Time zone",
	Generated:  "Generated",
	Period:     "Covers",
	Key:        "Key",
	Label:      "Label",
	Unit:       "Unit",
	Definition: "Definition",
	SQI:        "SQI",
	Grade:      "Grade",
	Components: "Components",
	Component:  "Component",
	Weight:     "Weight",
	Target:     "Target",
	Worst:      "Worst",
	Points:     "Points",
	Hour:       "Hour",
	Day:        "Day",
	Sheets: map[string]string{
		"summary": "Summary", "hourly": "Hourly", "daily": "Daily", "agents": "Agents", "teams": "Teams",
		"channels": "Channels", "categories": "Categories", "rooms": "Rooms", "definitions": "Definitions",
	},
	GroupKey: map[string]string{
		"hour": "Hour", "day": "Day", "agent_id": "Agent", "team_id": "Team",
		"channel": "Channel", "category": "Category",
	},
	Kind: map[Kind]kindTexts{
		KindDaily: {
			Title: "Daily service quality report", Subject: "[SQI] %s %s daily report: SQI %s (%s)",
			Cur: "Day", Prev: "Previous day", Change: "Change", VsPrev: "vs previous day",
			Trend: "SQI, last 14 days", Volume: "Rooms per hour and service level",
			Attached: "The full report (hourly, agents, teams, channels, categories, every room and the definitions) is attached as an Excel workbook.",
			Rooms:    "Rooms sheet: one row per room opened on the day, times in the tenant's time zone.",
		},
		KindWeekly: {
			Title: "Weekly service quality report", Subject: "[SQI] %s %s weekly report: SQI %s (%s)",
			Cur: "Week", Prev: "Previous week", Change: "Change", VsPrev: "vs previous week",
			Trend: "SQI by day, last 2 weeks", Volume: "Rooms per day and service level",
			Attached: "The full report (by day, agents, teams, channels, categories, every room and the definitions) is attached as an Excel workbook.",
			Rooms:    "Rooms sheet: one row per room opened in the week, times in the tenant's time zone.",
		},
		KindMonthly: {
			Title: "Monthly service quality report", Subject: "[SQI] %s %s monthly report: SQI %s (%s)",
			Cur: "Month", Prev: "Previous month", Change: "Change", VsPrev: "vs previous month",
			Trend: "SQI by day", Volume: "Rooms per day and service level",
			Attached: "The full report (by day, agents, teams, channels, categories, every room and the definitions) is attached as an Excel workbook.",
			Rooms:    "Rooms sheet: one row per room opened in the month, times in the tenant's time zone.",
		},
	},
	Week:        "7-day avg",
	ChangeWeek:  "vs 7-day",
	WeekNote:    "7-day avg: the 7 days before, as one range; counts per day",
	VsWeek:      "vs 7-day avg",
	Seconds:     "s",
	KeyMetrics:  "Key metrics",
	WorstAgents: "Five agents with the lowest SQI",
	Footer:      "Sent by sqi, the service quality statistics of the chat platform. The numbers are those of the SQI API for the same dates.",
	NoAgent:     "No agent has an SQI in this period.",
	Rooms:       metrics.Catalog[metrics.MRooms].LabelEN,
	Weakest:     "Weakest component",
	ChartVolume: metrics.Catalog[metrics.MRooms].LabelEN,
	ChartLevel:  metrics.Catalog[metrics.MServiceLevelPct].LabelEN,
	RoomsCapped: "The first %d of the period's %d rooms; every room: GET /v1/tenants/%s/rooms?from=%s&to=%s (any format).",
	Kinds:       [4]string{"count", "duration (m:ss; h:mm:ss from an hour)", "percent (0-100)", "points"},
	Weekdays:    [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	HoursMode: map[string]string{
		metrics.HoursAll:      "Durations: calendar time",
		metrics.HoursBusiness: "Durations: business hours only",
	},
	Extra: map[string]string{
		"hours":           "Hours",
		"sqi":             "Service Quality Index: the weight-averaged points of the components whose metric has a value.",
		"grade":           "The first grade whose minimum the SQI (rounded to 1 decimal) reaches.",
		"components":      "Each component maps its metric linearly from worst (0 points) to target (100 points), clamped to 0..100.",
		"component":       "%s: %s → 0 points, %s → 100 points; weight %g.",
		"sl_threshold_s":  "Service level threshold",
		"short_abandon_s": "Short abandon threshold",
		"metrics":         "Metrics",
		"roomsSheet":      "Rooms sheet",
		"empty":           "An empty cell: the metric has no value (nothing to measure, e.g. no answered room for a wait).",
		"durations":       "Durations are Excel times (days): a cell × 86400 is the API's seconds; SUM, AVERAGE and comparisons with TIME() work as on any time.",
	},
}

var textsKO = texts{
	Date:       "날짜",
	TimeZone:   "시간대",
	Generated:  "생성 시각",
	Period:     "집계 구간",
	Key:        "키",
	Label:      "항목",
	Unit:       "단위",
	Definition: "정의",
	SQI:        "SQI",
	Grade:      "등급",
	Components: "구성 요소",
	Component:  "구성 요소",
	Weight:     "가중치",
	Target:     "목표",
	Worst:      "최저",
	Points:     "점수",
	Hour:       "시간대",
	Day:        "날짜",
	Sheets: map[string]string{
		"summary": "요약", "hourly": "시간대별", "daily": "일별", "agents": "상담원", "teams": "팀",
		"channels": "채널", "categories": "상담 유형", "rooms": "상담방", "definitions": "지표 정의",
	},
	GroupKey: map[string]string{
		"hour": "시간대", "day": "날짜", "agent_id": "상담원", "team_id": "팀",
		"channel": "채널", "category": "상담 유형",
	},
	Kind: map[Kind]kindTexts{
		KindDaily: {
			Title: "일일 상담 품질 리포트", Subject: "[SQI] %s %s 일일 리포트: SQI %s (%s)",
			Cur: "당일", Prev: "전일", Change: "전일 대비", VsPrev: "전일 대비",
			Trend: "최근 14일 SQI", Volume: "시간대별 상담량과 서비스 레벨",
			Attached: "전체 리포트(시간대별, 상담원, 팀, 채널, 상담 유형, 상담방 전체, 지표 정의)는 첨부된 엑셀 파일에 있습니다.",
			Rooms:    "상담방 시트: 당일 생성된 상담방 한 건당 한 행, 시각은 고객사 시간대 기준.",
		},
		KindWeekly: {
			Title: "주간 상담 품질 리포트", Subject: "[SQI] %s %s 주간 리포트: SQI %s (%s)",
			Cur: "이번 주", Prev: "지난주", Change: "지난주 대비", VsPrev: "지난주 대비",
			Trend: "최근 2주 일별 SQI", Volume: "일별 상담량과 서비스 레벨",
			Attached: "전체 리포트(일별, 상담원, 팀, 채널, 상담 유형, 상담방 전체, 지표 정의)는 첨부된 엑셀 파일에 있습니다.",
			Rooms:    "상담방 시트: 이번 주에 생성된 상담방 한 건당 한 행, 시각은 고객사 시간대 기준.",
		},
		KindMonthly: {
			Title: "월간 상담 품질 리포트", Subject: "[SQI] %s %s 월간 리포트: SQI %s (%s)",
			Cur: "이번 달", Prev: "지난달", Change: "지난달 대비", VsPrev: "지난달 대비",
			Trend: "일별 SQI", Volume: "일별 상담량과 서비스 레벨",
			Attached: "전체 리포트(일별, 상담원, 팀, 채널, 상담 유형, 상담방 전체, 지표 정의)는 첨부된 엑셀 파일에 있습니다.",
			Rooms:    "상담방 시트: 이번 달에 생성된 상담방 한 건당 한 행, 시각은 고객사 시간대 기준.",
		},
	},
	Week:        "7일 평균",
	ChangeWeek:  "7일 평균 대비",
	WeekNote:    "7일 평균: 직전 7일을 하나의 구간으로 집계, 건수는 일평균",
	VsWeek:      "7일 평균 대비",
	Seconds:     "초",
	KeyMetrics:  "주요 지표",
	WorstAgents: "SQI 하위 상담원 5명",
	Footer:      "상담 품질 통계 서비스 sqi가 보낸 메일입니다. 수치는 같은 기간의 SQI API 결과와 같습니다.",
	NoAgent:     "이 기간에 SQI가 있는 상담원이 없습니다.",
	Rooms:       metrics.Catalog[metrics.MRooms].LabelKO,
	Weakest:     "가장 낮은 구성 요소",
	ChartVolume: metrics.Catalog[metrics.MRooms].LabelKO,
	ChartLevel:  metrics.Catalog[metrics.MServiceLevelPct].LabelKO,
	RoomsCapped: "기간 중 상담방 %[2]d건 중 처음 %[1]d건; 전체 상담방: GET /v1/tenants/%[3]s/rooms?from=%[4]s&to=%[5]s (모든 형식).",
	Kinds:       [4]string{"건수", "시간 (분:초, 1시간 이상은 시:분:초)", "퍼센트 (0-100)", "점수"},
	Weekdays:    [7]string{"일", "월", "화", "수", "목", "금", "토"},
	HoursMode: map[string]string{
		metrics.HoursAll:      "시간 기준: 전체 시간",
		metrics.HoursBusiness: "시간 기준: 운영 시간만",
	},
	Extra: map[string]string{
		"hours":           "시간 기준",
		"sqi":             "서비스 품질 지수: 지표 값이 있는 구성 요소 점수의 가중 평균.",
		"grade":           "SQI(소수 첫째 자리 반올림)가 처음으로 도달하는 등급 기준.",
		"components":      "각 구성 요소는 지표를 최저(0점)에서 목표(100점)까지 선형으로 환산하며 0~100으로 제한.",
		"component":       "%s: %s → 0점, %s → 100점; 가중치 %g.",
		"sl_threshold_s":  "서비스 레벨 기준 시간",
		"short_abandon_s": "단기 포기 기준 시간",
		"metrics":         "지표",
		"roomsSheet":      "상담방 시트",
		"empty":           "빈 칸: 값이 없는 지표 (예: 응대된 상담방이 없으면 대기 시간이 없음).",
		"durations":       "시간은 엑셀 시간 값(일 단위)입니다: 셀 × 86400은 API의 초 값이며, SUM, AVERAGE, TIME()과의 비교가 일반 시간처럼 동작합니다.",
	},
	ko: true,
}

func textsFor(locale string) *texts {
	if locale == "ko" {
		return &textsKO
	}
	return &textsEN
}

// metricLabel is a metric's label in the locale.
func (t *texts) metricLabel(i int) string {
	if t.ko {
		return metrics.Catalog[i].LabelKO
	}
	return metrics.Catalog[i].LabelEN
}

// metricDefinition is a metric's definition in the locale.
func (t *texts) metricDefinition(i int) string {
	if t.ko {
		return metrics.Catalog[i].DefinitionKO
	}
	return metrics.Catalog[i].Definition
}

// componentLabel is a component's name in the locale: the known ones are
// translated, a tenant's own keep their configured name.
func (t *texts) componentLabel(name string) string {
	if t.ko {
		return metrics.ComponentLabel(name, "ko")
	}
	return metrics.ComponentLabel(name, "en")
}

// componentColumn heads a component's score in a table or a row of its
// own (metrics.ComponentColumnLabel).
func (t *texts) componentColumn(name string) string {
	if t.ko {
		return metrics.ComponentColumnLabel(name, "ko")
	}
	return metrics.ComponentColumnLabel(name, "en")
}

// sheetKeys are the workbook's sheets, in order, by key: the Hourly sheet
// of a daily report is the Daily sheet of a weekly or monthly one.
func sheetKeys(kind Kind) []string {
	timeSheet := "hourly"
	if kind != KindDaily {
		timeSheet = "daily"
	}
	return []string{"summary", timeSheet, "agents", "teams", "channels", "categories", "rooms", "definitions"}
}

// SheetNames are the names of the sheets of a report of kind in locale,
// in order: Summary, Hourly (daily) or Daily (weekly, monthly), Agents,
// Teams, Channels, Categories, Rooms, Definitions in English; 요약,
// 시간대별 or 일별, 상담원, 팀, 채널, 상담 유형, 상담방, 지표 정의 in Korean.
func SheetNames(kind Kind, locale string) []string {
	t := textsFor(locale)
	var out []string
	for _, k := range sheetKeys(kind) {
		out = append(out, t.Sheets[k])
	}
	return out
}
