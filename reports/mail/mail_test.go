package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    Config // Host, Port, Username, Password, TLS, Auth
		wantErr string
	}{
		{name: "starttls by default", url: "smtp://user:pw@mail.example.com",
			want: Config{Host: "mail.example.com", Port: 587, Username: "user", Password: "pw", TLS: TLSStartTLS, Auth: "AUTODISCOVER"}},
		{name: "implicit tls", url: "smtp://mail.example.com?tls=tls",
			want: Config{Host: "mail.example.com", Port: 465, TLS: TLSImplicit}},
		{name: "smtps scheme", url: "smtps://u:hunter2@mail.example.com:2465",
			want: Config{Host: "mail.example.com", Port: 2465, Username: "u", Password: "hunter2", TLS: TLSImplicit, Auth: "AUTODISCOVER"}},
		{name: "plain, no tls, explicit auth", url: "smtp://u:p%40ss@127.0.0.1:1025?tls=none&auth=plain",
			want: Config{Host: "127.0.0.1", Port: 1025, Username: "u", Password: "p@ss", TLS: TLSNone, Auth: "PLAIN"}},
		{name: "no auth", url: "smtp://relay:25?tls=none",
			want: Config{Host: "relay", Port: 25, TLS: TLSNone}},
		{name: "bad scheme", url: "http://mail.example.com", wantErr: "scheme"},
		{name: "bad tls", url: "smtp://mail.example.com?tls=yes", wantErr: "tls="},
		{name: "bad port", url: "smtp://mail.example.com:99999", wantErr: "port"},
		{name: "auth without user", url: "smtp://mail.example.com?auth=login", wantErr: "needs a user"},
		{name: "unknown parameter", url: "smtp://mail.example.com?tsl=none", wantErr: `"tsl"`},
		{name: "no host", url: "smtp://", wantErr: "SMTP_URL"},
		{name: "password not echoed", url: "smtp://u:secret@/x", wantErr: "***"},
		{name: "password not echoed: bad port", url: "smtp://u:secret@mail.example.com:notaport", wantErr: "u:***@mail.example.com:notaport"},
		{name: "password not echoed: bad escape", url: "smtp://u:se%zzcret@mail.example.com:25", wantErr: "u:***@"},
		{name: "password not echoed: a slash in it", url: "smtp://u:se/cr:et@mail.example.com:x", wantErr: "u:***@"},
		{name: "password not echoed: no scheme", url: "u:secret@mail example", wantErr: "***"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURL(tc.url)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "cr") {
					t.Fatalf("err %v, want one containing %q (and no password)", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Timeout, got.From, got.TLSConfig = 0, "", nil
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if s := got.String(); tc.want.Password != "" && strings.Contains(s, tc.want.Password) {
				t.Errorf("String() shows the password: %s", s)
			}
		})
	}
}

// TestBuild checks the MIME structure: mixed(related(alternative(text,
// html), png), xlsx), UTF-8 everywhere, the Korean subject intact.
func TestBuild(t *testing.T) {
	m := &Message{
		To: "lead@acme.example", Subject: "[SQI] 에이크미 2026-03-08 일일 리포트",
		Text: "전체 상담방 600", HTML: `<p>전체 상담방 600</p><img src="cid:chart.png">`,
		Inline:      []Part{{Name: "chart.png", ContentType: "image/png", ContentID: "chart.png", Data: []byte("\x89PNG...")}},
		Attachments: []Part{{Name: "r.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: []byte("PK..")}},
		MessageID:   "sqi-daily.acme.2026-03-08.abc@acme.example",
		Date:        time.Date(2026, 3, 9, 7, 0, 0, 0, time.UTC),
	}
	var buf bytes.Buffer
	if err := WriteTo(&buf, m, "SQI 리포트 <reports@acme.example>"); err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err != nil || subj != m.Subject {
		t.Errorf("subject %q (%v), want %q", subj, err, m.Subject)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+m.MessageID+">" {
		t.Errorf("Message-ID %q", got)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "SQI 리포트" {
		t.Errorf("from %v %v", from, err)
	}
	var types []string
	var walk func(r io.Reader, contentType string, depth int)
	walk = func(r io.Reader, contentType string, depth int) {
		mt, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, strings.Repeat(" ", depth)+mt)
		if !strings.HasPrefix(mt, "multipart/") {
			if strings.HasPrefix(mt, "text/") && !strings.EqualFold(params["charset"], "utf-8") {
				t.Errorf("%s charset %q, want UTF-8", mt, params["charset"])
			}
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walk(p, p.Header.Get("Content-Type"), depth+1)
		}
	}
	walk(msg.Body, msg.Header.Get("Content-Type"), 0)
	want := []string{"multipart/mixed", " multipart/related", "  multipart/alternative", "   text/plain", "   text/html",
		"  image/png", " application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	if strings.Join(types, "\n") != strings.Join(want, "\n") {
		t.Errorf("MIME tree:\n%s\nwant:\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
	}
}
