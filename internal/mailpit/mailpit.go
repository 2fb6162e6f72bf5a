// Package mailpit starts a real SMTP server (Mailpit) for a test and reads
// what it received through Mailpit's API. Only tests import it; it starts
// the binary of SQI_MAILPIT_BIN, which scripts/test.sh installs, and a
// missing binary fails the test: mail tests are never skipped. It must not
// import anything of the service but reports/mail.
package mailpit

import (
	"bytes"
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

// Server is a real SMTP server (Mailpit) started by a test on free ports
// and stopped when the test ends.
type Server struct {
	smtpHost string
	smtpPort int
	api      string
	caPool   *x509.CertPool // set when started with TLS
}

// Start starts Mailpit from SQI_MAILPIT_BIN (scripts/test.sh
// installs it and sets it). A missing binary fails the test: mail tests
// are never skipped.
func Start(t testing.TB, withTLS bool) *Server {
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
	m := &Server{smtpHost: "127.0.0.1"}
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

func (m *Server) waitReady(exited <-chan struct{}) error {
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

func freePort(t testing.TB) int {
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
func selfSigned(t testing.TB, dir string) (certFile, keyFile string, pool *x509.CertPool) {
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

// Mailer returns a sender to this Mailpit: plain SMTP with authentication
// (Mailpit accepts any credentials), or STARTTLS when it was started with
// TLS.
func (m *Server) Mailer(t testing.TB) *mail.SMTP {
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

// Chaos makes Mailpit answer every RCPT TO with code (0: normally).
func (m *Server) Chaos(t testing.TB, code int) {
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

// Address is an address of a received message.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a received message as Mailpit lists it.
type Summary struct {
	ID        string    `json:"ID"`
	MessageID string    `json:"MessageID"`
	To        []Address `json:"To"`
	Subject   string    `json:"Subject"`
}

// Part is an inline part or an attachment of a received message.
type Part struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	ContentID   string `json:"ContentID"`
	Size        int    `json:"Size"`
}

// Message is a received message.
type Message struct {
	Summary
	From        Address `json:"From"`
	Text        string  `json:"Text"`
	HTML        string  `json:"HTML"`
	Inline      []Part  `json:"Inline"`
	Attachments []Part  `json:"Attachments"`
}

func (m *Server) GetJSON(t testing.TB, path string, v any) {
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

func (m *Server) Get(t testing.TB, path string) []byte {
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

// Messages lists what Mailpit received.
func (m *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var list struct {
		Total    int       `json:"total"`
		Messages []Summary `json:"messages"`
	}
	m.GetJSON(t, "/api/v1/messages?limit=500", &list)
	return list.Messages
}

func (m *Server) Message(t testing.TB, id string) Message {
	t.Helper()
	var msg Message
	m.GetJSON(t, "/api/v1/message/"+id, &msg)
	return msg
}

// PerRecipient counts the messages received by each address.
func PerRecipient(msgs []Summary) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			out[to.Address]++
		}
	}
	return out
}

// SMTPURL is an SMTP_URL of this Mailpit with the given credentials
// (Mailpit accepts any), plain SMTP; it fails the test with TLS on.
func (m *Server) SMTPURL(t testing.TB, user, pass string) string {
	t.Helper()
	if m.caPool != nil {
		t.Fatal("SMTPURL: this Mailpit was started with TLS, which sqi serve would not trust")
	}
	return fmt.Sprintf("smtp://%s:%s@%s:%d?tls=none&auth=plain", user, pass, m.smtpHost, m.smtpPort)
}
