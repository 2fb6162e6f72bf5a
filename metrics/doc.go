// Package metrics is the core of sqi: room facts (SPEC §3), the metrics of
// any group of rooms (SPEC §4), SQI scoring (SPEC §5) and the tenant's local
// calendar. It is pure Go and does no I/O: it must not import pgx, gin,
// excelize, net or any package of the service.
package metrics
