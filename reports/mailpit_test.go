package reports_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sqi/reports/mail"
)

// mailpit is a real SMTP server (Mailpit) started by a test on free ports
// and stopped when the test ends.
type mailpit struct {
	smtpHost string
	smtpPort int
	api      string
	caPool   *x509.CertPool // set when started with TLS
}

// startMailpit starts Mailpit from SQI_MAILPIT_BIN (scripts/test.sh
// installs it and sets it). A missing binary fails the test: mail tests
// are never skipped.
func startMailpit(t *testing.T, withTLS bool) *mailpit {
	t.Helper()
	bin := os.Getenv("SQI_MAILPIT_BIN")
	if bin == "" {
		t.Fatal("SQI_MAILPIT_BIN is not set: run the tests with `make test` (scripts/test.sh installs Mailpit), " +
			"or go install github.com/axllent/mailpit@v1.27.11 and set SQI_MAILPIT_BIN to the binary")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("SQI_MAILPIT_BIN=%s: %v", bin, err)
	}
	dir := t.TempDir()
	m := &mailpit{smtpHost: "127.0.0.1"}
	var lastErr error
	for range 5 { // a free port can be taken between probing and binding
		smtpPort, httpPort := freePort(t), freePort(t)
		m.smtpPort, m.api = smtpPort, fmt.Sprintf("http://127.0.0.1:%d", httpPort)
		args := []string{
			"--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort),
			"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort),
			"--database", filepath.Join(dir, fmt.Sprintf("mailpit-%d.db", smtpPort)),
			"--disable-version-check", "--enable-chaos",
			"--smtp-auth-accept-any", "--smtp-disable-rdns",
		}
		if !withTLS {
			args = append(args, "--smtp-auth-allow-insecure") // PLAIN without TLS
		} else {
			cert, key, pool := selfSigned(t, dir)
			m.caPool = pool
			args = append(args, "--smtp-tls-cert", cert, "--smtp-tls-key", key, "--smtp-require-starttls")
		}
		var logs bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &syncWriter{w: &logs}, &syncWriter{w: &logs}
		if err := cmd.Start(); err != nil {
			t.Fatalf("start mailpit: %v", err)
		}
		exited := make(chan struct{})
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(exited) }()
		stop := func() {
			_ = cmd.Process.Kill()
			<-exited
		}
		if lastErr = m.waitReady(exited); lastErr == nil {
			t.Cleanup(stop)
			return m
		}
		stop()
		lastErr = fmt.Errorf("%w (%v)\n%s", lastErr, waitErr, logs.String())
	}
	t.Fatalf("mailpit did not start: %v", lastErr)
	return nil
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (m *mailpit) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("mailpit exited")
		default:
		}
		resp, err := http.Get(m.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", fmt.Sprintf("%s:%d", m.smtpHost, m.smtpPort), time.Second); err == nil {
					c.Close()
					return nil
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("mailpit not ready on %s", m.api)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// mailer returns a sender to this Mailpit: plain SMTP with authentication
// (Mailpit accepts any credentials), or STARTTLS when it was started with
// TLS.
func (m *mailpit) mailer(t *testing.T) *mail.SMTP {
	t.Helper()
	mode := "none"
	if m.caPool != nil {
		mode = "starttls"
	}
	u := fmt.Sprintf("smtp://reports:s3cret@%s:%d?tls=%s&auth=plain", m.smtpHost, m.smtpPort, mode)
	c, err := mail.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	c.From = "SQI 리포트 <reports@sqi.example>"
	if m.caPool != nil {
		c.TLSConfig = &tls.Config{RootCAs: m.caPool, ServerName: m.smtpHost, MinVersion: tls.VersionTLS12}
	}
	s, err := mail.NewWithConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// chaos makes Mailpit answer every RCPT TO with code (0: normally).
func (m *mailpit) chaos(t *testing.T, code int) {
	t.Helper()
	prob := 0
	if code != 0 {
		prob = 100
	} else {
		code = 451
	}
	body := fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":%d}}`, code, prob)
	req, err := http.NewRequest(http.MethodPut, m.api+"/api/v1/chaos", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit chaos: %s", resp.Status)
	}
}

type mpAddress struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

type mpSummary struct {
	ID        string      `json:"ID"`
	MessageID string      `json:"MessageID"`
	To        []mpAddress `json:"To"`
	Subject   string      `json:"Subject"`
}

type mpPart struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	ContentID   string `json:"ContentID"`
	Size        int    `json:"Size"`
}

type mpMessage struct {
	mpSummary
	From        mpAddress `json:"From"`
	Text        string    `json:"Text"`
	HTML        string    `json:"HTML"`
	Inline      []mpPart  `json:"Inline"`
	Attachments []mpPart  `json:"Attachments"`
}

func (m *mailpit) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (m *mailpit) get(t *testing.T, path string) []byte {
	t.Helper()
	resp, err := http.Get(m.api + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", path, resp.Status, err)
	}
	return b
}

// messages lists what Mailpit received.
func (m *mailpit) messages(t *testing.T) []mpSummary {
	t.Helper()
	var list struct {
		Total    int         `json:"total"`
		Messages []mpSummary `json:"messages"`
	}
	m.getJSON(t, "/api/v1/messages?limit=500", &list)
	return list.Messages
}

func (m *mailpit) message(t *testing.T, id string) mpMessage {
	t.Helper()
	var msg mpMessage
	m.getJSON(t, "/api/v1/message/"+id, &msg)
	return msg
}

// perRecipient counts the messages received by each address.
func perRecipient(msgs []mpSummary) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			out[to.Address]++
		}
	}
	return out
}

// fakeETL stands for the ETL in schedule tests: it counts runs and
// overlaps.
type fakeETL struct {
	mu            sync.Mutex
	runs, running int
	maxRunning    int
	sleep         time.Duration
}

func (f *fakeETL) RunOnce(ctx context.Context) (etlResult, error) {
	f.mu.Lock()
	f.runs++
	f.running++
	f.maxRunning = max(f.maxRunning, f.running)
	f.mu.Unlock()
	select {
	case <-time.After(f.sleep):
	case <-ctx.Done():
	}
	f.mu.Lock()
	f.running--
	f.mu.Unlock()
	return etlResult{}, nil
}

func (f *fakeETL) stats() (runs, maxRunning int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs, f.maxRunning
}

// fakeMailer records messages instead of sending them; fail makes it fail.
type fakeMailer struct {
	mu   sync.Mutex
	sent []*mail.Message
	fail error
}

func (f *fakeMailer) Send(ctx context.Context, m *mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeMailer) messages() []*mail.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*mail.Message(nil), f.sent...)
}
