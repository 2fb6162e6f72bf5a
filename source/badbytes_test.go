package source_test

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"sqi/internal/pgtest"
	"sqi/source"
)

// TestImportLosesOnlyTheBadLine: a NUL, an invalid UTF-8 byte, a lone
// surrogate, an oversized field or record, or an id the API cannot
// address is reported with its line and skipped; every good line loads.
// Before, one such byte made PostgreSQL refuse the whole file (0 rows, no
// line number), and invalid UTF-8 in NDJSON became U+FFFD silently.
func TestImportLosesOnlyTheBadLine(t *testing.T) {
	t.Parallel()
	ev := func(id int, tenant, room, extra string) string {
		t, _ := json.Marshal(tenant)
		r, _ := json.Marshal(room)
		return fmt.Sprintf(`{"event_id": %d, "tenant_id": %s, "room_id": %s, "type": "room_opened", "occurred_at": "2025-03-01T09:00:00+09:00"%s}`, id, t, r, extra)
	}
	csvRow := func(id int, tenant, room, category string) string {
		return fmt.Sprintf("%d,%s,%s,room_opened,2025-03-01T09:00:00+09:00,%s\n", id, tenant, room, category)
	}
	tests := []struct {
		name, file, data string
		wantBad          []string // "line:part of the reason"
		wantIDs          []int64
	}{
		{
			name: "ndjson bytes", file: "e.ndjson",
			data: ev(1, "acme", "r1", "") + "\n" +
				strings.Replace(ev(2, "acme", "r2", ""), `"r2"`, "\"r\x002\"", 1) + "\n" + // a raw NUL
				strings.Replace(ev(3, "acme", "r3", ""), `"r3"`, "\"r\xff3\"", 1) + "\n" + // invalid UTF-8
				ev(4, "acme", "r4", `, "category": "a\u0000b"`) + "\n" + // an escaped NUL
				strings.Replace(ev(5, "acme", "r5", ""), `"r5"`, `"r\ud8005"`, 1) + "\n" + // a lone surrogate
				ev(6, "acme", "r6", `, "category": "`+strings.Repeat("c", 2000)+`"`) + "\n" +
				ev(7, "acme", "방-7", `, "category": "결제 \ufffd"`) + "\n", // U+FFFD itself is a character
			wantBad: []string{"2:NUL byte", "3:invalid UTF-8 at byte", "4:category: a NUL byte", "5:lone UTF-16 surrogate", "6:category is 2000 bytes long"},
			wantIDs: []int64{1, 7},
		},
		{
			name: "ndjson ids the API cannot address", file: "e.ndjson",
			data: ev(1, "bad tenant", "r1", "") + "\n" +
				ev(2, strings.Repeat("t", 1000), "r1", "") + "\n" +
				ev(3, "\u0430cme", "r1", "") + "\n" + // a Cyrillic а
				ev(4, "acme", "room\u0007", "") + "\n" +
				ev(5, "acme", strings.Repeat("방", 129), "") + "\n" +
				ev(6, "acme", strings.Repeat("방", 128), "") + "\n",
			wantBad: []string{`1:tenant_id "bad tenant" cannot name a tenant of the API: use 1 to 64 ASCII letters`, `2:tenant_id "tttt`,
				`3:tenant_id "аcme"`, `4:room_id "room\a" cannot name a room of the API: use 1 to 128 printable characters`, "5:room_id"},
			wantIDs: []int64{6},
		},
		{
			name: "csv bytes, the line numbers after a skipped record stay right", file: "e.csv",
			data: "event_id,tenant_id,room_id,type,occurred_at,category\n" +
				csvRow(1, "acme", "r1", "a") +
				csvRow(2, "acme", "r\x002", "a") +
				csvRow(3, "acme", "r3", "\"multi\nline \xfe\"") + // invalid UTF-8 in a record of two lines
				csvRow(4, "acme", "r4", "\"quoted, \"\"fine\"\"\nover two lines\"") +
				csvRow(5, "acme", "r5", strings.Repeat("x", 3000)) +
				csvRow(6, "acme", "r6", "\"big "+strings.Repeat("y", source.MaxRecordBytes)+"\"") +
				csvRow(7, "bad tenant", "r7", "") +
				csvRow(8, "acme", "r8", "ok"),
			wantBad: []string{"3:NUL byte", "4:invalid UTF-8", "8:category is 3000 bytes long", "9:the record is", "10:tenant_id \"bad tenant\""},
			wantIDs: []int64{1, 4, 8},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.New(t).Pool
			got, err := source.Import(t.Context(), pool, strings.NewReader(tt.data), tt.file)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if got.Inserted != int64(len(tt.wantIDs)) || got.BadLines != int64(len(tt.wantBad)) {
				t.Errorf("inserted %d, bad %d (%v); want %d and %d", got.Inserted, got.BadLines, got.Bad, len(tt.wantIDs), len(tt.wantBad))
			}
			for i := 0; i < len(got.Bad) && i < len(tt.wantBad); i++ {
				line, reason, _ := strings.Cut(tt.wantBad[i], ":")
				if fmt.Sprint(got.Bad[i].Line) != line || !strings.Contains(got.Bad[i].Reason, reason) {
					t.Errorf("bad line %d = %d: %q, want line %s with %q", i, got.Bad[i].Line, got.Bad[i].Reason, line, reason)
				}
			}
			var ids []int64
			for _, r := range readEvents(t, pool) {
				ids = append(ids, r.EventID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("loaded %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

// TestImportHugeFieldMemory: a CSV field of 200 MB (the case took
// 879 MB) is skipped as one bad record while the heap stays small, and
// the lines around it load.
func TestImportHugeFieldMemory(t *testing.T) {
	t.Parallel()
	pool := pgtest.New(t).Pool
	const huge = 200 << 20
	r, w := io.Pipe()
	go func() {
		fmt.Fprint(w, "event_id,tenant_id,room_id,type,occurred_at,category\n1,acme,r1,room_opened,2025-03-01T09:00:00Z,a\n2,acme,r2,room_opened,2025-03-01T09:00:00Z,\"")
		chunk := []byte(strings.Repeat("z", 1<<20))
		for range huge >> 20 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		fmt.Fprint(w, "\"\n3,acme,r3,room_opened,2025-03-01T09:00:00Z,c\n")
		w.Close()
	}()
	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	got, err := source.Import(t.Context(), pool, r, "huge.csv")
	close(stop)
	<-done
	if err != nil || got.Inserted != 2 || got.BadLines != 1 || got.Bad[0].Line != 3 {
		t.Fatalf("Import = %+v, %v; want 2 inserted and line 3 bad", got, err)
	}
	// Other tests run in parallel in this process: the bound is loose, far
	// below the 200 MB that holding the field would take.
	if p := peak.Load(); p > 96<<20 {
		t.Errorf("peak heap %d MiB while importing a 200 MiB field", p>>20)
	}
	t.Logf("peak heap %.1f MiB for a %d MiB field", float64(peak.Load())/(1<<20), huge>>20)
}
