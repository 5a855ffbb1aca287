package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

//go:noinline
func sum(a []int64) int64 {
	var s int64
	for _, v := range a {
		s += v
	}
	return s
}

func main() {
	switch os.Args[1] {
	case "fib":
		fmt.Println(fib(32))
	case "sum":
		a := make([]int64, 1<<20)
		for i := range a {
			a[i] = int64(i)
		}
		var t int64
		for i := 0; i < 200; i++ {
			t += sum(a)
		}
		fmt.Println(t)
	case "indexbyte":
		b := bytes.Repeat([]byte("abcdefgh"), 1<<20)
		n := 0
		for i := 0; i < 200; i++ {
			n += bytes.IndexByte(b, 'z')
		}
		fmt.Println(n)
	case "mix":
		m := map[string]int{}
		var sb strings.Builder
		for i := 0; i < 300000; i++ {
			k := strconv.Itoa(i * 7919 % 100003)
			m[k]++
			sb.WriteString(k)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Println(len(keys), sb.Len(), keys[len(keys)/2])
	case "hello":
		fmt.Println("hello")
	}
}
