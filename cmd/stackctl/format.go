package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// outputFormat is a --format value as the docker CLI reads it: "table"
// (the command's own table), "json", "table TEMPLATE" (the template's
// columns under their headers) or a Go template, executed per row.
type outputFormat struct {
	table, json bool
	// tmpl is the template of "table TEMPLATE" or a bare template.
	tmpl *template.Template
}

// templateFuncs are the docker CLI's template functions that make sense
// on strings.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"split": strings.Split,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
}

// parseFormat reads --format value; plain names the other formats the
// command takes besides table, json and templates (none for most).
func parseFormat(value string, plain ...string) (outputFormat, error) {
	switch value {
	case "", "table":
		return outputFormat{table: true}, nil
	case "json":
		return outputFormat{json: true}, nil
	}
	for _, p := range plain {
		if value == p {
			return outputFormat{}, nil
		}
	}
	text, table := strings.CutPrefix(value, "table ")
	tmpl, err := template.New("format").Funcs(templateFuncs).Option("missingkey=error").Parse(text)
	if err != nil {
		return outputFormat{}, fmt.Errorf("--format %q: want table, json or a Go template: %w", value, err)
	}
	return outputFormat{table: table, tmpl: tmpl}, nil
}

// custom says the format is a template of the user's.
func (f outputFormat) custom() bool { return f.tmpl != nil }

// execute writes each row through the template, a line each; with "table
// TEMPLATE" first the headers (the template run on them) and in aligned
// columns.
func (f outputFormat) execute(w io.Writer, headers map[string]any, rows []map[string]any) error {
	return executeRows(f, w, headers, rows)
}

// executeRows is execute of rows of any type a template reads: maps, or a
// struct such as psSummary.
func executeRows[R any](f outputFormat, w io.Writer, headers map[string]any, rows []R) error {
	out := w
	var tw *tabwriter.Writer
	if f.table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		if err := f.line(out, headers); err != nil {
			return err
		}
	}
	for _, row := range rows {
		if err := f.line(out, row); err != nil {
			return err
		}
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}

func (f outputFormat) line(w io.Writer, row any) error {
	var b strings.Builder
	if err := f.tmpl.Execute(&b, row); err != nil {
		return fmt.Errorf("--format: %w", err)
	}
	_, err := fmt.Fprintln(w, b.String())
	return err
}
