package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// auditKeyFile is local mode's audit key, next to the database it keys.
const auditKeyFile = "audit.key"

// resolveAuditKey sets c.auditKey from audit_key, or in local mode from
// the data dir's audit.key (mode 0600), generating that file when create
// is set and it does not exist. Outside local mode validate has already
// required audit_key.
func (c *Config) resolveAuditKey(create bool) error {
	if c.AuditKey != "" {
		k, err := base64.StdEncoding.DecodeString(c.AuditKey)
		if err != nil || len(k) != 32 {
			return errors.New("audit_key: must be 32 random bytes, base64 (openssl rand -base64 32)")
		}
		c.auditKey = k
		return nil
	}
	path := filepath.Join(c.DataDir, auditKeyFile)
	k, err := readKeyFile(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && create:
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return fmt.Errorf("audit key: %w", err)
		}
		k, err = writeKeyFile(path)
		if errors.Is(err, fs.ErrExist) { // another process created it first
			k, err = readKeyFile(path)
		}
		if err != nil {
			return fmt.Errorf("audit key: %w", err)
		}
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("audit key: %s does not exist; the bot creates it when it first starts in local mode (or set audit_key)", path)
	default:
		return fmt.Errorf("audit key: %w", err)
	}
	c.auditKey = k
	return nil
}

// readKeyFile reads a base64 32-byte key file.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("%s: not a base64 32-byte key", path)
	}
	return k, nil
}

// writeKeyFile creates path (mode 0600, failing if it appeared meanwhile)
// holding a new random 32-byte key, base64.
func writeKeyFile(path string) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}
