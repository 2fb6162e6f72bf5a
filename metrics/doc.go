// Package metrics is the core of sqi: room facts, the metrics of any
// group of rooms, SQI scoring (all defined in docs/metrics.md) and the
// tenant's local calendar. It is pure Go and does no I/O: it must not import pgx, gin,
// excelize, net or any package of the service.
package metrics
