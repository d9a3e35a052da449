package memstore_test

import (
	"testing"

	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tap.Store { return memstore.New() })
}
