// Package schema reads the numbered migration files (NNNN_name.sql) that
// the SQL stores embed.
package schema

import (
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// Version is the number a migration file's name starts with.
func Version(name string) (int, error) {
	v, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("bad migration name %s", name)
	}
	return v, nil
}

// Newest is the highest version among fsys's migrations/*.sql.
func Newest(fsys fs.FS) (int, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		v, err := Version(name)
		if err != nil {
			return 0, err
		}
		n = max(n, v)
	}
	return n, nil
}
