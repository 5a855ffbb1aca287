// Package textstat counts words and lines of text files.
package textstat

import (
	"bufio"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode"
)

// Stats describes one text.
type Stats struct {
	Lines, Words int
	Freq         map[string]int
}

// Count reads r to the end.
func Count(r io.Reader) (Stats, error) {
	st := Stats{Freq: map[string]int{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		st.Lines++
		for _, w := range strings.FieldsFunc(sc.Text(), func(r rune) bool {
			return !unicode.IsLetter(r) && r != '\''
		}) {
			st.Words++
			st.Freq[strings.ToLower(w)]++
		}
	}
	return st, sc.Err()
}

// Top returns the n most frequent words, most frequent first (ties alphabetically).
func (s Stats) Top(n int) []string {
	words := make([]string, 0, len(s.Freq))
	for w := range s.Freq {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if s.Freq[words[i]] != s.Freq[words[j]] {
			return s.Freq[words[i]] > s.Freq[words[j]]
		}
		return words[i] < words[j]
	})
	if len(words) > n {
		words = words[:n]
	}
	return words
}

// CountTree counts every *.txt file under root in fsys, keyed by slash path.
func CountTree(fsys fs.FS, root string) (map[string]Stats, error) {
	out := map[string]Stats{}
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".txt" {
			return err
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := Count(f)
		if err != nil {
			return err
		}
		out[p] = st
		return nil
	})
	return out, err
}
