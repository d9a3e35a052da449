package bulk_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/bulk"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestParseFileRefusals(t *testing.T) {
	big := "upn\n" + strings.Repeat("a@contoso.com\n", bulk.MaxRows+1)
	huge := "upn,note\n" + strings.Repeat("a@contoso.com,"+strings.Repeat("x", 900)+"\n", 300)
	for _, c := range []struct{ name, csv, want string }{
		{"empty", "", "no header line"},
		{"no header", "sarah@contoso.com,2026-12-07\n", "no header line"},
		{"unknown column", "email,start\nx@y.z,2026-12-07\n", `unknown column "email"`},
		{"no upn column", "start,reason\n2026-12-07,onboarding\n", `no "upn" column`},
		{"no rows", "upn,start\n\n,\n", "no rows"},
		{"too many rows", big, "more than 500 rows"},
		{"too large", huge, "at most 256 KiB"},
		{"broken quotes", "upn,note\na@b.c,\"x\"y\"\n\"", "not a CSV"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := bulk.Parse([]byte(c.csv))
			var ref *tap.Refusal
			if !errors.As(err, &ref) || !errors.Is(err, tap.ErrInvalidInput) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse: %v, want a refusal containing %q", err, c.want)
			}
		})
	}
}

func TestParseRows(t *testing.T) {
	csv := "\uFEFFUPN, start ,lifetime,reason,manager,one_time,note,time_zone,external_ref\n" +
		"sarah@contoso.com,2026-12-07,8h,Onboarding,megan@contoso.com,yes,Desk 4B,Europe/Paris,HR-1\n" +
		"\n" +
		"diego@contoso.com,2026-12-07T07:00:00-08:00,480,,,,,,\n" +
		"eve@contoso.com,,eight hours,,,,,,\n" +
		"mallory@contoso.com,,,,,maybe,,,\n" +
		"\u202Eadmin@contoso.com,,,,,,,,\n" +
		"zw@contoso.com,,,,,,pay\u200Broll,,\n" +
		",2026-12-07,,,,,,,\n" +
		"long@contoso.com,,,,,,," + strings.Repeat("z", 300) + ",\n"
	rows, err := bulk.Parse([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line    int
		upn     string
		refused string
	}{
		{2, "sarah@contoso.com", ""}, {4, "diego@contoso.com", ""}, {5, "eve@contoso.com", `lifetime "eight hours"`},
		{6, "mallory@contoso.com", `one_time "maybe"`}, {7, "admin@contoso.com", "upn holds invisible or text-direction"},
		{8, "zw@contoso.com", "note holds invisible"}, {9, "", "upn is empty"}, {10, "long@contoso.com", "time_zone is longer than 256"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line || r.UPN != w.upn || (w.refused == "") != (r.Refused == "") || !strings.Contains(r.Refused, w.refused) {
			t.Errorf("row %d: %+v, want line %d upn %q refused %q", i, r, w.line, w.upn, w.refused)
		}
	}
	s := rows[0]
	if s.LifetimeMinutes != 480 || !s.OneTime || s.Reason != "onboarding" || s.Manager != "megan@contoso.com" || s.Note != "Desk 4B" ||
		s.ExternalRef != "HR-1" || !s.HireDate() {
		t.Errorf("first row: %+v", s)
	}
	at, zone, err := s.StartAt("UTC", "07:00")
	if err != nil || zone != "Europe/Paris" || !at.Equal(time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)) {
		t.Errorf("StartAt: %v %s %v", at, zone, err)
	}
	at, _, err = rows[1].StartAt("America/New_York", "07:00")
	if err != nil || !at.Equal(time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)) || rows[1].HireDate() {
		t.Errorf("StartAt with offset: %v %v", at, err)
	}
	if _, _, err := (bulk.Row{Start: "next monday"}).StartAt("UTC", "07:00"); err == nil || !strings.Contains(err.Error(), `start "next monday"`) {
		t.Errorf("bad start: %v", err)
	}
	if _, _, err := (bulk.Row{Start: "2026-12-07", TimeZone: "Mars/Olympus"}).StartAt("UTC", "07:00"); err == nil {
		t.Error("bad zone accepted")
	}
	if bulk.Hash("a", []byte("x")) == bulk.Hash("b", []byte("x")) || bulk.Hash("a", []byte("x")) != bulk.Hash("a", []byte("\uFEFFx")) {
		t.Error("hash: sender must count, a BOM must not")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("upn,start\nsarah@contoso.com,2026-12-07\n"))
	f.Add([]byte("upn,note\n\"a\nb\",\u202E\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rows, err := bulk.Parse(raw)
		if err != nil {
			return
		}
		if len(rows) == 0 || len(rows) > bulk.MaxRows {
			t.Fatalf("%d rows", len(rows))
		}
	})
}
