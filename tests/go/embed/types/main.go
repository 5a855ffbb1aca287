// Reactor exercising every parameter and result type //go:wasmexport and //go:wasmimport allow
// (go-wasm-abi.md §8.1), in both directions.
package main

import (
	"math"
	"structs"
	"unsafe"
)

// Point has a host-defined layout: X@0, Y@8, F@16, B@24, A@26 (size 32).
type Point struct {
	_ structs.HostLayout
	X int32
	Y int64
	F float64
	B bool
	A [3]uint16
}

// ---- Exports, called from Rust with edge values ----

//go:wasmexport echo_bool
func echoBool(b bool) bool { return b }

//go:wasmexport not_bool
func notBool(b bool) bool { return !b }

//go:wasmexport add_i32
func addI32(a, b int32) int32 { return a + b }

//go:wasmexport add_u32
func addU32(a, b uint32) uint32 { return a + b }

//go:wasmexport add_i64
func addI64(a, b int64) int64 { return a + b }

//go:wasmexport add_u64
func addU64(a, b uint64) uint64 { return a + b }

//go:wasmexport widen_i32
func widenI32(v int32) int64 { return int64(v) }

//go:wasmexport widen_u32
func widenU32(v uint32) uint64 { return uint64(v) }

//go:wasmexport echo_f32
func echoF32(v float32) float32 { return v }

//go:wasmexport echo_f64
func echoF64(v float64) float64 { return v }

//go:wasmexport mul_f32
func mulF32(a, b float32) float32 { return a * b }

//go:wasmexport mul_f64
func mulF64(a, b float64) float64 { return a * b }

//go:wasmexport f32_bits
func f32Bits(v float32) uint32 { return math.Float32bits(v) }

//go:wasmexport f64_bits
func f64Bits(v float64) uint64 { return math.Float64bits(v) }

//go:wasmexport f64_from_bits
func f64FromBits(b uint64) float64 { return math.Float64frombits(b) }

//go:wasmexport uintptr_value
func uintptrValue(p uintptr) uint64 { return uint64(p) }

//go:wasmexport uintptr_from
func uintptrFrom(v uint64) uintptr { return uintptr(v) }

//go:wasmexport pointer_value
func pointerValue(p unsafe.Pointer) uint64 { return uint64(uintptr(p)) }

var buf [4096]byte

// buffer returns the address of a 4 KiB Go buffer the host may fill.
//
//go:wasmexport buffer
func buffer() unsafe.Pointer { return unsafe.Pointer(&buf[0]) }

//go:wasmexport sum_bytes
func sumBytes(p unsafe.Pointer, n int32) int64 {
	s := int64(0)
	for _, b := range unsafe.Slice((*byte)(p), n) {
		s += int64(b)
	}
	return s
}

//go:wasmexport incr
func incr(p *int32) int32 {
	*p++
	return *p
}

//go:wasmexport fill
func fill(p *[16]byte, b uint32) {
	for i := range p {
		p[i] = byte(b) + byte(i)
	}
}

var point = Point{X: 7, Y: -9, F: 0.25, B: true, A: [3]uint16{1, 2, 65535}}

//go:wasmexport global_point
func globalPoint() *Point { return &point }

// point_update changes every field and returns a checksum of the old values.
//
//go:wasmexport point_update
func pointUpdate(p *Point) float64 {
	sum := float64(p.X) + float64(p.Y) + p.F + float64(p.A[0]) + float64(p.A[1]) + float64(p.A[2])
	if p.B {
		sum += 1000
	}
	p.X++
	p.Y *= 2
	p.F /= 2
	p.B = !p.B
	p.A[0], p.A[2] = p.A[2], p.A[0]
	return sum
}

//go:wasmexport str_len
func strLen(s string) int32 { return int32(len(s)) }

//go:wasmexport str_hash
func strHash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

var kept string

// str_keep copies its (host-owned) string argument; kept_ptr/kept_len expose the copy.
//
//go:wasmexport str_keep
func strKeep(s string) { kept = string([]byte(s)) }

//go:wasmexport kept_ptr
func keptPtr() unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(kept)) }

//go:wasmexport kept_len
func keptLen() int32 { return int32(len(kept)) }

// mix checks argument order across all kinds at once.
//
//go:wasmexport mix
func mix(b bool, i int32, l int64, f float32, d float64, s string, u uint32) float64 {
	r := float64(i) + float64(l)*2 + float64(f)*4 + d*8 + float64(len(s))*16 + float64(u)*32
	if b {
		r = -r
	}
	return r
}

// ---- Imports, called by Go with edge values; Go checks the results ----

//go:wasmimport host imp_bool
func impBool(b bool) bool

//go:wasmimport host imp_i32
func impI32(v int32) int32

//go:wasmimport host imp_u32
func impU32(v uint32) uint32

//go:wasmimport host imp_i64
func impI64(v int64) int64

//go:wasmimport host imp_u64
func impU64(v uint64) uint64

//go:wasmimport host imp_f32
func impF32(v float32) float32

//go:wasmimport host imp_f64
func impF64(v float64) float64

//go:wasmimport host imp_ptr
func impPtr(p unsafe.Pointer) unsafe.Pointer

//go:wasmimport host imp_uintptr
func impUintptr(p uintptr) uintptr

//go:wasmimport host imp_pint32
func impPint32(p *int32) int32

//go:wasmimport host imp_parr
func impParr(p *[8]byte)

//go:wasmimport host imp_struct
func impStruct(p *Point) int64

//go:wasmimport host imp_string
func impString(s string) int32

//go:wasmimport host imp_mix
func impMix(b bool, i int32, l int64, f float32, d float64, s string, u uint32) float64

//go:wasmimport host report
func report(s string)

var failures int32

func check(ok bool, what string) {
	if !ok {
		failures++
		report(what)
	}
}

var (
	I32s = []int32{0, 1, -1, math.MinInt32, math.MaxInt32}
	U32s = []uint32{0, 1, math.MaxUint32, 1 << 31}
	I64s = []int64{0, -1, math.MinInt64, math.MaxInt64, 1 << 32}
	U64s = []uint64{0, math.MaxUint64, 1 << 63, math.MaxUint32}
	F32s = []uint32{0, 0x80000000, 0x3fc00000, 0x7f800000, 0xff800000, 0x7fc00001, 1, 0x7f7fffff}
	F64s = []uint64{0, 1 << 63, 0x3ff8000000000000, 0x7ff0000000000000, 0xfff0000000000000,
		0x7ff8000000000001, 1, 0x7fefffffffffffff}
	Strs = []string{"", "a", "héllo, 世界", string(make([]byte, 10000))}
)

// run_import_checks calls every import with edge values and checks the host's answers (the
// host negates bools and floats, adds 1 to integers, complements uint64s, and so on). Returns
// the number of failed checks; each failure is also reported through `report`.
//
//go:wasmexport run_import_checks
func runImportChecks() int32 {
	failures = 0
	check(impBool(true) == false, "imp_bool(true)")
	check(impBool(false) == true, "imp_bool(false)")
	for _, v := range I32s {
		check(impI32(v) == v+1, "imp_i32")
	}
	for _, v := range U32s {
		check(impU32(v) == v+1, "imp_u32")
	}
	for _, v := range I64s {
		check(impI64(v) == v+1, "imp_i64")
	}
	for _, v := range U64s {
		check(impU64(v) == ^v, "imp_u64")
	}
	for _, b := range F32s {
		check(math.Float32bits(impF32(math.Float32frombits(b))) == b^(1<<31), "imp_f32")
	}
	for _, b := range F64s {
		check(math.Float64bits(impF64(math.Float64frombits(b))) == b^(1<<63), "imp_f64")
	}

	// unsafe.Pointer: the host increments the uint32 at p and returns p+4.
	words := [2]uint32{41, 0xdeadbeef}
	r := impPtr(unsafe.Pointer(&words[0]))
	check(words[0] == 42, "imp_ptr wrote through the pointer")
	check(r == unsafe.Pointer(&words[1]), "imp_ptr result")
	check(*(*uint32)(r) == 0xdeadbeef, "imp_ptr result points at words[1]")

	// uintptr: the host returns p unchanged; the result must be zero-extended.
	for _, p := range []uintptr{0, 1, 0x7fffffff, 0x80000000, 0xffffffff} {
		check(impUintptr(p) == p, "imp_uintptr")
	}

	// *int32 on the heap and on the stack: the host doubles *p and returns the old value.
	h := new(int32)
	*h = -21
	check(impPint32(h) == -21 && *h == -42, "imp_pint32 (heap)")
	var s int32 = math.MaxInt32
	check(impPint32(&s) == math.MaxInt32 && s == -2, "imp_pint32 (stack)")

	arr := [8]byte{1, 2, 3, 4, 5, 6, 7, 8}
	impParr(&arr)
	check(arr == [8]byte{8, 7, 6, 5, 4, 3, 2, 1}, "imp_parr reversed the array")

	// HostLayout struct: the host returns X+Y and sets F = X, B = true, A[2] = 7.
	pt := &Point{X: -5, Y: 1 << 40, F: 1.5, B: false, A: [3]uint16{9, 8, 0}}
	check(impStruct(pt) == (1<<40)-5, "imp_struct result")
	check(pt.F == -5 && pt.B && pt.A == [3]uint16{9, 8, 7} && pt.X == -5 && pt.Y == 1<<40, "imp_struct writes")

	for _, str := range Strs {
		check(impString(str) == int32(len(str)), "imp_string")
	}
	sub := "0123456789"[3:7] // a string that does not start at its allocation
	check(impString(sub) == 4, "imp_string substring")

	// imp_mix returns the same formula as the `mix` export.
	check(impMix(true, -3, 1<<33, 0.5, -0.25, "xyz", math.MaxUint32) == mix(true, -3, 1<<33, 0.5, -0.25, "xyz", math.MaxUint32), "imp_mix")
	check(impMix(false, math.MaxInt32, -1, -2, 3, "", 0) == mix(false, math.MaxInt32, -1, -2, 3, "", 0), "imp_mix 2")
	return failures
}

func main() {}
