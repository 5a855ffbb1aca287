package main

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
)

//go:noinline
func f64(x float64) float64 { return x }

//go:noinline
func f32(x float32) float32 { return x }

//go:noinline
func i64(x int64) int64 { return x }

//go:noinline
func u64(x uint64) uint64 { return x }

// math: special values (NaN, ±Inf, -0) and their formatting, float32, in-range conversions.
func mathTest(_ []string) {
	nan, pinf, ninf, nzero := math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)
	specials := []float64{nan, pinf, ninf, nzero, 0, 1, -1, 0.1, 1e308, 5e-324, math.MaxFloat64,
		math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 1 << 53, 1<<53 + 1, 123456.789}
	for _, x := range specials {
		fmt.Printf("%v %g %e %.3f %08.2f %+v %x %s %s bits=%016x signbit=%v\n", x, x, x, x, x, x, x,
			strconv.FormatFloat(x, 'g', -1, 64), strconv.FormatFloat(x, 'f', 2, 32), math.Float64bits(x), math.Signbit(x))
	}
	fmt.Println(nan == nan, nan != nan, nan < 1, nan > 1, pinf > math.MaxFloat64, nzero == 0, 1/nzero, 1/f64(0))
	fmt.Println(math.IsNaN(f64(0)/f64(0)), math.IsInf(f64(1e308)*10, 1), f64(pinf)-f64(pinf) != 0, -f64(0))
	fmt.Println(min(0.0, nzero), max(nzero, 0.0), min(1.0, nan), max(nan, 1.0), min(3, 1, 2), max("a", "b"))
	fmt.Println(math.Min(nzero, 0), math.Max(nzero, 0), math.Min(nan, 1), math.Max(pinf, nan), math.Dim(5, 3), math.Dim(3, 5))
	fmt.Println(math.Copysign(3, -1), math.Copysign(nan, -1) != 0, math.Abs(nzero), math.Abs(ninf), math.Signbit(math.Abs(nzero)))

	// Arithmetic that must round identically (no FMA fusion: explicit conversions).
	a, b, c := f64(0.1), f64(0.2), f64(0.3)
	fmt.Println(a+b, a+b == c, float64(a*b)+c, a/b*c, 1e308*f64(10), -1e308*f64(10), 1e-320/f64(1e10))
	sum := 0.0
	for i := 1; i <= 1000; i++ {
		sum += float64(1.0 / float64(i))
	}
	fmt.Println("harmonic(1000) =", sum, math.Float64bits(sum))
	prod := 1.0
	for i := 1; i <= 170; i++ {
		prod *= float64(i)
	}
	fmt.Println("170! =", prod, prod*171)

	// float32.
	x32 := f32(1) / f32(3)
	fmt.Println(x32, float64(x32), x32*3, float32(0.1)+float32(0.2), math.Float32bits(x32), f32(16777216)+1, float32(f64(16777217)))
	fmt.Println(f32(math.MaxFloat32)*2, -float32(math.SmallestNonzeroFloat32)/2, math.Float32frombits(0x7fc00001) != 0)
	fmt.Printf("%v %g %.10f %e\n", float32(1e-45), float32(3.4e38), float32(2.5), float32(123456789))

	// In-range float -> int conversions only (out-of-range differ between wasm and amd64).
	fmt.Println(int64(f64(3.9)), int64(f64(-3.9)), int32(f64(2147483647.0)), int32(f64(-2147483648.9)),
		uint8(f64(255.9)), int8(f64(-128.5)), uint32(f64(4294967295.5)), int(f64(-0.99)), int(f64(nzero)))
	fmt.Println(uint64(f64(1<<63)), uint64(f64(18446744073709549568.0)), int64(f64(-9223372036854775808.0)), int64(f32(-1.5e9)), uint16(f32(65535.75)))
	fmt.Println(float64(i64(math.MaxInt64)), float64(u64(math.MaxUint64)), float32(u64(1<<63+1<<39+1)), float64(i64(-(1<<53)-1)),
		float32(i64(16777217)), float64(u64(1<<53+1)))
	fmt.Println(math.Round(f64(2.5)), math.Round(f64(-2.5)), math.RoundToEven(f64(2.5)), math.RoundToEven(f64(3.5)),
		math.Trunc(f64(-2.7)), math.Floor(f64(-2.5)), math.Ceil(f64(-0.5)), math.Floor(nzero), math.Ceil(f64(1e300)), math.Trunc(nan))
}

// mathfuncs: many math functions over a fixed set of inputs. Functions that are pure Go on both
// platforms are printed exactly (shortest round-trip and bits); those that may use amd64
// assembly (Exp, Log, Hypot) or build on them (Pow, Erf, Gamma, the hyperbolic functions, ...)
// are printed with 12 significant digits, and subnormal results of those as zero.
func mathFuncs(_ []string) {
	inputs := []float64{0, math.Copysign(0, -1), 0.5, -0.5, 1, -1, 2, 3.7, -7.25, 10, 100.5, 1e-10, 1e10, 710, -745,
		math.Pi, math.E, math.Inf(1), math.Inf(-1), math.NaN()}
	exact := []struct {
		name string
		f    func(float64) float64
	}{
		{"Sqrt", math.Sqrt}, {"Cbrt", math.Cbrt}, {"Floor", math.Floor}, {"Ceil", math.Ceil}, {"Trunc", math.Trunc},
		{"Round", math.Round}, {"RoundToEven", math.RoundToEven}, {"Abs", math.Abs},
		{"Sin", math.Sin}, {"Cos", math.Cos}, {"Tan", math.Tan}, {"Asin", math.Asin}, {"Acos", math.Acos},
		{"Atan", math.Atan}, {"Logb", math.Logb},
		{"Mod3", func(x float64) float64 { return math.Mod(x, 3) }},
		{"Rem3", func(x float64) float64 { return math.Remainder(x, 3) }},
		{"Atan2", func(x float64) float64 { return math.Atan2(x, -2) }},
		{"Ldexp", func(x float64) float64 { return math.Ldexp(x, 7) }},
		{"Nextafter", func(x float64) float64 { return math.Nextafter(x, 0) }},
		{"FMA", func(x float64) float64 { return math.FMA(x, 1.0000001, -x) }},
	}
	rounded := []struct {
		name string
		f    func(float64) float64
	}{
		{"Exp", math.Exp}, {"Exp2", math.Exp2}, {"Expm1", math.Expm1}, {"Log", math.Log}, {"Log2", math.Log2},
		{"Log10", math.Log10}, {"Log1p", math.Log1p}, {"Sinh", math.Sinh}, {"Cosh", math.Cosh}, {"Tanh", math.Tanh},
		{"Asinh", math.Asinh}, {"Acosh", math.Acosh}, {"Atanh", math.Atanh}, {"Gamma", math.Gamma},
		{"Erf", math.Erf}, {"Erfc", math.Erfc},
		{"Lgamma", func(x float64) float64 { v, _ := math.Lgamma(x); return v }},
		{"J0", math.J0}, {"Y1", math.Y1}, {"Jn3", func(x float64) float64 { return math.Jn(3, x) }},
		{"Pow1.5", func(x float64) float64 { return math.Pow(x, 1.5) }},
		{"PowNeg3", func(x float64) float64 { return math.Pow(x, -3) }},
		{"2Pow", func(x float64) float64 { return math.Pow(2, x) }},
		{"Hypot", func(x float64) float64 { return math.Hypot(x, 3) }},
	}
	for _, fn := range exact {
		fmt.Printf("%-12s", fn.name)
		for _, x := range inputs {
			y := fn.f(x)
			fmt.Printf(" %v", y)
		}
		fmt.Println()
	}
	for _, fn := range rounded {
		fmt.Printf("%-12s", fn.name)
		for _, x := range inputs {
			y := fn.f(x)
			// Subnormal results print as a signed zero: arm64's assembly Exp flushes
			// Exp(-745) to 0 where pure Go (and amd64's assembly) give the smallest subnormal.
			if y != 0 && math.Abs(y) < 0x1p-1022 {
				y = math.Copysign(0, y)
			}
			fmt.Printf(" %.12g", y)
		}
		fmt.Println()
	}
	for _, x := range inputs {
		fr, e := math.Frexp(x)
		ip, fp := math.Modf(x)
		s, c := math.Sincos(x)
		fmt.Printf("x=%v frexp=(%v,%d) modf=(%v,%v) sincos=(%v,%v) ilogb=%d\n", x, fr, e, ip, fp, s, c, math.Ilogb(x))
	}
	fmt.Println(math.Pow(0, -1), math.Pow(-8, 1.0/3), math.Pow(-2, 3), math.Pow(math.NaN(), 0), math.Pow(1, math.NaN()), math.Pow(-1, math.Inf(1)))
	fmt.Println(math.Sqrt(-1), math.Log(-1), math.Log(0), math.Exp(1000), math.Exp(-1000), math.Hypot(math.Inf(1), math.NaN()))
}

//go:noinline
func divs(a, b int64) (int64, int64) { return a / b, a % b }

//go:noinline
func divs32(a, b int32) (int32, int32) { return a / b, a % b }

//go:noinline
func divu(a, b uint64) (uint64, uint64) { return a / b, a % b }

//go:noinline
func shifts(x int64, s uint) (int64, int64, uint64, int32, uint8) {
	return x << s, x >> s, uint64(x) >> s, int32(x) << s, uint8(x) >> s
}

// ints: integer arithmetic edge cases (wrapping, division, shifts) and math/bits.
func intsTest(_ []string) {
	fmt.Println(divs(7, 2))
	fmt.Println(divs(-7, 2))
	fmt.Println(divs(7, -2))
	fmt.Println(divs(math.MinInt64, -1))
	fmt.Println(divs32(math.MinInt32, -1))
	fmt.Println(divu(math.MaxUint64, 7))
	for _, s := range []uint{0, 1, 7, 8, 31, 32, 63, 64, 65, 200} {
		fmt.Println("shift", s, fmt.Sprint(shifts(-12345, s)), fmt.Sprint(shifts(0x5a5a5a5a5a5a5a5a, s)))
	}
	var i8 int8 = 127
	i8++
	var u8 uint8 = 0
	u8--
	var i16 int16 = -32768
	i16 = -i16
	var i32 int32 = math.MaxInt32
	i32 += 10
	var i64v int64 = math.MaxInt64
	i64v++
	fmt.Println(i8, u8, i16, i32, i64v, uint32(i64(-1)), int8(i64(200)), uint16(i64(-2)), int64(int32(i64(1<<31))))
	fmt.Println(i64(-17)&0xf, i64(-17)|3, i64(-17)^-1, i64(6)&^5, -i64(math.MinInt64), i64(1<<40)*i64(1<<30))

	for _, x := range []uint64{0, 1, 2, 0x80, 0xff00, 1 << 63, math.MaxUint64, 0x0123456789abcdef} {
		hi, lo := bits.Mul64(x, 0xfedcba9876543210)
		s, carry := bits.Add64(x, math.MaxUint64-3, 1)
		d, borrow := bits.Sub64(x, 5, 0)
		fmt.Println(bits.LeadingZeros64(x), bits.TrailingZeros64(x), bits.OnesCount64(x), bits.Len64(x),
			bits.RotateLeft64(x, 13), bits.RotateLeft32(uint32(x), -5), bits.Reverse64(x), bits.ReverseBytes64(x),
			bits.LeadingZeros32(uint32(x)), bits.TrailingZeros16(uint16(x)), bits.OnesCount8(uint8(x)), bits.Len8(uint8(x)),
			hi, lo, s, carry, d, borrow)
	}
	q, r := bits.Div64(1, 0, 3)
	fmt.Println(q, r)
	// A little integer workload with a checksum.
	var h uint64 = 1
	for i := uint64(1); i < 1000000; i++ {
		h = h*0x9E3779B97F4A7C15 + bits.RotateLeft64(h, int(i%64)) ^ i/(i%17+1)
	}
	fmt.Printf("checksum=%016x\n", h)
}
