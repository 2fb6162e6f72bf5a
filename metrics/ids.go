package metrics

import (
	"regexp"
	"unicode"
	"unicode/utf8"
)

// Ids the API can address. A tenant id is a path segment of every route
// and a file name part of every download; a room id is a cell of every
// export and, later, a path segment of /rooms/{room}. Events whose ids
// break these rules are refused by `sqi import` and, when they arrive
// through the feed, turned into no facts and counted as feed rejects
// (docs/etl.md).
const (
	// TenantIDRule says what a tenant id may be, for error messages.
	TenantIDRule = "use 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or a digit"
	// RoomIDRule says what a room id may be.
	RoomIDRule = "use 1 to 128 printable characters of valid UTF-8 (no control characters)"
	// MaxRoomIDRunes bounds a room id.
	MaxRoomIDRunes = 128
)

// Reasons of the feed rejects: events whose ids the API cannot address.
const (
	RejectBadTenantID = "bad_tenant_id"
	RejectBadRoomID   = "bad_room_id"
)

var tenantIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidTenantID reports whether id can name a tenant.
func ValidTenantID(id string) bool { return tenantIDRe.MatchString(id) }

// ValidRoomID reports whether id can name a room: valid UTF-8, 1 to 128
// characters, each printable (letters, marks, numbers, punctuation,
// symbols and the ASCII space): no control, format, surrogate or private
// use characters, no line breaks.
func ValidRoomID(id string) bool {
	if id == "" || len(id) > MaxRoomIDRunes*utf8.UTFMax || !utf8.ValidString(id) {
		return false
	}
	n := 0
	for _, r := range id {
		n++
		if n > MaxRoomIDRunes || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// IDReject returns the feed-reject reason of an event's ids, "" when
// the API can address them.
func IDReject(tenantID, roomID string) string {
	switch {
	case !ValidTenantID(tenantID):
		return RejectBadTenantID
	case !ValidRoomID(roomID):
		return RejectBadRoomID
	}
	return ""
}
