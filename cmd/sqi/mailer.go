package main

import (
	"sqi/reports/mail"
)

// smtpMailer is the mailer of SMTP_URL and SMTP_FROM, or nil when
// SMTP_URL is not set; a bad SMTP_URL is a usage error naming it.
func (e *env) smtpMailer() (*mail.SMTP, error) {
	raw := e.getenv("SMTP_URL")
	if raw == "" {
		return nil, nil
	}
	from := e.getenv("SMTP_FROM")
	if from == "" {
		from = defaultFrom
	}
	m, err := mail.New(raw, from)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return m, nil
}
