package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"code.dny.dev/ssrf"

	"sqi/metrics"
)

// Sign is the X-SQI-Signature of body under secret: "sha256=" and the hex
// HMAC-SHA256 of the body.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// NewWebhookClient returns the HTTP client of the webhooks: no proxy (a
// proxy would dial in our place), no redirects, a timeout for the whole
// exchange, and, unless allowPrivate, a dialer that refuses every
// address that is loopback, private, link-local (cloud metadata
// 169.254.169.254 included), shared, multicast or otherwise not public
// (code.dny.dev/ssrf). The check is on the address dialled, after DNS:
// a name that resolves to a private address is refused as well.
func NewWebhookClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = ssrf.New(ssrf.WithAnyPort()).Safe
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          20,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// deliveryError is a failed attempt: Permanent when trying again cannot
// help (a forbidden address, a 4xx answer, no mailer).
type deliveryError struct {
	msg       string
	Permanent bool
}

func (e *deliveryError) Error() string { return e.msg }

func permanent(format string, a ...any) error {
	return &deliveryError{msg: fmt.Sprintf(format, a...), Permanent: true}
}

func temporary(format string, a ...any) error {
	return &deliveryError{msg: fmt.Sprintf(format, a...)}
}

// IsPermanent reports whether err is a failure that retrying cannot mend.
func IsPermanent(err error) bool {
	var de *deliveryError
	return errors.As(err, &de) && de.Permanent
}

// postWebhook POSTs body to rawURL with the delivery id and, with a
// secret, the signature. Its errors never hold the URL (a Slack URL is a
// credential) nor the secret: only the redacted URL.
func postWebhook(ctx context.Context, client *http.Client, rawURL, secret, deliveryID string, body []byte) error {
	shown := metrics.RedactURL(rawURL)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return permanent("webhook %s: the URL cannot be used", shown)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "sqi-alerts")
	req.Header.Set("X-SQI-Delivery", deliveryID)
	if secret != "" {
		req.Header.Set("X-SQI-Signature", Sign(secret, body))
	}
	resp, err := client.Do(req)
	if err != nil {
		return describeTransportError(shown, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		return permanent("webhook %s answered %s, a redirect, which is not followed: give the final URL", shown, resp.Status)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return temporary("webhook %s answered %s", shown, resp.Status)
	default:
		return permanent("webhook %s answered %s: check the URL (and that the receiver accepts the body)", shown, resp.Status)
	}
}

// describeTransportError says why the request did not get an answer,
// without the URL that net/http's errors repeat.
func describeTransportError(shown string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ssrf.ErrProhibitedIP), errors.Is(err, ssrf.ErrProhibitedNetwork), errors.Is(err, ssrf.ErrProhibitedPort),
		errors.Is(err, ssrf.ErrInvalidHostPort):
		return permanent("webhook %s: refused, its address is loopback, private, link-local or otherwise not public (an operator may set WEBHOOK_ALLOW_PRIVATE=true)", shown)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return temporary("webhook %s did not answer in time", shown)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return temporary("webhook %s: the host name does not resolve", shown)
		}
		return temporary("webhook %s: the host name could not be resolved", shown)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return temporary("webhook %s: %s failed: %v", shown, opErr.Op, opErr.Err)
	}
	return temporary("webhook %s: the request failed (%T)", shown, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
