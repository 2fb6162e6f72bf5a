package api

import (
	"context"
	"errors"
	"sync"
	"time"

	"sqi/store"
)

// Every request with a key looks up the key and, on a tenant's route, the
// tenant's configuration: two queries that, on a machine whose PostgreSQL
// is busy with an ETL run, cost a wall screen's /live most of its time.
// While WatchChanges runs (sqi serve runs it), the server keeps what it
// has looked up in memory and forgets an entry the moment PostgreSQL
// announces its change (store.WatchChanges: LISTEN on the triggers of
// migration 00011), whoever made it: a PUT here, `sqi apikey revoke` or
// `sqi tenant put` elsewhere, an UPDATE by hand. Without a watcher
// listening (tests, a lost connection) nothing is kept: every request
// reads the database, as before.
//
// A read that raced with a change is not kept (the generation moved), nor
// is a changed entry kept again for changeQuiet after its change: the
// database read from (READ_DATABASE_URL, a standby) may not have replayed
// the change yet. Entries also expire after lookupTTL, a bound that does
// not depend on notifications.
const (
	lookupTTL   = time.Minute
	changeQuiet = 5 * time.Second
)

type lookups struct {
	mu      sync.Mutex
	on      bool   // a watcher is listening
	gen     uint64 // moves with every change and every on/off
	keys    map[string]lookupEntry[store.APIKey]
	tenants map[string]lookupEntry[store.Tenant]
	changed map[string]time.Time // "key:<id>", "tenant:<id>" → when
}

type lookupEntry[T any] struct {
	v       T
	expires time.Time
}

func (l *lookups) set(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = on
	l.gen++
	l.keys, l.tenants, l.changed = nil, nil, nil
}

func (l *lookups) forget(ch store.Change, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	switch ch.Kind {
	case "key":
		delete(l.keys, ch.ID)
	case "tenant":
		delete(l.tenants, ch.ID)
	default: // unknown: forget everything
		l.keys, l.tenants = nil, nil
	}
	if l.changed == nil {
		l.changed = map[string]time.Time{}
	}
	for k, at := range l.changed {
		if now.Sub(at) > changeQuiet {
			delete(l.changed, k)
		}
	}
	l.changed[ch.Kind+":"+ch.ID] = now
}

// begin returns the generation a read starts at, and whether caching is on.
func (l *lookups) begin() (uint64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.gen, l.on
}

// keep reports whether a value read at generation gen may be kept.
func (l *lookups) keep(gen uint64, name string, now time.Time) bool {
	if !l.on || l.gen != gen {
		return false
	}
	at, ok := l.changed[name]
	return !ok || now.Sub(at) > changeQuiet
}

func lookupGet[T any](l *lookups, m map[string]lookupEntry[T], id string, now time.Time) (T, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := m[id]
	if !ok || !l.on || now.After(e.expires) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// apiKey looks up a key: from memory, or from the database.
func (s *Server) apiKey(ctx context.Context, id string) (store.APIKey, error) {
	now := time.Now()
	if k, ok := lookupGet(&s.lookups, s.lookups.keys, id, now); ok {
		return k, nil
	}
	gen, on := s.lookups.begin()
	k, err := s.read.APIKey(ctx, id)
	if err != nil || !on {
		return k, err
	}
	s.lookups.mu.Lock()
	defer s.lookups.mu.Unlock()
	if s.lookups.keep(gen, "key:"+id, now) {
		if s.lookups.keys == nil {
			s.lookups.keys = map[string]lookupEntry[store.APIKey]{}
		}
		s.lookups.keys[id] = lookupEntry[store.APIKey]{k, now.Add(lookupTTL)}
	}
	return k, nil
}

// tenant looks up a tenant: from memory, or from the database. Only a
// valid configuration is kept; errors are never kept. The caller gets its
// own copy of the struct; the configuration's maps and slices are shared
// and never written.
func (s *Server) tenant(ctx context.Context, id string) (store.Tenant, error) {
	now := time.Now()
	if t, ok := lookupGet(&s.lookups, s.lookups.tenants, id, now); ok {
		return t, nil
	}
	gen, on := s.lookups.begin()
	t, err := s.read.Tenant(ctx, id)
	if err != nil || !on {
		return t, err
	}
	s.lookups.mu.Lock()
	defer s.lookups.mu.Unlock()
	if s.lookups.keep(gen, "tenant:"+id, now) {
		if s.lookups.tenants == nil {
			s.lookups.tenants = map[string]lookupEntry[store.Tenant]{}
		}
		s.lookups.tenants[id] = lookupEntry[store.Tenant]{t, now.Add(lookupTTL)}
	}
	return t, nil
}

// changeWatcher is what WatchChanges needs of the store (*store.DB).
type changeWatcher interface {
	WatchChanges(ctx context.Context, listening func(), fn func(store.Change)) error
}

// WatchChanges keeps keys and tenants in memory while it runs (see
// lookups), listening on the writes' database; it returns when ctx ends.
// When the connection fails, nothing is kept until it listens again.
func (s *Server) WatchChanges(ctx context.Context) {
	w, ok := s.store.(changeWatcher)
	if !ok {
		return
	}
	for {
		err := w.WatchChanges(ctx, func() { s.lookups.set(true) }, func(ch store.Change) { s.lookups.forget(ch, time.Now()) })
		s.lookups.set(false)
		if ctx.Err() != nil {
			return
		}
		if store.Unavailable(err) || errors.Is(err, context.DeadlineExceeded) {
			s.log.Warn("not keeping keys and tenants in memory: cannot listen for their changes", "err", err)
		} else {
			s.log.Error("not keeping keys and tenants in memory: cannot listen for their changes", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// Watching reports whether WatchChanges is listening, so that keys and
// tenants are kept in memory.
func (s *Server) Watching() bool {
	_, on := s.lookups.begin()
	return on
}
