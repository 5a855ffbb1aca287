package fsx

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "config.json")
	for _, content := range []string{`{"v":1}`, `{"v":2,"long":true}`} {
		if err := WriteAtomic(name, []byte(content)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != content {
			t.Fatalf("read back %q, %v", got, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("leftover temp files: %v", entries)
	}
}

func TestSnapshotWithSymlinksAndErrors(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "a", "b", "c.txt"), []byte("hello"), 0o644))
	must(os.Symlink("b/c.txt", filepath.Join(dir, "a", "link")))
	must(os.Link(filepath.Join(dir, "a", "b", "c.txt"), filepath.Join(dir, "hard.txt")))
	got, err := Snapshot(dir)
	must(err)
	want := ". d\na d\na/b d\na/b/c.txt f 5\na/link l -> b/c.txt\nhard.txt f 5"
	if got != want {
		t.Errorf("snapshot:\n%s\nwant:\n%s", got, want)
	}
	if err := os.Mkdir(filepath.Join(dir, "a"), 0o755); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Mkdir existing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat missing: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "a")); err == nil {
		t.Error("removed a non-empty directory")
	}
	must(os.RemoveAll(filepath.Join(dir, "a")))
	got, _ = Snapshot(dir)
	if got != ". d\nhard.txt f 5" {
		t.Errorf("after RemoveAll: %q", got)
	}
}

func TestSeekReadAtTruncateChtimes(t *testing.T) {
	name := filepath.Join(t.TempDir(), "data.bin")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("0123456789"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("AB"), 4); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := f.ReadAt(buf, 3); err != nil || string(buf) != "3AB6" {
		t.Errorf("ReadAt: %q %v", buf, err)
	}
	if pos, err := f.Seek(-2, io.SeekEnd); err != nil || pos != 8 {
		t.Errorf("Seek: %d %v", pos, err)
	}
	rest, _ := io.ReadAll(f)
	if string(rest) != "89" {
		t.Errorf("after seek: %q", rest)
	}
	if err := f.Truncate(3); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(name, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(name)
	if err != nil || st.Size() != 3 || !st.ModTime().Equal(mtime) {
		t.Errorf("stat: %v %v", st, err)
	}
	if _, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Errorf("O_EXCL on existing file: %v", err)
	}
}
