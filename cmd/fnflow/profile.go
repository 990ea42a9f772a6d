package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// profileKeys are the client flags a profile file may set: where the
// gateway is and how to sign for it.
var profileKeys = []string{"endpoint", "access-key-id", "access-key-secret", "access-key-secret-file"}

// defaultProfile is the profile file the client commands read when
// --profile is not given: ~/.fnflow/profile, if it exists.
func defaultProfile() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".fnflow", "profile")
}

// applyProfile sets, from the profile file at path, the client flags that
// neither the command line nor the environment set: lines `key = value`
// with the keys of profileKeys, blank lines and `#` comments. A profile
// given with --profile must exist; the default one may be missing.
func applyProfile(fs *flag.FlagSet, path string, explicit bool) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !explicit {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the profile: %w", err)
	}
	defer f.Close()
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		text := strings.TrimSpace(scanner.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		known := false
		for _, k := range profileKeys {
			known = known || k == key
		}
		if !ok || !known {
			return fmt.Errorf("%s:%d: want key = value with a key of %s", path, line, strings.Join(profileKeys, ", "))
		}
		if given[key] {
			continue
		}
		if err := fs.Set(key, value); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("reading the profile: %w", err)
	}
	return nil
}
