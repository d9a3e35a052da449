package intake_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

const specPath = "../../api/openapi.yaml"

// The subset of OpenAPI 3.1 the description uses, decoded strictly: a
// misspelt or misplaced field fails the test. Schema objects stay generic
// and are compiled with a JSON Schema 2020-12 validator (the dialect of
// OpenAPI 3.1).
type spec struct {
	OpenAPI    string                          `yaml:"openapi"`
	Info       map[string]any                  `yaml:"info"`
	Servers    []map[string]string             `yaml:"servers"`
	Security   []map[string][]string           `yaml:"security"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components components                      `yaml:"components"`
}

type components struct {
	SecuritySchemes map[string]map[string]any `yaml:"securitySchemes"`
	Parameters      map[string]parameter      `yaml:"parameters"`
	Responses       map[string]responseDoc    `yaml:"responses"`
	Schemas         map[string]map[string]any `yaml:"schemas"`
}

type operation struct {
	OperationID string                 `yaml:"operationId"`
	Summary     string                 `yaml:"summary"`
	Parameters  []parameter            `yaml:"parameters"`
	RequestBody *requestBody           `yaml:"requestBody"`
	Responses   map[string]responseDoc `yaml:"responses"`
}

type parameter struct {
	Ref         string         `yaml:"$ref"`
	Name        string         `yaml:"name"`
	In          string         `yaml:"in"`
	Required    bool           `yaml:"required"`
	Description string         `yaml:"description"`
	Schema      map[string]any `yaml:"schema"`
}

type requestBody struct {
	Required bool                 `yaml:"required"`
	Content  map[string]mediaType `yaml:"content"`
}

type responseDoc struct {
	Ref         string                    `yaml:"$ref"`
	Description string                    `yaml:"description"`
	Headers     map[string]map[string]any `yaml:"headers"`
	Content     map[string]mediaType      `yaml:"content"`
}

type mediaType struct {
	Schema map[string]any `yaml:"schema"`
}

func parseSpec() (*spec, map[string]map[string]operation, error) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return nil, nil, err
	}
	var s spec
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	ops := map[string]map[string]operation{}
	for path, items := range s.Paths {
		ops[path] = map[string]operation{}
		for method, node := range items {
			if method == "parameters" {
				var ps []parameter
				if err := decodeStrict(&node, &ps); err != nil {
					return nil, nil, fmt.Errorf("%s parameters: %w", path, err)
				}
				continue
			}
			var op operation
			if err := decodeStrict(&node, &op); err != nil {
				return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			ops[path][strings.ToUpper(method)] = op
		}
	}
	return &s, ops, nil
}

func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// resolve follows a response $ref into components.responses.
func (s *spec) resolve(r responseDoc) (responseDoc, error) {
	if r.Ref == "" {
		return r, nil
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	got, found := s.Components.Responses[name]
	if !ok || !found {
		return r, fmt.Errorf("unresolved response $ref %q", r.Ref)
	}
	return got, nil
}

// schemas compiles every component schema with JSON Schema 2020-12.
func (s *spec) schemas() (map[string]*jsonschema.Schema, error) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	// YAML's decoded values become JSON's through a JSON round trip.
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if doc, err = jsonschema.UnmarshalJSON(bytes.NewReader(b)); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	const url = "https://tapbot.dev/api/openapi.json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	out := map[string]*jsonschema.Schema{}
	for name := range s.Components.Schemas {
		sch, err := c.Compile(url + "#/components/schemas/" + name)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		out["#/components/schemas/"+name] = sch
	}
	return out, nil
}

// TestOpenAPI checks the description's structure: 3.1, every route the
// handler serves and no other, operation ids, responses that resolve,
// problem+json on every error and schemas that compile.
func TestOpenAPI(t *testing.T) {
	s, ops, err := parseSpec()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", s.OpenAPI)
	}
	if s.Info["title"] == nil || s.Info["version"] == nil {
		t.Fatal("info needs title and version")
	}
	want := map[string][]string{
		"/api/v1/requests":          {"GET", "POST"},
		"/api/v1/requests/validate": {"POST"},
		"/api/v1/requests/{id}":     {"DELETE", "GET"},
	}
	got := map[string][]string{}
	for p, m := range ops {
		got[p] = slices.Sorted(maps.Keys(m))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paths %v, want %v (the routes of intake.API)", got, want)
	}
	schemas, err := s.schemas()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for path, m := range ops {
		for method, op := range m {
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: missing or duplicate operationId %q", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
			if _, ok := op.Responses["default"]; !ok {
				t.Errorf("%s %s: no default response", method, path)
			}
			for code, r := range op.Responses {
				r, err := s.resolve(r)
				if err != nil {
					t.Fatalf("%s %s %s: %v", method, path, code, err)
				}
				if r.Description == "" {
					t.Errorf("%s %s %s: no description", method, path, code)
				}
				if code == "default" || code >= "400" {
					if ref, _ := r.Content["application/problem+json"].Schema["$ref"].(string); ref != "#/components/schemas/Problem" {
						t.Errorf("%s %s %s: errors must be application/problem+json Problem", method, path, code)
					}
				}
				for _, mt := range r.Content {
					if ref, _ := mt.Schema["$ref"].(string); schemas[ref] == nil {
						t.Errorf("%s %s %s: schema %q is not a component", method, path, code, ref)
					}
				}
			}
		}
	}
}

// exchange is one response a handler test saw.
type exchange struct {
	method, path, contentType string
	status                    int
	body                      []byte
}

var (
	seenMu sync.Mutex
	seen   []exchange
)

func record(method, path string, status int, contentType string, body []byte) {
	seenMu.Lock()
	defer seenMu.Unlock()
	seen = append(seen, exchange{method, path, contentType, status, body})
}

var idPath = regexp.MustCompile(`^/api/v1/requests/[^/?]+$`)

// template maps a called path to its OpenAPI path.
func template(p string) string {
	p, _, _ = strings.Cut(p, "?")
	if idPath.MatchString(p) && p != "/api/v1/requests/validate" {
		return "/api/v1/requests/{id}"
	}
	return p
}

// TestMain runs the tests, then — when the whole package ran — checks
// that every response documented per operation was produced by some
// handler test, and that every response the tests saw is documented and
// matches its schema.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		if msgs := checkCoverage(); len(msgs) > 0 {
			fmt.Fprintln(os.Stderr, "OpenAPI coverage:\n  "+strings.Join(msgs, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

// checkCoverage compares what the tests saw with what is documented.
func checkCoverage() []string {
	s, ops, err := parseSpec()
	if err != nil {
		return []string{err.Error()}
	}
	schemas, err := s.schemas()
	if err != nil {
		return []string{err.Error()}
	}
	var msgs []string
	hit := map[string]bool{}
	seenMu.Lock()
	defer seenMu.Unlock()
	for _, e := range seen {
		path := template(e.path)
		op, ok := ops[path][e.method]
		if !ok {
			continue // an undocumented route: its 404/405 is the mux's
		}
		code := fmt.Sprint(e.status)
		r, documented := op.Responses[code]
		if !documented {
			if e.status < 500 {
				msgs = append(msgs, fmt.Sprintf("%s %s answered %d, which is not documented", e.method, path, e.status))
				continue
			}
			r = op.Responses["default"]
		}
		hit[e.method+" "+path+" "+code] = true
		r, err := s.resolve(r)
		if err != nil {
			msgs = append(msgs, err.Error())
			continue
		}
		mt, ok := r.Content[e.contentType]
		if !ok {
			msgs = append(msgs, fmt.Sprintf("%s %s %d: content type %q not documented", e.method, path, e.status, e.contentType))
			continue
		}
		ref, _ := mt.Schema["$ref"].(string)
		body, err := jsonschema.UnmarshalJSON(bytes.NewReader(e.body))
		if err == nil {
			err = schemas[ref].Validate(body)
		}
		if err != nil {
			msgs = append(msgs, fmt.Sprintf("%s %s %d: body does not match %s: %v", e.method, path, e.status, ref, err))
		}
	}
	for path, m := range ops {
		for method, op := range m {
			for code := range op.Responses {
				if code != "default" && !hit[method+" "+path+" "+code] {
					msgs = append(msgs, fmt.Sprintf("%s %s %s is documented but no handler test produced it", method, path, code))
				}
			}
		}
	}
	sort.Strings(msgs)
	return slices.Compact(msgs)
}
