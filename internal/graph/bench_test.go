package graph_test

import (
	"context"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

func benchClient(b *testing.B) *graph.Client {
	b.Helper()
	tn := simtenant.New()
	simtenant.Demo(tn)
	tn.Start()
	b.Cleanup(tn.Close)
	c, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential(token)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkUser measures one user read (SDK + loopback fake).
func BenchmarkUser(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.User(ctx, simtenant.DemoSarahID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreatePass measures one pass create (SDK + loopback fake).
func BenchmarkCreatePass(b *testing.B) {
	c := benchClient(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour}); err != nil {
			b.Fatal(err)
		}
	}
}
