package schema

import (
	"testing"
	"testing/fstest"
)

func TestNewest(t *testing.T) {
	fsys := fstest.MapFS{
		"migrations/0001_init.sql":  {Data: []byte("x")},
		"migrations/0012_later.sql": {Data: []byte("x")},
		"migrations/0003_mid.sql":   {Data: []byte("x")},
	}
	if n, err := Newest(fsys); err != nil || n != 12 {
		t.Fatalf("Newest = %d, %v; want 12", n, err)
	}
	fsys["migrations/x_bad.sql"] = &fstest.MapFile{Data: []byte("x")}
	if _, err := Newest(fsys); err == nil {
		t.Fatal("a badly named migration must be an error")
	}
}
