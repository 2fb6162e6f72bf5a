package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"sqi/metrics"
	"sqi/store"
)

// Roles of an API key (docs/api.md): a reader sees its own tenant; a
// manager (the client company's own administrator) sees its own tenant and
// may change its configuration; an admin sees every tenant and may do
// everything, so it has no tenant.
const (
	RoleReader  = "reader"
	RoleManager = "manager"
	RoleAdmin   = "admin"
)

// validRole reports whether role is one of the roles.
func validRole(role string) bool {
	return role == RoleReader || role == RoleManager || role == RoleAdmin
}

// An API key is "sqi_<id>_<secret>": id is 12 hex digits that find the
// stored key (and name it in `sqi apikey list|revoke` and the log); secret
// is 32 random bytes, base64url. Only SHA-256(secret) is stored: a key
// with 256 random bits needs no slow hash, and the check compares the
// hashes in constant time.
const (
	keyPrefix   = "sqi_"
	keyIDLen    = 12
	secretBytes = 32
)

var secretLen = base64.RawURLEncoding.EncodedLen(secretBytes)

// NewKey makes a key of role for tenantID (empty for an admin key) and
// returns it, to be shown once, and what to store.
func NewKey(role, tenantID, name string, now time.Time) (string, store.APIKey, error) {
	switch role {
	case RoleReader, RoleManager:
		if !metrics.ValidTenantID(tenantID) {
			return "", store.APIKey{}, fmt.Errorf("a %s key needs a tenant id, got %q", role, tenantID)
		}
	case RoleAdmin:
		if tenantID != "" {
			return "", store.APIKey{}, fmt.Errorf("an admin key sees every tenant and takes no tenant, got %q", tenantID)
		}
	default:
		return "", store.APIKey{}, fmt.Errorf("role %q: use reader, manager or admin", role)
	}
	var id [keyIDLen / 2]byte
	var secret [secretBytes]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never fails (Go 1.24+)
	_, _ = rand.Read(secret[:])
	k := store.APIKey{
		ID:           hex.EncodeToString(id[:]),
		SecretSHA256: hashSecret(secret[:]),
		Role:         role,
		TenantID:     tenantID,
		Name:         name,
		CreatedAt:    now,
	}
	return keyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(secret[:]), k, nil
}

func hashSecret(secret []byte) []byte {
	h := sha256.Sum256(secret)
	return h[:]
}

// parseKey splits a key into its id and secret; ok is false when s does
// not have the form of a key.
func parseKey(s string) (id string, secret []byte, ok bool) {
	rest, found := strings.CutPrefix(s, keyPrefix)
	if !found || len(rest) != keyIDLen+1+secretLen || rest[keyIDLen] != '_' {
		return "", nil, false
	}
	id = rest[:keyIDLen]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id {
		return "", nil, false
	}
	secret, err := base64.RawURLEncoding.DecodeString(rest[keyIDLen+1:])
	if err != nil || len(secret) != secretBytes {
		return "", nil, false
	}
	return id, secret, true
}

// secretMatches compares the secret's hash with the stored one in
// constant time.
func secretMatches(secret, stored []byte) bool {
	return subtle.ConstantTimeCompare(hashSecret(secret), stored) == 1
}
