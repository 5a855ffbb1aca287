//! The JavaScript value model Go's `syscall/js` sees, as `wasm_exec.js` defines it: values
//! ([`Value`]), objects with prototypes ([`Object`]), ECMAScript `ToString` for numbers and
//! values, UTF-16 lengths, and the reference table ([`RefTable`]) that NaN-boxes values into
//! Go's `ref` (a `u64`).
//!
//! Invariants (mirroring `wasm_exec.js:147-195, 485-502`):
//! - ids 0–6 are NaN, 0, null, true, false, the global object and the `go` object, with infinite
//!   reference counts;
//! - a value Go holds keeps its id while Go holds it: strings by content, objects by identity
//!   (Go's `Value.Equal` compares refs), so storing the same value twice gives the same id and
//!   bumps its count; `finalizeRef` drops one count and frees the id at zero;
//! - numbers other than 0 and NaN travel inline as their f64 bits; `undefined` is the f64 0.
//!
//! Strings are Rust `str`s (Go hands over UTF-8; invalid bytes become U+FFFD as `TextDecoder`
//! does); their `length` is counted in UTF-16 code units. Lone surrogates cannot be represented.

use super::Thrown;
use super::host::Host;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

/// `wasm_exec.js`'s `nanHead`: the high 32 bits of a boxed reference (plus the type flag).
pub const NAN_HEAD: u32 = 0x7FF8_0000;

/// A native function: `(host, this, args) -> result or throw`.
pub type NativeFn = Rc<dyn Fn(&mut dyn Host, &Value, &[Value]) -> Result<Value, Thrown>>;

/// A JavaScript value.
#[derive(Clone, Default)]
pub enum Value {
    /// `undefined`.
    #[default]
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(Rc<str>),
    /// An object (including arrays, byte arrays, functions and errors).
    Obj(ObjRef),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            v => f.write_str(&v.to_js_string()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Num(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<ObjRef> for Value {
    fn from(o: ObjRef) -> Value {
        Value::Obj(o)
    }
}

/// A shared, mutable object (identity = the allocation).
#[derive(Clone)]
pub struct ObjRef(pub Rc<RefCell<Object>>);

impl ObjRef {
    /// A new object of `kind` with prototype `proto`.
    pub fn new(kind: Kind, proto: Option<ObjRef>) -> ObjRef {
        ObjRef(Rc::new(RefCell::new(Object {
            props: Vec::new(),
            proto,
            kind,
        })))
    }

    /// Whether both refer to the same object.
    pub fn same(&self, other: &ObjRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Sets own property `key` (builder style, for host objects).
    pub fn with(self, key: &str, v: impl Into<Value>) -> ObjRef {
        self.set(key, v.into());
        self
    }

    /// `Reflect.get(this, key)`: own properties and the object's kind, then the prototype
    /// chain; `undefined` when missing.
    pub fn get(&self, key: &str) -> Value {
        let mut cur = self.clone();
        loop {
            let next = {
                let o = cur.0.borrow();
                if let Some(v) = o.own(key) {
                    return v;
                }
                o.proto.clone()
            };
            match next {
                Some(p) => cur = p,
                None => return Value::Undefined,
            }
        }
    }

    /// `Reflect.set(this, key, v)`.
    pub fn set(&self, key: &str, v: Value) {
        let mut o = self.0.borrow_mut();
        if let Some(i) = array_index(key) {
            match &mut o.kind {
                Kind::Array(a) if i < a.len() + DENSE_GAP => {
                    set_elem(a, i, v);
                    return;
                }
                Kind::Bytes(b) => {
                    if let Some(slot) = b.get_mut(i) {
                        *slot = to_uint8(v.to_number());
                    }
                    return;
                }
                _ => {}
            }
        }
        if key == "length"
            && let Kind::Array(a) = &mut o.kind
        {
            let n = v.to_number();
            if n >= 0.0 && n.fract() == 0.0 && n < (a.len() + DENSE_GAP) as f64 {
                a.resize(n as usize, Value::Undefined);
            }
            return;
        }
        match o.props.iter_mut().find(|(k, _)| &**k == key) {
            Some(slot) => slot.1 = v,
            None => o.props.push((key.into(), v)),
        }
    }

    /// `Reflect.deleteProperty(this, key)`.
    pub fn delete(&self, key: &str) {
        let mut o = self.0.borrow_mut();
        if let Some(i) = array_index(key)
            && let Kind::Array(a) = &mut o.kind
        {
            if let Some(slot) = a.get_mut(i) {
                *slot = Value::Undefined;
            }
            return;
        }
        o.props.retain(|(k, _)| &**k != key);
    }

    /// Whether the object is callable (`typeof` is `"function"`).
    pub fn is_function(&self) -> bool {
        matches!(self.0.borrow().kind, Kind::Function(_))
    }

    /// Whether this is a symbol (`typeof` is `"symbol"`).
    pub fn is_symbol(&self) -> bool {
        matches!(self.0.borrow().kind, Kind::Symbol(_))
    }

    /// `this instanceof ctor`'s prototype walk: whether `proto` is on this object's chain.
    pub fn has_in_chain(&self, proto: &ObjRef) -> bool {
        let mut cur = self.0.borrow().proto.clone();
        while let Some(p) = cur {
            if p.same(proto) {
                return true;
            }
            cur = p.0.borrow().proto.clone();
        }
        false
    }
}

/// An object: own properties in insertion order, a prototype, and what kind of object it is.
pub struct Object {
    /// Own properties, in insertion order.
    pub props: Vec<(Rc<str>, Value)>,
    /// `[[Prototype]]`.
    pub proto: Option<ObjRef>,
    /// Exotic behaviour.
    pub kind: Kind,
}

impl Object {
    /// An own property (including an array's or byte array's elements and `length`).
    fn own(&self, key: &str) -> Option<Value> {
        match &self.kind {
            Kind::Array(a) => {
                if key == "length" {
                    return Some(Value::Num(a.len() as f64));
                }
                if let Some(i) = array_index(key)
                    && i < a.len()
                {
                    return Some(a[i].clone());
                }
            }
            Kind::Bytes(b) => {
                if key == "length" || key == "byteLength" {
                    return Some(Value::Num(b.len() as f64));
                }
                if let Some(i) = array_index(key) {
                    return b.get(i).map(|&x| Value::Num(x.into()));
                }
            }
            _ => {}
        }
        self.props
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v.clone())
    }
}

/// What kind of object.
pub enum Kind {
    /// An ordinary object.
    Plain,
    /// An `Array`.
    Array(Vec<Value>),
    /// A `Uint8Array` (its own buffer).
    Bytes(Vec<u8>),
    /// A function.
    Function(Callable),
    /// An `Error` (its `name` and `message` are properties).
    Error,
    /// A `Date`: milliseconds since the epoch.
    Date(f64),
    /// A symbol (`Symbol(description)`): a primitive with identity, so it is kept as an
    /// object here, but `typeof` is `"symbol"` (type flag 3) and it has no properties of its own.
    Symbol(Option<Rc<str>>),
}

/// What calling or constructing a function does.
pub enum Callable {
    /// A native function; `construct` (if any) runs for `new`.
    Native {
        /// `f(...)`.
        call: NativeFn,
        /// `new f(...)`, when the function is a constructor.
        construct: Option<NativeFn>,
    },
    /// A Go function from `go._makeFuncWrapper(id)`: calling it sets `go._pendingEvent` and
    /// resumes Go (`wasm_exec.js:565-573`).
    Go(u32),
}

/// How far past its end an array grows densely; an element further out is kept as an ordinary
/// property (so a guest cannot make the host allocate gigabytes with one `SetIndex`), and a
/// `length` that far out is ignored.
pub const DENSE_GAP: usize = 1 << 20;

fn set_elem(a: &mut Vec<Value>, i: usize, v: Value) {
    if i >= a.len() {
        a.resize(i + 1, Value::Undefined);
    }
    a[i] = v;
}

/// `ToUint8`.
fn to_uint8(n: f64) -> u8 {
    if !n.is_finite() {
        return 0;
    }
    (n.trunc().rem_euclid(256.0)) as u8
}

/// The array index a property key names (a canonical decimal below 2^32 - 1).
pub fn array_index(key: &str) -> Option<usize> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    (n < u32::MAX as u64).then_some(n as usize)
}

/// The `length` of a string: UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// ECMAScript `Number::toString(x)` (radix 10), e.g. `1e21`, `0.000001`, `1e-7`, `-0` → `0`.
pub fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // Rust's `{:e}` prints the shortest digits that round-trip, as ECMAScript requires.
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i64;
    let n = exp.parse::<i64>().expect("exponent") + 1;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let es = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if k == 1 {
            format!("{digits}e{es}")
        } else {
            format!("{}.{}e{es}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

impl Value {
    /// `typeof v === "function"`.
    pub fn is_function(&self) -> bool {
        matches!(self, Value::Obj(o) if o.is_function())
    }

    /// The object, if this is one.
    pub fn as_obj(&self) -> Option<&ObjRef> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// `ToNumber` (strings parsed as decimal; objects are `NaN` except dates).
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Undefined => f64::NAN,
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) => {
                let t = s.trim();
                if t.is_empty() {
                    0.0
                } else {
                    match t {
                        "Infinity" | "+Infinity" => f64::INFINITY,
                        "-Infinity" => f64::NEG_INFINITY,
                        t if t
                            .chars()
                            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
                        {
                            f64::NAN
                        }
                        t => t.parse().unwrap_or(f64::NAN),
                    }
                }
            }
            Value::Obj(o) => match o.0.borrow().kind {
                Kind::Date(ms) => ms,
                _ => f64::NAN,
            },
        }
    }

    /// `String(v)` (ECMAScript `ToString`, with the built-in `toString` of arrays, byte
    /// arrays, errors, functions, dates and plain objects).
    pub fn to_js_string(&self) -> String {
        self.to_string_in(&mut Vec::new())
    }

    /// `ToString` with the arrays being joined on `seen` (a cycle joins as `""`, as
    /// `Array.prototype.join` does).
    fn to_string_in(&self, seen: &mut Vec<*const ()>) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => number_to_string(*n),
            Value::Str(s) => s.to_string(),
            Value::Obj(o) => {
                let b = o.0.borrow();
                match &b.kind {
                    Kind::Array(a) => {
                        let me = Rc::as_ptr(&o.0) as *const ();
                        if seen.contains(&me) || seen.len() > 1000 {
                            return String::new();
                        }
                        let items: Vec<Value> = a.clone();
                        drop(b);
                        seen.push(me);
                        let text = items
                            .iter()
                            .map(|v| match v {
                                Value::Undefined | Value::Null => String::new(),
                                v => v.to_string_in(seen),
                            })
                            .collect::<Vec<_>>()
                            .join(",");
                        seen.pop();
                        text
                    }
                    Kind::Bytes(bytes) => bytes
                        .iter()
                        .map(u8::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                    Kind::Function(_) => "function () { [native code] }".into(),
                    Kind::Date(ms) => format!("Date({})", number_to_string(*ms)),
                    Kind::Symbol(d) => format!("Symbol({})", d.as_deref().unwrap_or("")),
                    Kind::Error => {
                        drop(b);
                        let me = Rc::as_ptr(&o.0) as *const ();
                        if seen.contains(&me) || seen.len() > 1000 {
                            return String::new();
                        }
                        seen.push(me);
                        let name = match o.get("name") {
                            Value::Undefined => "Error".to_string(),
                            v => v.to_string_in(seen),
                        };
                        let msg = match o.get("message") {
                            Value::Undefined => String::new(),
                            v => v.to_string_in(seen),
                        };
                        seen.pop();
                        match (name.is_empty(), msg.is_empty()) {
                            (_, true) => name,
                            (true, false) => msg,
                            (false, false) => format!("{name}: {msg}"),
                        }
                    }
                    Kind::Plain => "[object Object]".into(),
                }
            }
        }
    }

    /// The bytes of a `Uint8Array` (what Go's `js.CopyBytesToJS` filled), else `None`.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Obj(o) => match &o.0.borrow().kind {
                Kind::Bytes(b) => Some(b.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// The elements of an `Array`, else `None`.
    pub fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::Obj(o) => match &o.0.borrow().kind {
                Kind::Array(a) => Some(a.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// `Reflect.get(v, key)`: `Err` (a `TypeError`) for `undefined`, `null` and symbols.
    pub fn get(&self, key: &str) -> Result<Value, String> {
        match self {
            Value::Obj(o) if o.is_symbol() => Err("Reflect.get called on non-object".into()),
            Value::Obj(o) => Ok(o.get(key)),
            Value::Str(s) => Ok(if key == "length" {
                Value::Num(utf16_len(s) as f64)
            } else {
                Value::Undefined
            }),
            Value::Undefined | Value::Null => Err(format!(
                "Cannot read properties of {} (reading '{key}')",
                self.to_js_string()
            )),
            _ => Ok(Value::Undefined),
        }
    }

    /// SameValueZero, as `Map` keys compare.
    pub fn same_value_zero(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Obj(a), Value::Obj(b)) => a.same(b),
            _ => false,
        }
    }
}

/// The key a table entry is found by: strings by content, objects by identity.
#[derive(PartialEq, Eq, Hash)]
enum Key {
    Str(Rc<str>),
    Obj(usize),
}

fn key_of(v: &Value) -> Option<Key> {
    match v {
        Value::Str(s) => Some(Key::Str(s.clone())),
        Value::Obj(o) => Some(Key::Obj(Rc::as_ptr(&o.0) as *const () as usize)),
        _ => None,
    }
}

/// `wasm_exec.js`'s `_values`, `_goRefCounts`, `_ids` and `_idPool`.
pub struct RefTable {
    values: Vec<Value>,
    /// `None` = infinite (the fixed ids).
    counts: Vec<Option<u64>>,
    ids: HashMap<Key, u32>,
    pool: Vec<u32>,
}

/// Ids of the predefined values.
pub mod ids {
    /// `NaN`.
    pub const NAN: u32 = 0;
    /// `0`.
    pub const ZERO: u32 = 1;
    /// `null`.
    pub const NULL: u32 = 2;
    /// `true`.
    pub const TRUE: u32 = 3;
    /// `false`.
    pub const FALSE: u32 = 4;
    /// The global object.
    pub const GLOBAL: u32 = 5;
    /// The `go` object.
    pub const GO: u32 = 6;
}

impl RefTable {
    /// The table with its seven predefined values.
    pub fn new(global: ObjRef, go: ObjRef) -> RefTable {
        let values = vec![
            Value::Num(f64::NAN),
            Value::Num(0.0),
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Obj(global),
            Value::Obj(go),
        ];
        let mut ids = HashMap::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(k) = key_of(v) {
                ids.insert(k, i as u32);
            }
        }
        RefTable {
            counts: vec![None; values.len()],
            values,
            ids,
            pool: Vec::new(),
        }
    }

    /// `loadValue`: the value a ref names (`undefined` for a stale id).
    pub fn load(&self, r: u64) -> Value {
        let f = f64::from_bits(r);
        if f == 0.0 {
            return Value::Undefined;
        }
        if !f.is_nan() {
            return Value::Num(f);
        }
        self.values
            .get((r as u32) as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// `storeValue`: the ref for `v`, counting one more reference from Go when it is in the
    /// table.
    pub fn store(&mut self, v: &Value) -> u64 {
        let id = match v {
            Value::Num(n) if *n != 0.0 => {
                if n.is_nan() {
                    return u64::from(NAN_HEAD) << 32;
                }
                return n.to_bits();
            }
            Value::Undefined => return 0,
            Value::Num(_) => ids::ZERO,
            Value::Null => ids::NULL,
            Value::Bool(true) => ids::TRUE,
            Value::Bool(false) => ids::FALSE,
            Value::Str(_) | Value::Obj(_) => {
                let key = key_of(v).expect("strings and objects have keys");
                match self.ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = match self.pool.pop() {
                            Some(id) => {
                                self.values[id as usize] = v.clone();
                                self.counts[id as usize] = Some(0);
                                id
                            }
                            None => {
                                self.values.push(v.clone());
                                self.counts.push(Some(0));
                                (self.values.len() - 1) as u32
                            }
                        };
                        self.ids.insert(key, id);
                        id
                    }
                }
            }
        };
        if let Some(c) = &mut self.counts[id as usize] {
            *c += 1;
        }
        let flag: u32 = match v {
            Value::Str(_) => 2,
            Value::Obj(o) if o.is_symbol() => 3,
            Value::Obj(o) if o.is_function() => 4,
            Value::Obj(_) => 1,
            _ => 0,
        };
        (u64::from(NAN_HEAD | flag) << 32) | u64::from(id)
    }

    /// `finalizeRef`: Go dropped one reference to `id`.
    pub fn finalize(&mut self, id: u32) {
        let i = id as usize;
        let Some(Some(c)) = self.counts.get_mut(i) else {
            return;
        };
        *c = c.saturating_sub(1);
        if *c == 0 {
            let v = std::mem::replace(&mut self.values[i], Value::Null);
            if let Some(k) = key_of(&v) {
                self.ids.remove(&k);
            }
            self.counts[i] = None;
            self.pool.push(id);
        }
    }

    /// Go's reference count of `id` (`None` for predefined or free ids).
    pub fn count(&self, id: u32) -> Option<u64> {
        self.counts.get(id as usize).copied().flatten()
    }

    /// How many ids are in use (predefined ones included).
    pub fn live(&self) -> usize {
        self.values.len() - self.pool.len()
    }
}
