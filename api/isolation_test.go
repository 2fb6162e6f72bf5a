package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/xuri/excelize/v2"
)

// matrixCell is one route in one format of the isolation matrix.
type matrixCell struct {
	name   string
	method string
	path   string // for tenant acme; "{t}" is replaced by the tenant
	body   string
	format string // how to read the body: json, csv, arrow, parquet, xlsx
	write  bool   // admin only
}

func matrixCells() []matrixCell {
	r := "from=" + fixFrom + "&to=" + fixTo
	cells := []matrixCell{{name: "tenants", path: "/v1/tenants", format: "json"}}
	for _, f := range []string{"json", "csv", "arrow", "parquet", "xlsx"} {
		cells = append(cells,
			matrixCell{name: "sqi " + f, path: "/v1/tenants/{t}/sqi?group_by=agent,team&format=" + f + "&" + r, format: f},
			matrixCell{name: "rooms " + f, path: "/v1/tenants/{t}/rooms?format=" + f + "&" + r, format: f},
		)
	}
	for _, f := range []string{"csv", "parquet"} {
		cells = append(cells,
			matrixCell{name: "sqi head " + f, method: http.MethodHead, path: "/v1/tenants/{t}/sqi?group_by=agent&format=" + f + "&" + r},
			matrixCell{name: "rooms head " + f, method: http.MethodHead, path: "/v1/tenants/{t}/rooms?format=" + f + "&" + r},
		)
	}
	return append(cells,
		matrixCell{name: "sqi long compare", path: "/v1/tenants/{t}/sqi?group_by=day,agent&shape=long&compare=previous_period&" + r, format: "json"},
		matrixCell{name: "rooms filtered", path: "/v1/tenants/{t}/rooms?outcome=answered&wait_gt=0&" + r, format: "json"},
		matrixCell{name: "room detail", path: "/v1/tenants/{t}/rooms/{room}", format: "json"},
		matrixCell{name: "report xlsx", path: "/v1/tenants/{t}/reports/daily/" + fixFrom, format: "xlsx"},
		matrixCell{name: "report head", method: http.MethodHead, path: "/v1/tenants/{t}/reports/daily/" + fixFrom},
		matrixCell{name: "report weekly", path: "/v1/tenants/{t}/reports/weekly/2025-03-03", format: "xlsx"},
		matrixCell{name: "report monthly", path: "/v1/tenants/{t}/reports/monthly/2025-03", format: "xlsx"},
		matrixCell{name: "config get", path: "/v1/tenants/{t}/config", format: "json"},
		matrixCell{name: "config preview", method: http.MethodPost, path: "/v1/tenants/{t}/config/preview?" + r, body: `{"name": "Acme Corp", "sl_threshold_s": 10}`, format: "json", write: true},
		matrixCell{name: "config put", method: http.MethodPut, path: "/v1/tenants/{t}/config", body: `{"name": "Acme Corp"}`, format: "json", write: true},
		matrixCell{name: "rejects json", path: "/v1/tenants/{t}/rejects?" + r, format: "json"},
		matrixCell{name: "rejects csv", path: "/v1/tenants/{t}/rejects?format=csv&" + r, format: "csv"},
		matrixCell{name: "live", path: "/v1/tenants/{t}/live", format: "json"},
		matrixCell{name: "alerts", path: "/v1/tenants/{t}/alerts", format: "json"},
	)
}

// TestIsolationMatrix is the role matrix: every route in every format (HEAD,
// PUT and the configuration preview included) as every kind of caller, to
// acme's data: no key, a bad key and a revoked key get 401; a reader or a
// manager of globex gets 404, the same answer as for a tenant that does
// not exist; a reader of acme gets the data but 403 on PUT config and the
// preview, with a detail that names the roles that may; a manager of acme
// and an admin get everything; no string of globex's (its id, its room,
// agent and team ids, all "gx-...") appears in any answer, whatever the
// format.
func TestIsolationMatrix(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	principals := []string{pNone, pBad, pRevoked, pReader, pOtherReader, pManager, pOtherManager, pAdmin}
	var room string
	if err := f.db.Pool.QueryRow(t.Context(), `SELECT room_id FROM room_facts WHERE tenant_id = $1 ORDER BY room_id LIMIT 1`, own).Scan(&room); err != nil {
		t.Fatal(err)
	}
	n := 0
	cells := matrixCells()
	for _, mc := range cells {
		mc.path = strings.ReplaceAll(mc.path, "{room}", room)
		for _, p := range principals {
			n++
			t.Run(mc.name+"/"+p, func(t *testing.T) {
				want := http.StatusOK
				switch {
				case p == pNone || p == pBad || p == pRevoked:
					want = http.StatusUnauthorized
				case mc.name == "tenants":
				case p == pOtherReader || p == pOtherManager:
					want = http.StatusNotFound
				case mc.write && p == pReader:
					want = http.StatusForbidden
				}
				req := request{method: mc.method, path: strings.ReplaceAll(mc.path, "{t}", own), key: f.keys[p], body: mc.body}
				if mc.body != "" {
					req.header = map[string]string{"Content-Type": "application/json"}
				}
				if p == pBad && mc.name == "tenants" {
					req.header = map[string]string{"Authorization": "Bearer not-a-key"}
					req.key = ""
				}
				w := f.do(t, req)
				if w.Code != want {
					t.Fatalf("status %d, want %d: %.300s", w.Code, want, w.Body)
				}
				if want == http.StatusForbidden {
					if pr := problemOf(t, w); !strings.Contains(pr.Detail, "manager key of tenant "+own) || !strings.Contains(pr.Detail, "admin key") {
						t.Errorf("403 does not say which role may: %s", pr.Detail)
					}
				}
				if mc.method == http.MethodHead {
					if want == http.StatusOK && (w.Header().Get("Content-Length") == "" || w.Body.Len() != 0) {
						t.Errorf("HEAD: Content-Length %q, body of %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
					}
					return
				}
				if want != http.StatusOK {
					pr := problemOf(t, w)
					if want == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
						t.Error("401 without WWW-Authenticate")
					}
					if want == http.StatusNotFound {
						// The same answer as for a tenant that does not exist.
						req.path = strings.ReplaceAll(mc.path, "{t}", "nosuch")
						w2 := f.do(t, req)
						pr2 := problemOf(t, w2)
						pr2.Detail = strings.ReplaceAll(pr2.Detail, "nosuch", own)
						pr2.Instance = strings.ReplaceAll(pr2.Instance, "nosuch", own)
						pr.RequestID, pr2.RequestID = "", ""
						if w2.Code != w.Code || !equalJSON(pr, pr2) {
							t.Errorf("globex's reader can tell acme exists:\n acme:   %+v\n nosuch: %+v", pr, pr2)
						}
					}
					return
				}
				strs := bodyStrings(t, mc.format, w.Body.Bytes())
				for _, s := range strs {
					if (s == other || strings.Contains(s, leakMark)) && (mc.name != "tenants" || p == pReader || p == pManager) {
						t.Fatalf("answer holds %q, a string of globex", s)
					}
				}
				switch {
				case mc.name == "tenants":
					wantIDs := map[string][]string{pReader: {own}, pOtherReader: {other}, pManager: {own}, pOtherManager: {other}, pAdmin: {own, other}}[p]
					var body struct {
						Tenants []struct {
							TenantID string `json:"tenant_id"`
						} `json:"tenants"`
					}
					decodeInto(t, w.Body.Bytes(), &body)
					var ids []string
					for _, x := range body.Tenants {
						ids = append(ids, x.TenantID)
					}
					if !slices.Equal(ids, wantIDs) {
						t.Errorf("tenants %v, want %v", ids, wantIDs)
					}
				case strings.HasPrefix(mc.name, "rooms") || strings.HasPrefix(mc.name, "sqi") || strings.HasPrefix(mc.name, "report"):
					// The answer is not empty: acme's data is there.
					if !slices.ContainsFunc(strs, func(s string) bool { return s == own || strings.HasPrefix(s, "agent-") }) {
						t.Errorf("no acme data in the answer: %.20q", strs)
					}
				}
			})
		}
	}
	if n != len(cells)*8 || len(cells) < 27 {
		t.Errorf("matrix of %d requests, want %d routes and formats × 8 callers", n, len(cells))
	}
	if len(principals) < 5 {
		t.Fatal("the matrix needs the 5 callers of issue 3")
	}

	// The operational routes need no key and hold no tenant data.
	for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json"} {
		w := f.do(t, request{path: path})
		if w.Code != http.StatusOK {
			t.Errorf("%s: status %d: %.300s", path, w.Code, w.Body)
		}
		if body := w.Body.String(); strings.Contains(body, other) || strings.Contains(body, leakMark) {
			t.Errorf("%s mentions globex", path)
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// bodyStrings returns every string of a body read with the format's
// reader: JSON keys and values, CSV cells, Arrow and Parquet string
// columns, xlsx cells of every sheet.
func bodyStrings(t *testing.T, format string, body []byte) []string {
	t.Helper()
	var out []string
	switch format {
	case "json":
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("json: %v", err)
		}
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case string:
				out = append(out, v)
			case []any:
				for _, x := range v {
					walk(x)
				}
			case map[string]any:
				for k, x := range v {
					out = append(out, k)
					walk(x)
				}
			}
		}
		walk(v)
	case "csv":
		recs, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		for _, r := range recs {
			out = append(out, r...)
		}
	case "arrow":
		r, err := ipc.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("arrow: %v", err)
		}
		defer r.Release()
		for r.Next() {
			out = append(out, recordStrings(r.RecordBatch())...)
		}
	case "parquet":
		pf, err := file.NewParquetReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("parquet: %v", err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("parquet: %v", err)
		}
		tbl, err := fr.ReadTable(context.Background())
		if err != nil {
			t.Fatalf("parquet: %v", err)
		}
		defer tbl.Release()
		tr := array.NewTableReader(tbl, 0)
		defer tr.Release()
		for tr.Next() {
			out = append(out, recordStrings(tr.RecordBatch())...)
		}
	case "xlsx":
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		defer x.Close()
		for _, sheet := range x.GetSheetList() {
			rows, err := x.GetRows(sheet)
			if err != nil {
				t.Fatalf("xlsx: %v", err)
			}
			for _, r := range rows {
				out = append(out, r...)
			}
		}
	default:
		t.Fatalf("no reader for %s", format)
	}
	return out
}

func recordStrings(rec arrow.RecordBatch) []string {
	var out []string
	for j, col := range rec.Columns() {
		out = append(out, rec.ColumnName(j))
		if s, ok := col.(*array.String); ok {
			for i := range s.Len() {
				if s.IsValid(i) {
					out = append(out, s.Value(i))
				}
			}
		}
	}
	return out
}
