package api

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"sqi/export"
	"sqi/query"
)

// Formats of the data routes (docs/api.md).
const (
	formatJSON    = "json"
	formatCSV     = "csv"
	formatArrow   = "arrow"
	formatParquet = "parquet"
	formatXLSX    = "xlsx"
)

// Content types of the formats.
const (
	contentTypeJSON    = "application/json"
	contentTypeCSV     = "text/csv; charset=utf-8; header=present"
	contentTypeArrow   = "application/vnd.apache.arrow.stream"
	contentTypeParquet = "application/vnd.apache.parquet"
	contentTypeXLSX    = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

var (
	tableFormats  = []string{formatJSON, formatCSV, formatArrow, formatParquet, formatXLSX}
	rejectFormats = []string{formatJSON, formatCSV}
)

// extensions are the file name extensions of the formats, for
// Content-Disposition.
var extensions = map[string]string{
	formatJSON: "json", formatCSV: "csv", formatArrow: "arrows", formatParquet: "parquet", formatXLSX: "xlsx",
}

// queryParams parses the query string and checks that it holds only the
// allowed parameters, each at most once: a misspelt parameter is an error,
// not silently ignored.
func queryParams(c *gin.Context, allowed ...string) (url.Values, error) {
	v, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return nil, &query.ParamError{Param: "query", Detail: "the query string is not valid URL encoding (" + err.Error() + "): escape reserved characters with %XX"}
	}
	names := make([]string, 0, len(v))
	for name := range v {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !slices.Contains(allowed, name) {
			accepted := "no parameters"
			if len(allowed) > 0 {
				accepted = strings.Join(allowed, ", ")
			}
			return nil, &query.ParamError{Param: name, Detail: fmt.Sprintf("unknown parameter %s: this route accepts %s", quote(name), accepted)}
		}
		if len(v[name]) > 1 {
			return nil, &query.ParamError{Param: name, Detail: fmt.Sprintf("%s is given %d times: give it once", name, len(v[name]))}
		}
	}
	return v, nil
}

// parseFormat returns the format parameter (json when absent), one of
// accepted.
func parseFormat(v url.Values, accepted []string) (string, error) {
	f := v.Get("format")
	if _, given := v["format"]; !given {
		return formatJSON, nil
	}
	if !slices.Contains(accepted, f) {
		return "", &query.ParamError{Param: "format", Detail: fmt.Sprintf("unknown format %s: use one of %s", quote(f), strings.Join(accepted, ", "))}
	}
	return f, nil
}

// parseRange checks from and to (local dates, inclusive, at most
// query.MaxDays days) and, for /sqi, group_by, with the checks of
// query.Parse; a missing date is named as such.
func parseRange(tenantID string, v url.Values, groupBy string) (query.Query, error) {
	for _, p := range []string{"from", "to"} {
		if _, ok := v[p]; !ok {
			return query.Query{}, &query.ParamError{Param: p, Detail: p + " is required: give a local date YYYY-MM-DD (from and to are both inclusive)"}
		}
	}
	return query.Parse(query.Params{Tenant: tenantID, From: v.Get("from"), To: v.Get("to"), GroupBy: groupBy, Hours: v.Get("hours"),
		Shape: v.Get("shape"), Compare: v.Get("compare")})
}

// attachment names the file of a download.
func attachment(c *gin.Context, tenantID, what, from, to, format string) {
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, export.FileName(tenantID, what, from, to, extensions[format])))
}

// fileOptions are the choices of a download: escape, bom and lang.
type fileOptions struct {
	csv  export.CSVOptions
	xlsx export.XLSXOptions
}

// parseFileOptions reads escape and bom (csv only) and lang (csv and
// xlsx); each is refused with a format it does not apply to, rather than
// ignored.
func parseFileOptions(v url.Values, format string) (fileOptions, error) {
	var o fileOptions
	if raw, given := v["escape"]; given {
		if format != formatCSV {
			return o, &query.ParamError{Param: "escape", Detail: "escape applies to format=csv only (xlsx always writes text as text; json, arrow and parquet carry the exact text): leave it out"}
		}
		switch raw[0] {
		case "true":
		case "false":
			o.csv.Exact = true
		default:
			return o, &query.ParamError{Param: "escape", Detail: fmt.Sprintf("escape %s: use true (the default: text that a spreadsheet would run as a formula gets a ' before it) or false (exact text, for programs)", quote(raw[0]))}
		}
	}
	if raw, given := v["bom"]; given {
		if format != formatCSV {
			return o, &query.ParamError{Param: "bom", Detail: "bom applies to format=csv only: leave it out"}
		}
		switch raw[0] {
		case "true":
			o.csv.BOM = true
		case "false":
		default:
			return o, &query.ParamError{Param: "bom", Detail: fmt.Sprintf("bom %s: use true (the file starts with the UTF-8 byte-order mark, which Excel needs to show Korean text) or false (the default)", quote(raw[0]))}
		}
	}
	if raw, given := v["lang"]; given {
		if format != formatCSV && format != formatXLSX {
			return o, &query.ParamError{Param: "lang", Detail: "lang applies to format=csv and format=xlsx only (a row of labels above the column names): leave it out"}
		}
		if !slices.Contains(export.Langs, raw[0]) {
			return o, &query.ParamError{Param: "lang", Detail: fmt.Sprintf("lang %s: use ko or en (a row of column labels in that language above the column names; xlsx also gets a Definitions sheet)", quote(raw[0]))}
		}
		o.csv.Lang, o.xlsx.Lang = raw[0], raw[0]
	}
	return o, nil
}
