// Package mail sends the daily report e-mails over SMTP with go-mail: it
// owns SMTP_URL, the MIME structure (plain text and HTML alternatives,
// inline images, attachments) and the SMTP exchange. It knows nothing of
// reports or the database and must not import store/ or reports.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Part is an inline image or an attachment.
type Part struct {
	Name        string // file name
	ContentType string
	ContentID   string // inline parts: referenced from the HTML as cid:ContentID
	Data        []byte
}

// Message is one e-mail to one recipient.
type Message struct {
	To          string
	Subject     string
	Text        string // the plain-text alternative
	HTML        string
	Inline      []Part
	Attachments []Part
	// MessageID, without angle brackets, is stable for a given report and
	// recipient: should a message ever go out twice (a sender that died
	// after the server accepted it), mail clients that thread or
	// deduplicate by Message-ID show it once.
	MessageID string
	Date      time.Time
}

// TLS modes of SMTP_URL.
const (
	TLSStartTLS = "starttls" // plain connection upgraded by STARTTLS, which must succeed
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS)
	TLSNone     = "none"     // no encryption
)

// Config is a parsed SMTP_URL with the sender's address.
type Config struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // TLSStartTLS, TLSImplicit or TLSNone
	Auth     string // go-mail mechanism: "" (none), AUTODISCOVER, PLAIN, LOGIN, CRAM-MD5, ...
	From     string
	Timeout  time.Duration
	// TLSConfig, when set, replaces the default (system roots, the host as
	// server name): tests trust their own certificate with it.
	TLSConfig *tls.Config
}

// ParseURL parses SMTP_URL: smtp://[user[:pass]@]host[:port][?tls=starttls|tls|none][&auth=plain|login|cram-md5|auto]
// (smtps:// means tls=tls). The port defaults to 587 for starttls, 465
// for tls and 25 for none; with a user name, auth defaults to auto (the
// strongest mechanism the server offers). Errors name what to change.
func ParseURL(raw string) (Config, error) {
	var c Config
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return c, fmt.Errorf("SMTP_URL %q: use smtp://user:pass@host:port?tls=starttls|tls|none", redact(raw))
	}
	c.TLS = TLSStartTLS
	switch u.Scheme {
	case "smtp":
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return c, fmt.Errorf("SMTP_URL scheme %q: use smtp:// (or smtps:// for TLS from the start)", u.Scheme)
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "auth" && k != "timeout" {
			return c, fmt.Errorf("SMTP_URL parameter %q: use tls, auth or timeout", k)
		}
	}
	if v := q.Get("tls"); v != "" {
		switch v {
		case TLSStartTLS, TLSImplicit, TLSNone:
			c.TLS = v
		default:
			return c, fmt.Errorf("SMTP_URL tls=%q: use starttls, tls or none", v)
		}
	}
	c.Host = u.Hostname()
	switch c.TLS {
	case TLSStartTLS:
		c.Port = 587
	case TLSImplicit:
		c.Port = 465
	default:
		c.Port = 25
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("SMTP_URL port %q: use 1..65535", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	auth := strings.ToLower(q.Get("auth"))
	if auth == "" && c.Username != "" {
		auth = "auto"
	}
	switch auth {
	case "", "none":
		c.Auth = ""
	case "auto":
		c.Auth = string(gomail.SMTPAuthAutoDiscover)
	case "plain", "login", "cram-md5":
		c.Auth = strings.ToUpper(auth)
	default:
		return c, fmt.Errorf("SMTP_URL auth=%q: use plain, login, cram-md5, auto or none", auth)
	}
	if c.Auth != "" && c.Username == "" {
		return c, fmt.Errorf("SMTP_URL auth=%s needs a user: smtp://user:pass@%s", auth, u.Host)
	}
	c.Timeout = 30 * time.Second
	if v := q.Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SMTP_URL timeout=%q: use a duration such as 30s", v)
		}
		c.Timeout = d
	}
	return c, nil
}

// String is the configuration with the password masked, for logs.
func (c Config) String() string {
	user := ""
	if c.Username != "" {
		user = c.Username + ":***@"
	}
	return fmt.Sprintf("smtp://%s%s:%d?tls=%s from=%s", user, c.Host, c.Port, c.TLS, c.From)
}

// redact is raw with its password masked, for error messages; also when
// raw does not parse (a bad port, a bad %-escape), where everything
// between the scheme and the last '@' but the user name is masked.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		if _, ok := u.User.Password(); !ok {
			return raw
		}
		u.User = url.User(u.User.Username())
		user := u.User.String()
		return strings.Replace(u.String(), "//"+user+"@", "//"+user+":***@", 1)
	}
	prefix, rest := "", raw
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, rest = raw[:i+3], raw[i+3:]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return prefix + user + ":***" + rest[at:]
}

// SMTP sends messages through one SMTP server, one connection per
// message: a report goes to a handful of supervisors a day.
type SMTP struct {
	cfg Config
}

// New returns a sender for SMTP_URL rawURL with From address from.
func New(rawURL, from string) (*SMTP, error) {
	c, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c.From = from
	return NewWithConfig(c)
}

// NewWithConfig returns a sender for c.
func NewWithConfig(c Config) (*SMTP, error) {
	if err := gomail.NewMsg().From(c.From); err != nil || c.From == "" {
		return nil, fmt.Errorf("SMTP_FROM %q: use an address such as \"SQI Reports <sqi@example.com>\"", c.From)
	}
	return &SMTP{cfg: c}, nil
}

// Config returns the configuration (String masks the password).
func (s *SMTP) Config() Config { return s.cfg }

func (s *SMTP) client() (*gomail.Client, error) {
	c := s.cfg
	opts := []gomail.Option{gomail.WithPort(c.Port), gomail.WithTimeout(c.Timeout)}
	switch c.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if c.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(c.TLSConfig))
	}
	if c.Auth != "" {
		auth := gomail.SMTPAuthType(c.Auth)
		if c.TLS == TLSNone {
			// The URL asked for no encryption: credentials go in clear,
			// which go-mail refuses unless told so.
			switch auth {
			case gomail.SMTPAuthPlain, gomail.SMTPAuthAutoDiscover:
				auth = gomail.SMTPAuthPlainNoEnc
			case gomail.SMTPAuthLogin:
				auth = gomail.SMTPAuthLoginNoEnc
			}
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	return gomail.NewClient(c.Host, opts...)
}

// Send sends m. An error means the server did not accept it (as far as
// the client can tell).
func (s *SMTP) Send(ctx context.Context, m *Message) error {
	msg, err := Build(m, s.cfg.From)
	if err != nil {
		return err
	}
	cl, err := s.client()
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := cl.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// Temporary reports whether err is a failure that the server said may go
// away (4xx) rather than a refusal (5xx). Unclassified errors (network)
// count as temporary.
func Temporary(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.IsTemp() || se.ErrorCode() < 500
	}
	return true
}

// Build turns m into a go-mail message: multipart/alternative (text, then
// HTML, which clients prefer), related to the inline parts, mixed with the
// attachments; UTF-8 throughout, so Korean text survives every hop.
func Build(m *Message, from string) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	msg.SetUserAgent("sqi")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, p := range m.Inline {
		if err := msg.EmbedReader(p.Name, bytes.NewReader(p.Data),
			gomail.WithFileContentID(p.ContentID), gomail.WithFileContentType(gomail.ContentType(p.ContentType))); err != nil {
			return nil, fmt.Errorf("inline %s: %w", p.Name, err)
		}
	}
	for _, p := range m.Attachments {
		if err := msg.AttachReader(p.Name, bytes.NewReader(p.Data),
			gomail.WithFileContentType(gomail.ContentType(p.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", p.Name, err)
		}
	}
	return msg, nil
}

// WriteTo writes m as an RFC 5322 message (an .eml file), for previews.
func WriteTo(w io.Writer, m *Message, from string) error {
	msg, err := Build(m, from)
	if err != nil {
		return err
	}
	_, err = msg.WriteTo(w)
	return err
}

// FromDomain is the domain of the From address, for Message-IDs.
func (s *SMTP) FromDomain() string {
	a, err := netmail.ParseAddress(s.cfg.From)
	if err != nil {
		return ""
	}
	return a.Address[strings.LastIndexByte(a.Address, '@')+1:]
}
