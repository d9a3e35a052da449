// Package tracing exports the journey of each request — inbound HTTP, the
// dialog step, the approvals action, the Graph calls, the notices — as
// OpenTelemetry traces over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, and does nothing otherwise.
//
// Spans carry ids and outcomes only: request ids, actions, platforms, kinds,
// status codes. Never a pass, a name, an e-mail or a UPN.
package tracing

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// Name is the instrumentation scope of tapbot's own spans.
const Name = "github.com/tapbot/tapbot"

// Enabled reports whether getenv configures an OTLP endpoint.
func Enabled(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Setup installs the global tracer provider exporting over OTLP/HTTP (the
// exporter reads the standard OTEL_EXPORTER_OTLP_* variables) and returns
// its shutdown, which flushes what is buffered. Without an endpoint it
// installs nothing and shutdown does nothing.
func Setup(ctx context.Context, getenv func(string) string, version string) (func(context.Context) error, error) {
	if !Enabled(getenv) {
		return func(context.Context) error { return nil }, nil
	}
	// The URL is passed explicitly so getenv decides (tests); the other
	// OTEL_EXPORTER_OTLP_* settings (headers, timeout, compression) are
	// read from the process environment by the exporter.
	url := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if url == "" {
		url = strings.TrimSuffix(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "/") + "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(url))
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		semconv.ServiceName("tapbot"), semconv.ServiceVersion(version)))
	if err != nil {
		return nil, fmt.Errorf("trace resource: %w", err)
	}
	// The batcher's queue is bounded (2048 spans by default, the rest
	// dropped and counted by the SDK), so an unreachable collector costs
	// no unbounded memory.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(Redacting(exp)), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Redacting wraps exp so that what other libraries put on their spans
// leaves tapbot without people's identifiers: the Graph SDK records the
// full URL of each call (users/{upn}, $filter=mail eq '…') and the text of
// errors (Graph names the user it cannot find). Those attributes are
// dropped; the URL template (url.uri_template) and the status stay.
func Redacting(exp sdktrace.SpanExporter) sdktrace.SpanExporter { return redactor{exp} }

type redactor struct{ sdktrace.SpanExporter }

// dropped are the attribute keys never exported.
var dropped = map[attribute.Key]bool{
	"url.full": true, "url.query": true, "url.path": true, "http.url": true, "http.target": true,
	"exception.message": true, "exception.stacktrace": true,
}

func (r redactor) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		out[i] = redacted{s}
	}
	return r.SpanExporter.ExportSpans(ctx, out)
}

// redacted is a span seen through the filter.
type redacted struct{ sdktrace.ReadOnlySpan }

func (s redacted) Attributes() []attribute.KeyValue { return keep(s.ReadOnlySpan.Attributes()) }

func (s redacted) Events() []sdktrace.Event {
	evs := s.ReadOnlySpan.Events()
	out := make([]sdktrace.Event, len(evs))
	for i, e := range evs {
		e.Attributes = keep(e.Attributes)
		out[i] = e
	}
	return out
}

func keep(attrs []attribute.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs))
	for _, a := range attrs {
		if !dropped[a.Key] {
			out = append(out, a)
		}
	}
	return out
}

// Start starts a span named name under ctx's span (a new trace if none).
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return otel.Tracer(Name).Start(ctx, name, trace.WithAttributes(attrs...))
}

// End records err (if any) on span and ends it.
func End(span trace.Span, err error) {
	if err != nil {
		span.SetStatus(codes.Error, "failed")
		span.SetAttributes(attribute.String("tapbot.error", fmt.Sprintf("%T", err)))
	}
	span.End()
}
