// Command kernels calls every standard-library function gojit runs natively (its native kernels
// and native helpers) on inputs long enough to take the native path, and prints the results:
// tests/stripped.rs builds it with and without a name section and compares the two.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash/crc32"
	"math/big"
	"strings"
)

func main() {
	text := strings.Repeat("the quick brown fox jumps over the lazy dog; ", 200)
	data := []byte(text)
	needle := "lazy dog; the quick brown fox jumps over the lazy cat"
	// IndexRabinKarp and LastIndexRabinKarp, string and []byte shapes.
	fmt.Println("index:", strings.Index(text, needle), strings.Index(text+needle, needle))
	fmt.Println("lastindex:", strings.LastIndex(needle+text, needle), strings.LastIndex(text, needle))
	fmt.Println("bytes index:", bytes.Index(data, []byte(needle)), bytes.Index(append(data, needle...), []byte(needle)))
	fmt.Println("bytes lastindex:", bytes.LastIndex(append([]byte(needle), data...), []byte(needle)))
	// memchr, memeqbody, memcmp.
	fmt.Println("indexbyte:", bytes.IndexByte(data, ';'), strings.IndexByte(text, 'z'), bytes.IndexByte(data, '#'))
	other := bytes.Clone(data)
	other[len(other)-3] = 'X'
	fmt.Println("equal:", bytes.Equal(data, bytes.Clone(data)), bytes.Equal(data, other))
	fmt.Println("compare:", bytes.Compare(data, other), strings.Compare(string(other), text), bytes.Compare(data, data))
	// crc32 (slicing-by-8) and sha256 (generic block function).
	fmt.Println("crc32:", crc32.ChecksumIEEE(data), crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	fmt.Printf("sha256: %x\n", sha256.Sum256(data))
	// math/big's vector kernels: addVV, subVV, mulAddVWW, addMulVVWW.
	a, _ := new(big.Int).SetString(strings.Repeat("123456789", 40), 10)
	b, _ := new(big.Int).SetString(strings.Repeat("987654321", 38), 10)
	sum := new(big.Int).Add(a, b)
	diff := new(big.Int).Sub(a, b)
	prod := new(big.Int).Mul(a, b)
	scaled := new(big.Int).Mul(a, big.NewInt(1_000_003))
	fmt.Println("big:", sum.String()[:40], diff.String()[:40], prod.String()[:40], scaled.String()[:40])
	fmt.Println("big bits:", sum.BitLen(), diff.BitLen(), prod.BitLen(), scaled.BitLen())
}
