package metrics

// Words shared by everything a person reads (the reports, the alerts'
// texts, the web app), so that a name reads the same in each.

// NowTerms are the live view's now metrics (docs/api.md, "Live view"):
// their labels and definitions.
var NowTerms = map[string]*Term{
	NowWaiting: {NowWaiting, "Customers waiting", "대기 중 고객",
		"Rooms opened in the last 24 hours, not closed, that the last routing event put in a queue.",
		"최근 24시간 안에 생성되어 아직 종료되지 않았고, 마지막 배정 관련 이벤트가 대기열에 넣은 상담방 수."},
	NowLongestWait: {NowLongestWait, "Longest wait", "최장 대기 시간",
		"The time since the longest-waiting of those rooms entered its queue.",
		"대기 중인 상담방 가운데 가장 오래 기다린 상담방이 대기열에 들어간 뒤 지난 시간."},
	NowInProgress: {NowInProgress, "Chats in progress", "상담 중",
		"Rooms opened in the last 24 hours, not closed, that the last routing event gave to an agent.",
		"최근 24시간 안에 생성되어 아직 종료되지 않았고, 마지막 배정 관련 이벤트가 상담원에게 배정한 상담방 수."},
	NowAgentsBusy: {NowAgentsBusy, "Busy agents", "상담 중 상담원",
		"The distinct agents of the rooms in progress.",
		"상담 중인 상담방의 서로 다른 상담원 수."},
}

// componentLabels are the names of the default components (the SQI of
// docs/metrics.md), English and Korean; a tenant's own components keep
// the name it gave them.
var componentLabels = map[string][2]string{
	"service_level": {"Service level", "서비스 레벨"},
	"wait":          {"Wait", "대기 시간"},
	"response":      {"Response", "응답 속도"},
	"satisfaction":  {"Satisfaction", "만족도"},
	"abandonment":   {"Abandonment", "포기율"},
}

// ComponentColumnLabel heads a component's score wherever it stands apart
// from a heading that says "points" (API files, workbook tables, the web
// app's tables): its name and 점수 / points, so that the abandonment
// component's 100 is not read as an abandon rate of 100 %.
func ComponentColumnLabel(name, locale string) string {
	if locale == "ko" {
		return ComponentLabel(name, "ko") + " 점수"
	}
	return ComponentLabel(name, "en") + " points"
}

// ComponentLabel is a component's name in the locale (ko or en): the
// default components are translated, a tenant's own keep their name.
func ComponentLabel(name, locale string) string {
	l, ok := componentLabels[name]
	switch {
	case !ok:
		return name
	case locale == "ko":
		return l[1]
	}
	return l[0]
}

// betterDirs says, for the metrics whose change is good or bad news,
// which way is better: +1 up, -1 down.
var betterDirs = map[string]int{
	"service_level_pct": +1, "abandon_rate_pct": -1,
	"wait_avg_s": -1, "wait_p50_s": -1, "wait_p90_s": -1, "wait_max_s": -1,
	"first_response_avg_s": -1, "assigned_response_avg_s": -1,
	"drop_rate_pct": -1, "reply_avg_s": -1, "reply_p90_s": -1,
	"score_avg": +1, "csat_pct": +1, "survey_rate_pct": +1,
	MetricSQI: +1,
}

// Better says which way a change of the metric name is good news: +1 up,
// -1 down, 0 neither (volumes, the customer's own reply time).
func Better(name string) int { return betterDirs[name] }
