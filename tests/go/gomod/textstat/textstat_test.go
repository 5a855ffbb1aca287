package textstat

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestCountTestdataFiles(t *testing.T) {
	// go test runs the test binary in the package directory: relative paths reach testdata/
	// through the preopened root and $PWD.
	names, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if want := []string{"testdata/poem.txt", "testdata/proverbs.txt"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("glob: %v, want %v", names, want)
	}
	var report bytes.Buffer
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Count(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&report, "%s: %d lines, %d words, top %v\n", filepath.Base(name), st.Lines, st.Words, st.Top(3))
	}
	golden, err := os.ReadFile("testdata/report.golden")
	if err != nil {
		t.Fatal(err)
	}
	if report.String() != string(golden) {
		t.Errorf("report:\n%s\nwant (testdata/report.golden):\n%s", report.String(), golden)
	}
}

func TestCountTreeOnDirFS(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(wd) != "textstat" {
		t.Errorf("working directory %q is not the package directory", wd)
	}
	got, err := CountTree(os.DirFS(wd), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("files: %v", got)
	}
	if st := got["testdata/nested/deep.txt"]; st.Words != 4 || st.Freq["deep"] != 2 {
		t.Errorf("nested file: %+v", st)
	}
}

func TestWriteReadTempFiles(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 20 {
		name := filepath.Join(dir, fmt.Sprintf("f%02d.txt", i))
		text := strings.Repeat(fmt.Sprintf("word%d ", i%3), i+1)
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, filepath.Base(name))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadDir: %v", got)
	}
	stats, err := CountTree(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if st := stats["f19.txt"]; st.Words != 20 || st.Freq["word"] != 20 {
		t.Errorf("f19: %+v", st)
	}
}
