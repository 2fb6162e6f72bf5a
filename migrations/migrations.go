// Package migrations holds the numbered SQL migrations of the service's
// database, embedded in the binary and applied by store.Migrate (goose).
// It must not import anything of the service.
package migrations

import "embed"

// FS holds the migration files, named NNNNN_name.sql.
//
//go:embed *.sql
var FS embed.FS
