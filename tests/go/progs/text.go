package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"maps"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lcg is a tiny deterministic generator (same numbers on every platform).
type lcg uint64

func (l *lcg) next() uint64 {
	*l = *l*6364136223846793005 + 1442695040888963407
	x := uint64(*l)
	return x ^ x>>29
}

func stringsTest(_ []string) {
	s := "  The quick brown fox jumps over the lazy dog; ünïcödé ✓ 日本語  "
	fmt.Printf("%q\n", strings.Fields(s))
	fmt.Printf("%q\n", strings.Split("a,b,,c,", ","))
	fmt.Printf("%q\n", strings.SplitN("a,b,c,d", ",", 2))
	fmt.Println(strings.ToUpper(s), "|", strings.ToLower(s))
	fmt.Println(strings.TrimSpace(s), strings.Count(s, "o"), strings.Index(s, "fox"), strings.LastIndex(s, "o"))
	fmt.Println(strings.IndexRune(s, '✓'), strings.IndexByte(s, ';'), strings.IndexAny(s, "zq"), strings.ContainsRune(s, '日'))
	fmt.Println(strings.Replace(s, "o", "0", 2), strings.ReplaceAll("aaaa", "a", "ab"))
	fmt.Println(strings.Repeat("ab", 5), strings.HasPrefix(s, "  The"), strings.HasSuffix(s, "語  "))
	fmt.Println(strings.EqualFold("Straße", "STRASSE"), strings.EqualFold("Gopher", "GOPHER"))
	fmt.Println(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s))
	fmt.Println(strings.TrimFunc(s, func(r rune) bool { return r == ' ' || r < 'a' }), strings.Title("hello world"))
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "%d,", i*i)
	}
	fmt.Println(b.Len(), b.String()[:40])
	before, after, found := strings.Cut("key=value=x", "=")
	fmt.Println(before, after, found)
	fmt.Println(strings.Compare("a", "b"), strings.Compare("b", "a"), strings.Compare("x", "x"))
	// Long strings exercise the memchr/memeq/cmp helpers.
	long := strings.Repeat("abcdefghij", 10000) + "XYZ"
	fmt.Println(strings.Index(long, "XYZ"), strings.IndexByte(long, 'X'), strings.Contains(long, "jab"), long[:99995]+"!" < long)
	fmt.Println(bytes.Equal([]byte(long), []byte(long)), bytes.Compare([]byte(long[1:]), []byte(long)))

	// UTF-8.
	for i, r := range "aé✓\xff日" {
		fmt.Printf("%d:%U(%d) ", i, r, utf8.RuneLen(r))
	}
	fmt.Println(utf8.RuneCountInString(s), utf8.ValidString("a\xffb"), []rune("héllo")[1], string(rune(0x1F600)))
	fmt.Println(strings.ToValidUTF8("a\xff\xfeb", "?"), []byte("ü"), string([]byte{0xe2, 0x9c, 0x93}))
	fmt.Println(unicode.IsUpper('Ä'), unicode.IsLetter('日'), unicode.IsDigit('٣'), unicode.In('π', unicode.Greek))

	var bb bytes.Buffer
	bb.WriteString("hello ")
	bb.Write([]byte("world"))
	bb.WriteByte('!')
	fmt.Println(bb.String(), bb.Len(), bytes.ToUpper(bb.Bytes()), bytes.Fields([]byte(" a b  c ")))

	re := regexp.MustCompile(`(\w+)@(\w+)\.com`)
	fmt.Println(re.FindAllStringSubmatch("alice@example.com, bob@test.com; nobody@x.org", -1))
	fmt.Println(re.ReplaceAllString("mail alice@example.com now", "<$2:$1>"))
}

type person struct {
	Name string
	Age  int
}

func sortTest(_ []string) {
	var r lcg = 42
	xs := make([]int, 10000)
	for i := range xs {
		xs[i] = int(r.next()%100000) - 50000
	}
	ys := slices.Clone(xs)
	sort.Ints(xs)
	slices.Sort(ys)
	fmt.Println(sort.IntsAreSorted(xs), slices.Equal(xs, ys), xs[0], xs[len(xs)/2], xs[len(xs)-1])
	var sum int64
	for i, x := range xs {
		sum += int64(i) * int64(x)
	}
	fmt.Println("weighted sum:", sum)
	i, found := slices.BinarySearch(xs, xs[1234])
	fmt.Println(xs[i] == xs[1234], found, sort.SearchInts(xs, 0) > 0)
	fmt.Println(slices.Compact(slices.Clone(xs[:20])))

	people := []person{{"Alice", 30}, {"Bob", 25}, {"Carol", 30}, {"Dave", 25}, {"Eve", 35}, {"Frank", 30}}
	sort.SliceStable(people, func(i, j int) bool { return people[i].Age < people[j].Age })
	fmt.Println(people)
	slices.SortFunc(people, func(a, b person) int {
		return cmp.Or(cmp.Compare(b.Age, a.Age), strings.Compare(a.Name, b.Name))
	})
	fmt.Println(people)
	fs := []float64{3.5, -1, math.Inf(1), 0, math.Inf(-1), 2.25}
	sort.Float64s(fs)
	fmt.Println(fs)
	words := strings.Fields("the quick brown fox jumps over the lazy dog again and again")
	sort.Sort(sort.Reverse(sort.StringSlice(words)))
	fmt.Println(words)
	fmt.Println(slices.Max(xs), slices.Min(xs), slices.Index(xs, xs[500]) <= 500)
}

type point struct {
	X, Y int
	Tag  string
	p    *int
}

type temp float64

func (t temp) String() string { return fmt.Sprintf("%.1f°C", float64(t)) }

func fmtTest(_ []string) {
	p := point{1, -2, "pt", nil}
	fmt.Printf("%v|%+v|%#v|%T\n", p, p, p, p)
	fmt.Printf("%d|%5d|%-5d|%05d|%x|%X|%o|%O|%b|%c|%U|%q\n", 42, 42, 42, -42, 255, 255, 8, 8, 5, 'G', 'G', 'G')
	fmt.Printf("%s|%10s|%-10s|%.2s|%q|%x|% x|%X\n", "go", "go", "go", "gopher", "tab\there", "hi", "hi", []byte("hi"))
	fmt.Printf("%t|%v|%p\n", true, nil, nil)
	fmt.Printf("%v|%v|%v\n", []int{1, 2}, map[string]int{"b": 2, "a": 1, "c": 3}, [2]bool{true})
	fmt.Printf("%v|%d|%s\n", []any{1, "a", nil, 2.5}, []int8{-1, 2}, []string{"x", "y"})
	fmt.Printf("%6.2f|%-8.3e|%g|%G|%.0f|%+.1f|%x\n", 3.14159, 1234.5678, 1e21, 1e-7, 2.5, 3.0, 1.0)
	fmt.Printf("%v|%s|%d\n", temp(21.55), temp(-3), []temp{1, 2})
	fmt.Printf("%*d|%-*d|%.*f\n", 5, 1, 4, 2, 3, math.Pi)
	fmt.Printf("%!|%z|%d\n", 1, "extra")
	fmt.Println(fmt.Sprint("a", 1, 2, "b", "c", 3.0), fmt.Sprintln("x", 1))
	var ip *int
	fmt.Println(ip == nil, fmt.Sprintf("%v", ip), fmt.Sprintf("%v", error(nil)))
	fmt.Printf("%v %v\n", struct {
		A []int
		M map[int]string
	}{[]int{1}, map[int]string{2: "b", 1: "a"}}, &person{"Z", 1})
	var n1, n2 int
	var w string
	c, err := fmt.Sscanf("12 34 go", "%d %d %s", &n1, &n2, &w)
	fmt.Println(c, err, n1+n2, w)
	fmt.Println(fmt.Errorf("wrap %d: %w", 1, fmt.Errorf("inner")))
}

func strconvTest(_ []string) {
	fmt.Println(strconv.Itoa(-1234567), strconv.FormatInt(-255, 16), strconv.FormatUint(math.MaxUint64, 2), strconv.FormatInt(math.MinInt64, 36))
	for _, s := range []string{"123", "-9223372036854775808", "9223372036854775808", "0x1F", "1_000", "abc", "", "+7"} {
		v, err := strconv.ParseInt(s, 0, 64)
		fmt.Printf("ParseInt(%q)=%d,%v\n", s, v, err)
	}
	for _, s := range []string{"255", "256", "-1"} {
		v, err := strconv.ParseUint(s, 10, 8)
		fmt.Printf("ParseUint8(%q)=%d,%v\n", s, v, err)
	}
	for _, s := range []string{"3.14", "1e400", "-1e-400", "nan", "-Inf", "0x1p-2", "1e23", "4.9e-324", "2.2250738585072014e-308", ".5e1", "1,5"} {
		v, err := strconv.ParseFloat(s, 64)
		fmt.Printf("ParseFloat(%q)=%v,%v\n", s, v, err)
	}
	v32, err := strconv.ParseFloat("3.4028235e38", 32)
	fmt.Println(v32, err)
	for _, s := range []string{"true", "F", "yes"} {
		v, err := strconv.ParseBool(s)
		fmt.Println(v, err)
	}
	fmt.Println(strconv.Quote("héllo\n\x00☺\u2028"), strconv.QuoteToASCII("héllo☺"), strconv.QuoteRune('☺'))
	u, err := strconv.Unquote(`"a\tb\u00e9"`)
	fmt.Println(u, err)
	_, err = strconv.Unquote(`"bad`)
	fmt.Println(err)
	for _, f := range []float64{0, 1, -1.5, 1e21, 1e20, 123456789.125, 1.0 / 3, 5e-324, math.MaxFloat64} {
		fmt.Println(strconv.FormatFloat(f, 'g', -1, 64), strconv.FormatFloat(f, 'e', 5, 64),
			strconv.FormatFloat(f, 'f', -1, 64), strconv.FormatFloat(f, 'b', -1, 64), strconv.FormatFloat(f, 'x', -1, 64),
			strconv.FormatFloat(f, 'g', -1, 32))
	}
	b := strconv.AppendInt([]byte("n="), 99, 10)
	b = strconv.AppendQuote(b, "q")
	b = strconv.AppendBool(b, false)
	fmt.Println(string(b))
}

type key struct {
	a int
	b string
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}

func mapsTest(_ []string) {
	words := strings.Fields("it was the best of times it was the worst of times it was the age of wisdom")
	counts := map[string]int{}
	for _, w := range words {
		counts[w]++
	}
	for _, k := range sortedKeys(counts) {
		fmt.Printf("%s:%d ", k, counts[k])
	}
	fmt.Println(len(counts))

	big := make(map[int]int)
	for i := range 200000 {
		big[i*7919%200003] = i
	}
	fmt.Println("big:", len(big))
	for k := range big {
		if k%2 == 0 {
			delete(big, k)
		}
	}
	var s1, s2 int64
	for k, v := range big {
		s1 += int64(k)
		s2 += int64(v) * int64(k%13)
	}
	fmt.Println("after delete:", len(big), s1, s2)
	clear(big)
	fmt.Println("after clear:", len(big))

	sk := map[key][]int{}
	for i := range 100 {
		k := key{i % 7, strconv.Itoa(i % 3)}
		sk[k] = append(sk[k], i)
	}
	keys := slices.SortedFunc(maps.Keys(sk), func(x, y key) int {
		return cmp.Or(cmp.Compare(x.a, y.a), strings.Compare(x.b, y.b))
	})
	fmt.Println(len(keys), keys[:4], sk[key{3, "1"}])

	nan := math.NaN()
	fm := map[float64]int{nan: 1, 1: 2}
	fm[nan] = 3
	fm[math.Copysign(0, -1)] = 4
	fm[0] = 5
	_, ok := fm[nan]
	fmt.Println("nan map:", len(fm), ok, fm[0])

	im := map[any]string{1: "int", "1": "string", 1.0: "float", true: "bool", [2]int{1, 2}: "array"}
	fmt.Println(len(im), im[1], im["1"], im[1.0], im[[2]int{1, 2}])
	m2 := maps.Clone(counts)
	m2["new"] = 1
	fmt.Println(maps.Equal(counts, m2), len(m2), fmt.Sprint(map[string]bool{"z": true, "a": false}))
}

type animal interface{ Sound(times int) string }

type dog struct {
	Name  string   `json:"name"`
	Age   int      `json:"age,omitempty"`
	Tags  []string `json:"tags"`
	Owner *person  `json:"owner,omitempty"`
	Extra map[string]float64
	skip  int
}

func (d dog) Sound(times int) string { return strings.Repeat("woof ", times) + d.Name }
func (d *dog) Rename(n string)       { d.Name = n }

func reflectTest(_ []string) {
	d := dog{Name: "Rex", Age: 3, Tags: []string{"good", "boy"}, Owner: &person{"Ann", 40},
		Extra: map[string]float64{"w": 12.5, "h": 0.6, "a": 1e-7}}
	js, err := json.Marshal(d)
	fmt.Println(string(js), err)
	var back dog
	err = json.Unmarshal(js, &back)
	fmt.Println(err, reflect.DeepEqual(d, back), back.Owner.Name)
	ind, _ := json.MarshalIndent(map[string]any{"z": []any{1, "two", 3.5, nil, true}, "a": map[string]int{"k": 1}}, "", "  ")
	fmt.Println(string(ind))
	var anyv any
	fmt.Println(json.Unmarshal([]byte(`{"a":[1,2,{"b":null}],"c":"\u00e9"}`), &anyv), anyv)
	fmt.Println(json.Unmarshal([]byte(`{"a":`), &anyv))

	t := reflect.TypeOf(d)
	for i := range t.NumField() {
		f := t.Field(i)
		fmt.Printf("field %s %s tag=%q exported=%v\n", f.Name, f.Type, f.Tag.Get("json"), f.IsExported())
	}
	v := reflect.ValueOf(d)
	out := v.MethodByName("Sound").Call([]reflect.Value{reflect.ValueOf(2)})
	fmt.Println(out[0].String(), reflect.TypeOf(&d).NumMethod(), t.NumMethod())
	pv := reflect.ValueOf(&d)
	pv.MethodByName("Rename").Call([]reflect.Value{reflect.ValueOf("Max")})
	fmt.Println(d.Name)
	fn := reflect.ValueOf(func(a int, b float64, s string) (string, int) { return fmt.Sprint(a, b, s), a * 2 })
	res := fn.Call([]reflect.Value{reflect.ValueOf(21), reflect.ValueOf(0.5), reflect.ValueOf("x")})
	fmt.Println(res[0], res[1])
	var a animal = d
	fmt.Println(reflect.TypeOf(a).Implements(reflect.TypeOf((*animal)(nil)).Elem()), reflect.ValueOf(a).Kind())
	mk := reflect.MakeFunc(reflect.TypeOf(func(int, int) int { return 0 }), func(args []reflect.Value) []reflect.Value {
		return []reflect.Value{reflect.ValueOf(int(args[0].Int() * args[1].Int()))}
	})
	mul := mk.Interface().(func(int, int) int)
	fmt.Println("MakeFunc:", mul(6, 7))
	sl := reflect.MakeSlice(reflect.TypeOf([]int{}), 3, 10)
	sl.Index(1).SetInt(5)
	fmt.Println(sl.Interface(), sl.Cap())
}

func hashesTest(_ []string) {
	var r lcg = 7
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(r.next())
	}
	fmt.Printf("sha256=%x\n", sha256.Sum256(data))
	fmt.Printf("crc32=%08x castagnoli=%08x\n", crc32.ChecksumIEEE(data), crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	h := fnv.New64a()
	h.Write(data)
	fmt.Printf("fnv64a=%016x\n", h.Sum64())
	fmt.Println(base64.StdEncoding.EncodeToString(data[:30]), hex.EncodeToString(data[:16]))
	fmt.Println(binary.LittleEndian.Uint64(data), binary.BigEndian.Uint32(data[8:]))
	buf := binary.AppendUvarint(nil, 1<<40+5)
	vv, n := binary.Uvarint(buf)
	fmt.Println(buf, vv, n)

	// math/big: assembly on amd64, pure Go on wasm; results are exact.
	f := big.NewInt(1)
	for i := int64(2); i <= 300; i++ {
		f.Mul(f, big.NewInt(i))
	}
	s := f.String()
	fmt.Println(len(s), s[:30], s[len(s)-80:])
	q, m := new(big.Int).DivMod(f, new(big.Int).Exp(big.NewInt(7), big.NewInt(100), nil), new(big.Int))
	fmt.Println(q.BitLen(), m.String()[:20])
	rat := new(big.Rat).SetFrac64(1, 3)
	rat.Add(rat, big.NewRat(1, 6))
	fmt.Println(rat, new(big.Float).SetPrec(200).Quo(big.NewFloat(1), big.NewFloat(3)).Text('g', 50))
	fmt.Println(new(big.Int).Sqrt(f).String()[:25], big.NewInt(1000003).ProbablyPrime(10))
}
