package synth

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"
)

// Tenant is a synthetic client company.
type Tenant struct {
	ID       string
	Name     string
	TimeZone string // IANA
	Locale   string // ko or en
}

// named are the first tenants, in order: Seoul and New York (DST) both
// appear among the first three.
var named = []Tenant{
	{"acme", "Acme", "Asia/Seoul", "ko"},
	{"globex", "Globex", "America/New_York", "en"},
	{"initech", "Initech", "Asia/Seoul", "ko"},
	{"umbrella", "Umbrella", "Europe/London", "en"},
	{"hooli", "Hooli", "America/Los_Angeles", "en"},
	{"soylent", "Soylent", "Asia/Seoul", "ko"},
	{"stark", "Stark Industries", "America/New_York", "en"},
	{"wayne", "Wayne Enterprises", "America/Chicago", "en"},
	{"tyrell", "Tyrell", "Asia/Tokyo", "en"},
	{"wonka", "Wonka", "Europe/Berlin", "en"},
}

// Tenants returns the first n synthetic tenants (n ≤ MaxTenants). Tenant i
// is always the same company, whatever n.
func Tenants(n int) []Tenant {
	n = max(0, min(n, MaxTenants))
	out := make([]Tenant, n)
	for i := range out {
		if i < len(named) {
			out[i] = named[i]
			continue
		}
		out[i] = Tenant{fmt.Sprintf("tenant-%03d", i+1), fmt.Sprintf("Tenant %03d", i+1), "Asia/Seoul", "ko"}
	}
	return out
}

// Teams of every tenant; a category routes a room to one of them.
const (
	teamBilling = "billing"
	teamTech    = "tech"
	teamSales   = "sales"
)

var teams = []string{teamBilling, teamTech, teamSales}

// categories of consultation, with the team they are routed to ("" = any)
// and their relative frequency.
var categories = []struct {
	name, team string
	weight     float64
}{
	{"payment", teamBilling, 14},
	{"refund", teamBilling, 10},
	{"invoice", teamBilling, 6},
	{"login", teamTech, 12},
	{"app_error", teamTech, 10},
	{"account", teamTech, 8},
	{"product_info", teamSales, 12},
	{"order", teamSales, 10},
	{"delivery", teamSales, 10},
	{"other", "", 8},
}

// Channels by locale: the Korean messengers only where they are used.
var channelsByLocale = map[string][]weighted[string]{
	"ko": {{"web", 25}, {"app", 30}, {"kakao", 35}, {"naver", 10}},
	"en": {{"web", 55}, {"app", 45}},
}

// agent is one agent of a tenant's roster.
type agent struct {
	id    string
	team  int
	speed float64 // multiplies their reply delays
	csat  float64 // added to the satisfaction of their rooms
}

// tenantModel is a tenant with what drives its service: its roster, its
// channel mix and how fast it is.
type tenantModel struct {
	Tenant
	index    int
	loc      *time.Location
	agents   []agent
	byTeam   [][]int // agents of each team
	channels []weighted[string]
	wait     float64 // median queue wait at average load, seconds
	reply    float64 // median agent reply, seconds
	survey   float64 // share of answered closed rooms that get a survey
}

// quality of the named tenants, so that demos show a spread of SQI: acme
// serves well, globex fairly, initech poorly.
var quality = map[string]struct{ wait, reply float64 }{
	"acme":    {7, 20},
	"globex":  {14, 34},
	"initech": {32, 58},
}

// newTenantModel derives a tenant's model from its index alone: the same
// company keeps its roster whatever the seed.
func newTenantModel(index int, t Tenant) (*tenantModel, error) {
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
	}
	h := fnv.New64a()
	h.Write([]byte(t.ID))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(index)))

	m := &tenantModel{Tenant: t, index: index, loc: loc, channels: channelsByLocale[t.Locale]}
	if m.channels == nil {
		m.channels = channelsByLocale["en"]
	}
	if q, ok := quality[t.ID]; ok {
		m.wait, m.reply = q.wait, q.reply
	} else {
		m.wait, m.reply = 6+r.Float64()*24, 18+r.Float64()*32
	}
	m.survey = 0.30 + r.Float64()*0.10

	n := 15 + r.IntN(26) // 15..40 agents
	m.byTeam = make([][]int, len(teams))
	for i := range n {
		// billing 35%, tech 40%, sales 25%, at least two per team
		team := i % len(teams)
		if i >= 2*len(teams) {
			team = pick(r, []weighted[int]{{0, 35}, {1, 40}, {2, 25}})
		}
		m.agents = append(m.agents, agent{
			id:    fmt.Sprintf("agent-%03d", i+1),
			team:  team,
			speed: math.Exp(0.25 * r.NormFloat64()),
			csat:  0.25 * r.NormFloat64(),
		})
		m.byTeam[team] = append(m.byTeam[team], i)
	}
	return m, nil
}

// weighted is a choice and its relative weight.
type weighted[T any] struct {
	v T
	w float64
}

func pick[T any](r *rand.Rand, choices []weighted[T]) T {
	var total float64
	for _, c := range choices {
		total += c.w
	}
	x := r.Float64() * total
	for _, c := range choices {
		if x < c.w {
			return c.v
		}
		x -= c.w
	}
	return choices[len(choices)-1].v
}
