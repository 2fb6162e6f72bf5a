package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"sqi/internal/fonts"
)

// Problems with the settings are shown beside their fields: a number
// that is not one (the page's own check) and what the API refuses
// (components.service_level.weight, grades[1].min, alerts.rules[0].op),
// and nothing is saved. A document changed since its preview is previewed
// again, not saved.
func TestSettingsErrors(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20})
	c := s.client(t)
	csrf := c.signIn(s.keys["manager"])
	_, page := c.get("/t/acme/settings")
	form := formOf(t, page)
	row := rowOf(t, form, "comp", "service_level")
	post := func(changes map[string]string, action string) (int, string) {
		t.Helper()
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range changes {
			f.Set(k, v)
		}
		f.Set("csrf", csrf)
		f.Set("action", action)
		resp, body := c.post("/t/acme/settings", f)
		return resp.StatusCode, body
	}
	errorOf := func(body, field string) string {
		id := "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(field) + "-err"
		m := regexp.MustCompile(`id="` + id + `" role="alert">([^<]*)<`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	status, body := post(map[string]string{row + ".weight": "abc"}, "preview")
	if status != http.StatusBadRequest || errorOf(body, row+".weight") != "숫자를 적으세요." {
		t.Errorf("weight abc: %d, error beside the field %q", status, errorOf(body, row+".weight"))
	}
	status, body = post(map[string]string{row + ".weight": "-5", "grade.1.min": "99", "rule.0.op": "=="}, "preview")
	if status != http.StatusBadRequest {
		t.Fatalf("bad values: %d", status)
	}
	for field, want := range map[string]string{row + ".weight": "components.service_level.weight", "grade.1.min": "grades[1].min", "rule.0.op": "alerts.rules[0].op"} {
		if got := errorOf(body, field); !strings.Contains(got, want) {
			t.Errorf("the error beside %s is %q, want the API's about %s", field, got, want)
		}
	}
	if !strings.Contains(body, `value="-5"`) {
		t.Error("the page lost what was typed")
	}
	if w := s.weight(t, "service_level"); w != 25 {
		t.Errorf("a refused document was saved: weight %v", w)
	}
	// Save without a preview, or with a preview of another document:
	// previewed (again), not saved.
	status, body = post(map[string]string{row + ".weight": "60", "previewed": "0123"}, "save")
	if status != http.StatusOK || !strings.Contains(body, `id="preview"`) || !strings.Contains(body, "다시 미리보기했습니다") {
		t.Errorf("save of an unpreviewed document: %d, preview shown %v", status, strings.Contains(body, `id="preview"`))
	}
	if w := s.weight(t, "service_level"); w != 25 {
		t.Errorf("an unpreviewed document was saved: weight %v", w)
	}
	previewed := formValue(t, body, "previewed")
	status, _ = post(map[string]string{row + ".weight": "60", "previewed": previewed}, "save")
	if status != http.StatusSeeOther {
		t.Errorf("save of the previewed document: %d", status)
	}
	if w := s.weight(t, "service_level"); w != 60 {
		t.Errorf("the previewed document was not saved: weight %v", w)
	}
}

// formOf reads the named inputs, selects and textareas of a page.
func formOf(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="text"[^>]* name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(page, -1) {
		if sel := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2]); sel != nil {
			v.Set(m[1], htmlUnescape(sel[1]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(page, -1) {
		v.Set(m[1], htmlUnescape(m[2]))
	}
	if strings.Contains(page, `name="bh_enabled" checked`) {
		v.Set("bh_enabled", "on")
	}
	if len(v) < 10 {
		t.Fatalf("the settings form has %d fields", len(v))
	}
	return v
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// rowOf is the prefix (comp.3) of the table row whose name is name.
func rowOf(t *testing.T, form url.Values, table, name string) string {
	t.Helper()
	for k, v := range form {
		if strings.HasPrefix(k, table+".") && strings.HasSuffix(k, ".name") && v[0] == name {
			return strings.TrimSuffix(k, ".name")
		}
	}
	t.Fatalf("no %s row %s in %v", table, name, form)
	return ""
}

// Downloads are the API's files for the session: with HEAD and ranges, as
// the API serves them; a problem of the API is a page.
func TestDownloads(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 20})
	c := s.client(t)
	c.signIn(s.keys["reader"])
	q := "from=2026-01-01&to=2026-01-07&group_by=day&format=csv&bom=true&lang=ko"
	resp, body := c.get("/t/acme/download/sqi?" + q)
	api := s.api(t, "reader", "/v1/tenants/acme/sqi?"+q)
	want, _ := io.ReadAll(api.Body)
	api.Body.Close()
	if resp.StatusCode != http.StatusOK || body != string(want) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the session's csv: %d %q, want the API's %d bytes", resp.StatusCode, resp.Header.Get("Content-Disposition"), len(want))
	}
	resp, body = c.get("/t/acme/download/sqi?"+q, "Range", "bytes=0-9")
	if resp.StatusCode != http.StatusPartialContent || body != string(want[:10]) {
		t.Errorf("a range: %d %q", resp.StatusCode, body)
	}
	req, _ := http.NewRequest(http.MethodHead, c.base+"/t/acme/download/sqi?"+q, nil)
	resp, _ = c.do(req)
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(want)) {
		t.Errorf("HEAD: %d, length %d, want %d", resp.StatusCode, resp.ContentLength, len(want))
	}
	resp, body = c.get("/t/acme/download/report?kind=daily&date=2026-13-01")
	if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "YYYY-MM-DD") {
		t.Errorf("a bad date: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = c.get("/t/globex/download/sqi?" + q)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's download: %d, want 404", resp.StatusCode)
	}
	resp, _ = c.get("/t/acme/download/config")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a download of something else: %d, want 404", resp.StatusCode)
	}
}

// A Rooms page link whose cursor belongs to other dates or filters (an
// edited link, an old bookmark) shows the first page of these, saying so.
func TestRoomsCursorOfAnotherQuery(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 40})
	c := s.client(t)
	c.signIn(s.keys["reader"])
	seoul, _ := time.LoadLocation("Asia/Seoul")
	today := time.Now().In(seoul)
	from, to, to2 := today.AddDate(0, 0, -7).Format("2006-01-02"), today.AddDate(0, 0, -1).Format("2006-01-02"), today.AddDate(0, 0, -2).Format("2006-01-02")
	_, page := c.get("/t/acme/rooms?from=" + from + "&to=" + to)
	next := regexp.MustCompile(`href="(/t/acme/rooms\?[^"]*cursor=[^"&]+[^"]*)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatalf("no next page on the first page:\n%s", page)
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if resp, page := c.get(link); resp.StatusCode != http.StatusOK || strings.Contains(page, `role="alert"`) {
		t.Fatalf("its own next page: %d", resp.StatusCode)
	}
	other := strings.Replace(link, "to="+to, "to="+to2, 1)
	if other == link {
		t.Fatalf("no to= in %s", link)
	}
	resp, page := c.get(other)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "첫 페이지를 보여 드립니다") || !strings.Contains(page, `<table`) {
		t.Errorf("another query's cursor: %d, want the first page with a notice", resp.StatusCode)
	}
}

// An admin picks a tenant and sees every one; / goes to the last one.
func TestAdminPicksTenant(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 5})
	c := s.client(t)
	_, page := c.get("/signin")
	resp, _ := c.post("/signin", url.Values{"csrf": {formValue(t, page, "csrf")}, "key": {s.keys["admin"]}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Fatalf("an admin's sign-in went to %s", loc)
	}
	resp, _ = c.get("/")
	if loc := resp.Header.Get("Location"); loc != "/tenants" {
		t.Fatalf("an admin's / went to %s, want /tenants", loc)
	}
	_, page = c.get("/tenants")
	for _, id := range []string{own, other} {
		if !strings.Contains(page, `href="/t/`+id+`/live"`) {
			t.Errorf("the tenant list has no %s", id)
		}
	}
	if resp, _ := c.get("/t/globex/live"); resp.StatusCode != http.StatusOK {
		t.Errorf("an admin's globex: %d", resp.StatusCode)
	}
	resp, _ = c.get("/")
	if loc := resp.Header.Get("Location"); loc != "/t/globex/live" {
		t.Errorf("/ after globex went to %s", loc)
	}
	// globex's locale is English.
	if _, page := c.get("/t/globex/trends"); !strings.Contains(page, `<html lang="en">`) {
		t.Error("globex's pages are not in its locale (en)")
	}
}

// Assets have content-hashed names and are kept for a year.
func TestAssets(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{roomsPerDay: 5})
	c := s.client(t)
	_, page := c.get("/signin")
	for _, m := range regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !regexp.MustCompile(`^/assets/[a-z]+\.[0-9a-f]{12}\.(css|js|svg)$`).MatchString(m[1]) {
			t.Errorf("asset %s has no hash in its name", m[1])
		}
		resp, body := c.get(m[1])
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || body == "" {
			t.Errorf("%s: %d, Cache-Control %q", m[1], resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	// The stylesheet names the embedded Korean fonts by their hashed names,
	// served as OpenType, the same bytes as internal/fonts.
	css := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("no stylesheet")
	}
	_, sheet := c.get(css[1])
	fontURLs := regexp.MustCompile(`url\("(/assets/hangul-(regular|bold)\.[0-9a-f]{12}\.otf)"\)`).FindAllStringSubmatch(sheet, -1)
	if len(fontURLs) != 2 || strings.Contains(sheet, "@hangul-") {
		t.Fatalf("the stylesheet's fonts: %q", fontURLs)
	}
	for _, m := range fontURLs {
		want := fonts.Regular
		if m[2] == "bold" {
			want = fonts.Bold
		}
		resp, body := c.get(m[1])
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "font/otf" || body != string(want) ||
			resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d, %s, %d bytes (want %d)", m[1], resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(want))
		}
	}
	if resp, _ := c.get("/assets/app.000000000000.css"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown asset: %d", resp.StatusCode)
	}
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.HasSuffix(strings.TrimSpace(page), "</html>") || strings.Count(page, "<main") != 1 {
		t.Errorf("the page is not one whole document:\n%s", page)
	}
	if !strings.Contains(page, `<script src="/assets/app.`) || strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
		t.Error("the page has inline script or style")
	}
}
