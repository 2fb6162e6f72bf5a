// Package faults holds the fault suite of `make test` (its tests only):
// the sqi binary killed at random points of an ETL run, and PostgreSQL
// restarted under `sqi serve`, each checked against what an undisturbed
// run gives. It builds the binary from cmd/sqi and starts PostgreSQL
// clusters of its own from the machine's binaries; nothing imports it.
package faults
