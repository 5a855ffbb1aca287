// Command helpers exercises the Go runtime helpers gojit replaces with native code
// (internal/bytealg's memchr, memcmp via cmpbody, memeqbody) on arbitrary address ranges, so a
// test can compare gojit with and without those replacements, traps included.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
	"math/big"
	"strings"
	"unsafe"
)

var koopman = crc32.MakeTable(crc32.Koopman)

//go:wasmexport sha256_at
func sha256At(addr, n uint32) uint32 {
	s := sha256.Sum256(at(addr, n))
	return binary.LittleEndian.Uint32(s[:]) ^ binary.LittleEndian.Uint32(s[28:])
}

//go:wasmexport crc32_at
func crc32At(addr, n, seed uint32) uint32 {
	return crc32.Update(seed, crc32.IEEETable, at(addr, n))
}

//go:wasmexport crc32_koopman_at
func crc32KoopmanAt(addr, n, seed uint32) uint32 {
	return crc32.Update(seed, koopman, at(addr, n))
}

//go:wasmexport index_byte
func indexByte(addr, n uint32, c int32) int32 {
	return int32(bytes.IndexByte(at(addr, n), byte(c)))
}

//go:wasmexport equal
func equal(a, b, n uint32) bool {
	return bytes.Equal(at(a, n), at(b, n))
}

//go:wasmexport compare
func compare(a, an, b, bn uint32) int32 {
	return int32(bytes.Compare(at(a, an), at(b, bn)))
}

// index runs the four substring searches of bytes and strings (the Rabin-Karp kernels of
// internal/bytealg behind them) on the same ranges and folds their results into one value.
//
//go:wasmexport index
func index(a, an, b, bn uint32) int32 {
	s, sep := at(a, an), at(b, bn)
	r := bytes.Index(s, sep)
	r = r*31 + bytes.LastIndex(s, sep)
	ss, ssep := unsafe.String(unsafe.SliceData(s), len(s)), unsafe.String(unsafe.SliceData(sep), len(sep))
	r = r*31 + strings.Index(ss, ssep)
	r = r*31 + strings.LastIndex(ss, ssep)
	return int32(r)
}

// bigArith multiplies, adds and subtracts the numbers whose little-endian words are at a and b
// (math/big's vector kernels: addMulVVWW, mulAddVWW, addVV, subVV) and hashes the results.
//
//go:wasmexport big_arith
func bigArith(a, an, b, bn uint32) uint32 {
	x := new(big.Int).SetBits(words(a, an))
	y := new(big.Int).SetBits(words(b, bn))
	z := new(big.Int).Mul(x, y)
	z.Add(z, x)
	z.Sub(z, new(big.Int).Lsh(y, 3))
	z.Mul(z, big.NewInt(0x7fff_ffff_ffff))
	z.Add(z, new(big.Int).Mul(y, y))
	h := uint32(z.Sign())
	for _, w := range z.Bits() {
		h = h*16777619 ^ uint32(w) ^ uint32(w>>32)
	}
	return h
}

//go:wasmexport fill
func fill(addr, n, seed uint32) {
	x := seed
	b := at(addr, n)
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x>>24) % 3
	}
}

// at is the byte slice at linear-memory address addr (not bounds-checked: the point is to let
// the helpers run off the end of memory).
func at(addr, n uint32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(uintptr(addr))), n)
}

// words is the []big.Word of n words at linear-memory address addr (not bounds-checked).
func words(addr, n uint32) []big.Word {
	return unsafe.Slice((*big.Word)(unsafe.Pointer(uintptr(addr))), n)
}

func main() {}
