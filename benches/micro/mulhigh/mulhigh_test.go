// Package mulhigh measures what the mul_high lowering changes: bits.Mul64 and uint64 division by a
// constant, both of which Go lowers on wasm to four 32x32-bit partial products.
package mulhigh

import (
	"math/bits"
	"testing"
)

var sink uint64

func BenchmarkMul64(b *testing.B) {
	x, acc := uint64(0x9e3779b97f4a7c15), uint64(0)
	for i := 0; i < b.N; i++ {
		hi, lo := bits.Mul64(x, x^uint64(i))
		acc += hi ^ lo
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = acc
}

func BenchmarkDivConst(b *testing.B) {
	acc := uint64(0)
	for i := 0; i < b.N; i++ {
		v := uint64(i) * 0x9e3779b97f4a7c15
		for v != 0 {
			acc += v % 10
			v /= 10
		}
	}
	sink = acc
}
