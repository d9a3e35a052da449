package tracing_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tapbot/tapbot/internal/tracing"
)

// What another library records about a person (the Graph SDK with EUII
// attributes on: the full URL, an error naming the user) is dropped
// before export; ids, templates and statuses stay.
func TestRedacting(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracing.Redacting(mem)))
	_, span := tp.Tracer("test").Start(context.Background(), "Send - /users/{user-id}")
	span.SetAttributes(
		attribute.String("url.full", "https://graph.microsoft.com/v1.0/users/sarah.johnson%40contoso.com"),
		attribute.String("url.uri_template", "{+baseurl}/users/{user%2Did}"),
		attribute.Int("http.response.status_code", 404))
	span.RecordError(errors.New("Resource 'sarah.johnson@contoso.com' does not exist"))
	span.End() // exported now (WithSyncer)
	got := mem.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans", len(got))
	}
	keys := map[attribute.Key]string{}
	for _, a := range got[0].Attributes {
		keys[a.Key] = a.Value.String()
	}
	if _, ok := keys["url.full"]; ok || keys["url.uri_template"] == "" || keys["http.response.status_code"] != "404" {
		t.Errorf("attributes: %v", keys)
	}
	if len(got[0].Events) != 1 {
		t.Fatalf("events: %+v", got[0].Events)
	}
	for _, a := range got[0].Events[0].Attributes {
		if a.Key == "exception.message" {
			t.Errorf("exception message exported: %s", a.Value.String())
		}
	}
}

func TestDisabledWithoutEndpoint(t *testing.T) {
	env := map[string]string{}
	if tracing.Enabled(func(k string) string { return env[k] }) {
		t.Fatal("enabled without an endpoint")
	}
	shutdown, err := tracing.Setup(context.Background(), func(k string) string { return env[k] }, "v0")
	if err != nil || shutdown(context.Background()) != nil {
		t.Fatalf("setup without an endpoint: %v", err)
	}
	env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://127.0.0.1:4318/v1/traces"
	if !tracing.Enabled(func(k string) string { return env[k] }) {
		t.Fatal("not enabled with a traces endpoint")
	}
}
