package teams

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// manifestDir holds the committed app package sources.
var manifestDir = filepath.Join("..", "..", "manifests", "teams")

// schemaFile is the Teams manifest JSON schema v1.30, vendored from the npm
// package @microsoft/app-manifest 1.1.2 (MIT).
const schemaFile = "testdata/MicrosoftTeams.v1.30.schema.json"

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// Go's regexp has no lookahead; the one schema pattern using it
	// (extensionXllCustomFunctions fileName) is for Excel add-ins, which the
	// manifest does not declare. Such patterns accept anything; every other
	// pattern is enforced.
	c.UseRegexpEngine(func(p string) (jsonschema.Regexp, error) {
		re, err := regexp.Compile(p)
		if err != nil {
			return anyRegexp(p), nil
		}
		return re, nil
	})
	const url = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type anyRegexp string

func (r anyRegexp) String() string        { return string(r) }
func (anyRegexp) MatchString(string) bool { return true }

func TestManifestValidatesAgainstSchema(t *testing.T) {
	s := compileSchema(t)
	for _, id := range []string{PlaceholderAppID, "9b1e7c3a-1111-4222-8333-444455556666"} {
		m, err := Manifest(id)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(m))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(doc); err != nil {
			t.Errorf("manifest for %s does not validate: %v", id, err)
		}
	}
	// The schema is not vacuous: a manifest without a bot id or with a
	// bad scope is rejected.
	m, _ := Manifest(PlaceholderAppID)
	var bad map[string]any
	_ = json.Unmarshal(m, &bad)
	bad["bots"].([]any)[0].(map[string]any)["scopes"] = []any{"everywhere"}
	if err := s.Validate(bad); err == nil {
		t.Error("schema accepted a bad scope")
	}
}

func TestManifestMatchesCode(t *testing.T) {
	const id = "9b1e7c3a-1111-4222-8333-444455556666"
	m, err := Manifest(id)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID              string `json:"id"`
		ManifestVersion string `json:"manifestVersion"`
		Bots            []struct {
			BotID        string   `json:"botId"`
			Scopes       []string `json:"scopes"`
			CommandLists []struct {
				Commands []Command `json:"commands"`
			} `json:"commandLists"`
		} `json:"bots"`
	}
	if err := json.Unmarshal(m, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != id || len(got.Bots) != 1 || got.Bots[0].BotID != id || got.ManifestVersion != ManifestVersion {
		t.Fatalf("ids: %+v", got)
	}
	want := map[string]bool{"request": true, "status": true, "revoke": true, "reissue": true, "reschedule": true, "withdraw": true,
		"pending": true, "stats": true, "done": true, "help": true}
	cmds := got.Bots[0].CommandLists[0].Commands
	if len(cmds) > 10 {
		t.Errorf("%d commands; Teams allows at most 10 in a command list", len(cmds))
	}
	if len(cmds) != len(want) {
		t.Fatalf("commands = %+v", cmds)
	}
	for i, c := range cmds {
		if !want[c.Title] || c != Commands[i] {
			t.Errorf("command %d = %+v", i, c)
		}
	}
	if _, err := Manifest("not-a-guid"); err == nil {
		t.Error("Manifest accepted a non-GUID app id")
	}
}

// TestCommittedManifestAndIcons checks manifests/teams against the code
// (go test -update rewrites them).
func TestCommittedManifestAndIcons(t *testing.T) {
	m, err := Manifest(PlaceholderAppID)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"manifest.json": m, "color.png": ColorIcon(), "outline.png": OutlineIcon()}
	for name, want := range files {
		path := filepath.Join(manifestDir, name)
		if *update {
			if err := os.MkdirAll(manifestDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -run TestCommittedManifestAndIcons -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the code (go test -update)", path)
		}
	}
}

func TestIcons(t *testing.T) {
	for _, tc := range []struct {
		name        string
		data        []byte
		size        int
		transparent bool
	}{{"color", ColorIcon(), 192, false}, {"outline", OutlineIcon(), 32, true}} {
		img, err := png.Decode(bytes.NewReader(tc.data))
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
			t.Errorf("%s icon is %v, want %d×%d", tc.name, b, tc.size, tc.size)
		}
		var clear, white int
		for y := range tc.size {
			for x := range tc.size {
				r, g, b, a := img.At(x, y).RGBA()
				switch {
				case a == 0:
					clear++
				case r == 0xffff && g == 0xffff && b == 0xffff && a == 0xffff:
					white++
				default:
					if tc.transparent {
						t.Fatalf("outline pixel (%d,%d) is neither transparent nor white", x, y)
					}
				}
			}
		}
		if tc.transparent && (clear == 0 || white == 0) {
			t.Errorf("outline icon: %d transparent, %d white pixels", clear, white)
		}
		if !tc.transparent && clear != 0 {
			t.Errorf("color icon has %d transparent pixels", clear)
		}
	}
}

func TestBuildPackage(t *testing.T) {
	const id = "9b1e7c3a-1111-4222-8333-444455556666"
	var buf bytes.Buffer
	if err := BuildPackage(&buf, id); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		names[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(names) != 3 || !bytes.Equal(names["color.png"], ColorIcon()) || !bytes.Equal(names["outline.png"], OutlineIcon()) {
		t.Fatalf("package files: %d", len(names))
	}
	if !regexp.MustCompile(`"botId": "` + id + `"`).Match(names["manifest.json"]) {
		t.Errorf("manifest in package lacks the app id: %s", names["manifest.json"])
	}
	var again bytes.Buffer
	_ = BuildPackage(&again, id)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("package is not reproducible")
	}
	if err := BuildPackage(io.Discard, ""); err == nil {
		t.Error("BuildPackage accepted an empty app id")
	}
}
