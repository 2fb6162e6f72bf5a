package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// duckdbRead reads a Parquet file with DuckDB (testdata/duckdb/read_parquet.cjs
// on @duckdb/node-api, installed by scripts/test.sh): the columns with
// DuckDB's types, and the rows as DuckDB's to_json writes them.
func duckdbRead(t *testing.T, file string) (types map[string]string, rows []map[string]any) {
	t.Helper()
	modules := os.Getenv("SQI_DUCKDB_NODE_PATH")
	if modules == "" {
		t.Fatal("SQI_DUCKDB_NODE_PATH is not set: run the tests with `make test` (scripts/test.sh installs @duckdb/node-api), or set it to a node_modules directory holding @duckdb/node-api")
	}
	script, _ := filepath.Abs("../testdata/duckdb/read_parquet.cjs")
	cmd := exec.Command("node", script, file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("duckdb: %v: %s", err, stderr.String())
	}
	var doc struct {
		Columns []struct{ Name, Type string }
		Rows    []map[string]any
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("duckdb output: %v: %.300s", err, out)
	}
	types = map[string]string{}
	for _, c := range doc.Columns {
		types[c.Name] = c.Type
	}
	return types, doc.Rows
}

// fetchLikeHTTPFS downloads url as DuckDB's httpfs reads a remote Parquet
// file: HEAD for the length, then byte ranges — the footer's length and
// magic (the last 8 bytes), the footer, then the rest in chunks — each a
// separate request whose ETag must not change. It returns the file.
func fetchLikeHTTPFS(t *testing.T, client *http.Client, url, key string) []byte {
	t.Helper()
	do := func(method, rng string) *http.Response {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Accept-Encoding", "gzip") // never applies to a range
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	head := do(http.MethodHead, "")
	head.Body.Close()
	size, err := strconv.Atoi(head.Header.Get("Content-Length"))
	if head.StatusCode != http.StatusOK || err != nil || head.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("HEAD: %d, Content-Length %q, Accept-Ranges %q", head.StatusCode, head.Header.Get("Content-Length"), head.Header.Get("Accept-Ranges"))
	}
	etag := head.Header.Get("ETag")
	file := make([]byte, size)
	get := func(from, to int) { // inclusive
		resp := do(http.MethodGet, fmt.Sprintf("bytes=%d-%d", from, to))
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusPartialContent || len(b) != to-from+1 || resp.Header.Get("ETag") != etag ||
			resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("range %d-%d: %d, %d bytes, ETag %q (HEAD %q), Content-Encoding %q, %v", from, to, resp.StatusCode, len(b),
				resp.Header.Get("ETag"), etag, resp.Header.Get("Content-Encoding"), err)
		}
		copy(file[from:], b)
	}
	get(size-8, size-1)
	if string(file[size-4:]) != "PAR1" {
		t.Fatalf("the last bytes %q are not Parquet's magic", file[size-4:])
	}
	footer := int(binary.LittleEndian.Uint32(file[size-8 : size-4]))
	get(size-8-footer, size-9)
	for from := 0; from < size-8-footer; from += 4096 {
		get(from, min(from+4095, size-9-footer))
	}
	return file
}

// TestDuckDBReadsParquet downloads Parquet exports of /sqi and /rooms over
// HTTP as DuckDB's httpfs would (HEAD, then byte ranges) and reads them
// with DuckDB: every value equals the JSON answer of the same query, the
// period bounds are timestamps with time zone holding the JSON's
// instants, month and day are dates. (DuckDB's httpfs extension itself is
// downloaded by DuckDB at run time from its own site, which this machine
// cannot reach; the Node package brings the engine with Parquet and JSON
// built in.)
func TestDuckDBReadsParquet(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	dir := t.TempDir()
	r := "from=" + fixFrom + "&to=" + fixTo
	for _, tc := range []struct{ name, path, key string }{
		{"sqi", "/v1/tenants/acme/sqi?group_by=day,agent&" + r, "rows"},
		{"sqi by month and hour", "/v1/tenants/acme/sqi?group_by=month,hour&compare=previous_period&" + r, "rows"},
		{"sqi long", "/v1/tenants/acme/sqi?group_by=week,channel&shape=long&" + r, "rows"},
		{"rooms", "/v1/tenants/acme/rooms?" + r, "rooms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".parquet")
			body := fetchLikeHTTPFS(t, srv.Client(), srv.URL+tc.path+"&format=parquet", f.keys[pReader])
			if err := os.WriteFile(file, body, 0o600); err != nil {
				t.Fatal(err)
			}
			types, rows := duckdbRead(t, file)

			jsonPath := tc.path
			if tc.key == "rooms" {
				jsonPath += "&limit=10000"
			}
			w := f.do(t, request{path: jsonPath, key: f.keys[pReader]})
			var doc map[string]json.RawMessage
			decodeInto(t, w.Body.Bytes(), &doc)
			var want []map[string]any
			dec := json.NewDecoder(bytes.NewReader(doc[tc.key]))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) || len(want) < 3 {
				t.Fatalf("DuckDB reads %d rows, JSON has %d", len(rows), len(want))
			}
			for name, typ := range map[string]string{"period_start": "TIMESTAMP WITH TIME ZONE", "period_end": "TIMESTAMP WITH TIME ZONE",
				"opened_at": "TIMESTAMP WITH TIME ZONE", "month": "DATE", "day": "DATE", "week": "DATE", "rooms": "BIGINT", "wait_avg_s": "DOUBLE"} {
				if got, ok := types[name]; ok && got != typ {
					t.Errorf("DuckDB reads %s as %s, want %s", name, got, typ)
				}
			}
			compared := 0
			for i := range want {
				flat := map[string]any{}
				flatten(flat, "", want[i])
				if len(flat) != len(rows[i]) {
					t.Fatalf("row %d: DuckDB has %d columns, JSON %d", i, len(rows[i]), len(flat))
				}
				for name, wv := range flat {
					gv, ok := rows[i][name]
					if !ok {
						t.Fatalf("DuckDB has no column %s", name)
					}
					if !duckEqual(t, types[name], gv, wv) {
						t.Errorf("row %d %s: DuckDB %v (%s), JSON %v", i, name, gv, types[name], wv)
					}
					compared++
				}
			}
			t.Logf("%d values compared", compared)
		})
	}
}

// duckEqual compares a value of DuckDB's to_json with the JSON answer's.
func duckEqual(t *testing.T, typ string, got, want any) bool {
	t.Helper()
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	switch typ {
	case "TIMESTAMP WITH TIME ZONE":
		g, err1 := time.Parse("2006-01-02 15:04:05.999999-07", got.(string))
		w, err2 := time.Parse(time.RFC3339Nano, want.(string))
		return err1 == nil && err2 == nil && g.Equal(w)
	case "DATE":
		w := want.(string)
		if len(w) == len("2006-01") {
			w += "-01"
		}
		return got == w
	case "TIMESTAMP": // the hour key: a local wall-clock time
		return strings.HasPrefix(got.(string), strings.Replace(want.(string), "T", " ", 1))
	case "BIGINT", "DOUBLE":
		g, err1 := got.(json.Number).Float64()
		w, err2 := want.(json.Number).Float64()
		return err1 == nil && err2 == nil && g == w
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}
