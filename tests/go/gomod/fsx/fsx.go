// Package fsx has small file-system helpers: atomic writes and a directory snapshot.
package fsx

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// WriteAtomic writes data to a temporary file next to name and renames it into place.
func WriteAtomic(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, name)
}

// Snapshot lists the tree under root as "path kind size" lines (kind: d, f or l -> target).
func Snapshot(root string) (string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s l -> %s", rel, target))
		case d.IsDir():
			lines = append(lines, rel+" d")
		default:
			lines = append(lines, fmt.Sprintf("%s f %d", rel, info.Size()))
		}
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n"), err
}
