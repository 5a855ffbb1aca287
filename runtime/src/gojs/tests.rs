//! Unit tests of the value model: reference counts, UTF-16 lengths, number formatting,
//! prototypes.

use super::GoJsCtxBuilder;
use super::value::{Kind, ObjRef, Value, ids, number_to_string, utf16_len};

#[test]
fn numbers_format_as_ecmascript() {
    for (x, s) in [
        (0.0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (123456789.0, "123456789"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123e18, "123000000000000000000"),
        (1.5e300, "1.5e+300"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (1.25e-7, "1.25e-7"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (4294967296.0, "4294967296"),
        (9007199254740993.0, "9007199254740992"),
    ] {
        assert_eq!(number_to_string(x), s, "{x:e}");
    }
}

#[test]
fn string_lengths_are_utf16() {
    assert_eq!(utf16_len(""), 0);
    assert_eq!(utf16_len("abc"), 3);
    assert_eq!(utf16_len("héllo"), 5);
    assert_eq!(utf16_len("日本"), 2);
    assert_eq!(utf16_len("😀"), 2);
    assert_eq!(Value::from("a😀").get("length").unwrap().to_number(), 3.0);
}

#[test]
fn ref_table_counts_and_reuses_ids() {
    let mut js = GoJsCtxBuilder::new().build();
    let refs = &mut js.refs;
    // Predefined values.
    assert_eq!(refs.store(&Value::Undefined), 0);
    assert_eq!(refs.store(&Value::Num(0.0)) as u32, ids::ZERO);
    assert_eq!(refs.store(&Value::Null) as u32, ids::NULL);
    assert_eq!(refs.store(&Value::Bool(true)) as u32, ids::TRUE);
    assert_eq!(refs.store(&Value::Num(1.5)), 1.5f64.to_bits());
    assert_eq!(refs.store(&Value::Num(f64::NAN)), 0x7FF8_0000_0000_0000);
    assert!(refs.load(0x7FF8_0000_0000_0000).to_number().is_nan());
    let before = refs.live();
    // A string: same content, same id; type flag 2.
    let a = refs.store(&Value::from("hi"));
    let b = refs.store(&Value::from(String::from("hi")));
    assert_eq!(a, b);
    assert_eq!(a >> 32, 0x7FF8_0002);
    let id = a as u32;
    assert_eq!(refs.count(id), Some(2));
    refs.finalize(id);
    assert_eq!(refs.count(id), Some(1));
    refs.finalize(id);
    assert_eq!(refs.live(), before);
    // The freed id is reused; an object has flag 1, a function flag 4.
    let o = ObjRef::new(Kind::Plain, None);
    let r = refs.store(&Value::Obj(o.clone()));
    assert_eq!(r as u32, id);
    assert_eq!(r >> 32, 0x7FF8_0001);
    assert!(matches!(refs.load(r), Value::Obj(x) if x.same(&o)));
    // Objects by identity: another plain object gets another id.
    let r2 = refs.store(&Value::Obj(ObjRef::new(Kind::Plain, None)));
    assert_ne!(r2 as u32, id);
    let mk = js.go.get("_makeFuncWrapper");
    let fref = js.refs.store(&mk);
    assert_eq!(fref >> 32, 0x7FF8_0004);
    // Predefined ids never go away.
    js.refs.finalize(ids::GLOBAL);
    assert!(matches!(js.refs.load(0x7FF8_0001_0000_0005), Value::Obj(_)));
}

#[test]
fn properties_prototypes_and_to_string() {
    let js = GoJsCtxBuilder::new().build();
    let g = js.global();
    assert!(matches!(g.get("nope"), Value::Undefined));
    let arr = js.new_array(vec![Value::Num(1.0), Value::Null, Value::from("x")]);
    assert_eq!(arr.to_js_string(), "1,,x");
    let a = arr.as_obj().unwrap();
    a.set("5", Value::Bool(true));
    assert_eq!(a.get("length").to_number(), 6.0);
    // instanceof: Array.prototype is on the chain, Uint8Array's is not.
    let array_proto = g.get("Array").get("prototype").unwrap();
    assert!(a.has_in_chain(array_proto.as_obj().unwrap()));
    let u8_proto = g.get("Uint8Array").get("prototype").unwrap();
    assert!(!a.has_in_chain(u8_proto.as_obj().unwrap()));
    let object_proto = g.get("Object").get("prototype").unwrap();
    assert!(a.has_in_chain(object_proto.as_obj().unwrap()));
    // Errors print as `name: message`.
    let super::Thrown::Js(e) = js.type_error("boom") else {
        panic!()
    };
    assert_eq!(e.to_js_string(), "TypeError: boom");
    assert_eq!(
        js.new_object().into_value().to_js_string(),
        "[object Object]"
    );
    assert_eq!(js.new_bytes(vec![1, 2]).to_js_string(), "1,2");
    assert_eq!(Value::from("42").to_number(), 42.0);
    // A cycle joins as "" (no unbounded recursion); a far index stays sparse.
    let cyc = js.new_array(vec![Value::Num(1.0)]);
    cyc.as_obj().unwrap().set("1", cyc.clone());
    assert_eq!(cyc.to_js_string(), "1,");
    cyc.as_obj().unwrap().set("4000000000", Value::Bool(true));
    assert_eq!(cyc.get("length").unwrap().to_number(), 2.0);
    assert!(matches!(cyc.get("4000000000").unwrap(), Value::Bool(true)));
    let super::Thrown::Js(err) = js.error("x") else {
        panic!()
    };
    err.as_obj().unwrap().set("message", err.clone());
    assert_eq!(err.to_js_string(), "Error");
}

impl ObjRef {
    fn into_value(self) -> Value {
        Value::Obj(self)
    }
}

/// A host outside any guest call: resuming Go is not possible.
struct NoGuest(super::GoJsCtx);

impl super::host::Host for NoGuest {
    fn js(&mut self) -> &mut super::GoJsCtx {
        &mut self.0
    }
    fn resume(&mut self) -> Result<(), crate::HostError> {
        Err(crate::HostError::Failed("no guest".into()))
    }
}

#[test]
fn embedder_functions_and_throws() {
    let js = GoJsCtxBuilder::new().build();
    let add = js.new_function(|_, _, args| {
        let sum: f64 = args.iter().map(Value::to_number).sum();
        Ok(Value::Num(sum))
    });
    js.global().set("add", Value::Obj(add.clone()));
    let mut h = NoGuest(js);
    let f = h.0.global().get("add");
    let r = super::host::call(
        &mut h,
        &f,
        &Value::Undefined,
        &[Value::Num(2.0), Value::Num(40.0)],
    );
    assert_eq!(r.unwrap().to_number(), 42.0);
    // Calling a non-function throws a TypeError; `new` on a plain function too.
    let r = super::host::call(&mut h, &Value::Num(1.0), &Value::Undefined, &[]);
    assert!(matches!(r, Err(super::Thrown::Js(e)) if e.to_js_string().starts_with("TypeError")));
    let r = super::host::construct(&mut h, &f, &[]);
    assert!(matches!(r, Err(super::Thrown::Js(_))));
    // Constructors: `new Array(3)`, `new Uint8Array([1, 300])`.
    let arr = h.0.global().get("Array");
    let a = super::host::construct(&mut h, &arr, &[Value::Num(3.0)]).unwrap();
    assert_eq!(a.get("length").unwrap().to_number(), 3.0);
    let u8 = h.0.global().get("Uint8Array");
    let src = h.0.new_array(vec![Value::Num(1.0), Value::Num(300.0)]);
    let b = super::host::construct(&mut h, &u8, &[src]).unwrap();
    assert_eq!(b.to_js_string(), "1,44");
    // A Go function cannot run without a guest: the host error comes back.
    let mk = h.0.go.get("_makeFuncWrapper");
    let go_fn = super::host::call(&mut h, &mk, &Value::Undefined, &[Value::Num(1.0)]).unwrap();
    assert!(matches!(
        super::host::call(&mut h, &go_fn, &Value::Undefined, &[]),
        Err(super::Thrown::Host(_))
    ));
}
