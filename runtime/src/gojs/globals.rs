//! The global object a Go program finds with `js.Global()`, and the `go` object (`jsGo`).
//!
//! Only what Go's standard library and ordinary `syscall/js` code use (the table in
//! `docs/ARCHITECTURE.md`, "GOOS=js"): the `Object`, `Array`, `Uint8Array`, `Date`, `Error` and
//! `TypeError` constructors; `fs` (see `fs.rs`); `path.resolve`; `process` (`pid`, `ppid`,
//! `cwd`, `chdir`, `getuid`…, `umask`); `console`; `crypto.getRandomValues`;
//! `performance.now`; `setTimeout`/`clearTimeout`; `globalThis`. Anything else reads as
//! `undefined`.

use super::host::Host;
use super::value::{Callable, Kind, NativeFn, ObjRef, Value};
use super::{Protos, Thrown, fs};
use std::rc::Rc;

/// A native function object.
pub(crate) fn native(
    protos_function: &ObjRef,
    f: impl Fn(&mut dyn Host, &Value, &[Value]) -> Result<Value, Thrown> + 'static,
) -> ObjRef {
    ObjRef::new(
        Kind::Function(Callable::Native {
            call: Rc::new(f),
            construct: None,
        }),
        Some(protos_function.clone()),
    )
}

/// A constructor with its `prototype` (whose `constructor` points back).
fn constructor(
    function: &ObjRef,
    prototype: &ObjRef,
    call: NativeFn,
    construct: NativeFn,
) -> ObjRef {
    let c = ObjRef::new(
        Kind::Function(Callable::Native {
            call,
            construct: Some(construct),
        }),
        Some(function.clone()),
    );
    c.set("prototype", Value::Obj(prototype.clone()));
    prototype.set("constructor", Value::Obj(c.clone()));
    c
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

/// A `Uint8Array` from `new Uint8Array(x)`: a length, an array(-like) of numbers, or bytes.
fn bytes_from(h: &mut dyn Host, x: &Value) -> Result<Vec<u8>, Thrown> {
    match x {
        Value::Undefined => Ok(Vec::new()),
        Value::Num(n) => {
            if *n >= 0.0 && n.fract() == 0.0 && *n <= 4_294_967_295.0 {
                Ok(vec![0; *n as usize])
            } else {
                Err(Thrown::Js(range_error(
                    h,
                    &format!(
                        "Invalid typed array length: {}",
                        super::value::number_to_string(*n)
                    ),
                )))
            }
        }
        Value::Obj(o) => {
            let b = o.0.borrow();
            Ok(match &b.kind {
                Kind::Bytes(v) => v.clone(),
                Kind::Array(a) => a
                    .iter()
                    .map(|v| {
                        let n = v.to_number();
                        if n.is_finite() {
                            n.trunc().rem_euclid(256.0) as u8
                        } else {
                            0
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            })
        }
        _ => Ok(Vec::new()),
    }
}

fn range_error(h: &mut dyn Host, msg: &str) -> Value {
    match h.js().error(msg) {
        Thrown::Js(v) => {
            if let Value::Obj(o) = &v {
                o.set("name", "RangeError".into());
            }
            v
        }
        Thrown::Host(_) => Value::Undefined,
    }
}

/// Builds the global object, the `go` object and the built-in prototypes.
pub(crate) fn create() -> (ObjRef, ObjRef, Protos) {
    let object = ObjRef::new(Kind::Plain, None);
    let function = ObjRef::new(Kind::Plain, Some(object.clone()));
    let array = ObjRef::new(Kind::Array(Vec::new()), Some(object.clone()));
    let uint8array = ObjRef::new(Kind::Plain, Some(object.clone()));
    let error = ObjRef::new(Kind::Plain, Some(object.clone()))
        .with("name", "Error")
        .with("message", "");
    let type_error = ObjRef::new(Kind::Plain, Some(error.clone())).with("name", "TypeError");
    let date = ObjRef::new(Kind::Plain, Some(object.clone()));
    let protos = Protos {
        object: object.clone(),
        array: array.clone(),
        uint8array: uint8array.clone(),
        error: error.clone(),
        type_error: type_error.clone(),
        function: function.clone(),
    };
    let f = &function;
    let global = ObjRef::new(Kind::Plain, Some(object.clone()));

    // Object
    let new_object: NativeFn = Rc::new(|h, _, args| match arg(args, 0) {
        v @ Value::Obj(_) => Ok(v),
        _ => Ok(Value::Obj(h.js().new_object())),
    });
    global.set(
        "Object",
        Value::Obj(constructor(f, &object, new_object.clone(), new_object)),
    );

    // Array
    let new_array: NativeFn = Rc::new(|h, _, args| {
        if let [Value::Num(n)] = args {
            // Node allows up to 2^32 - 1 (sparse); this model is dense, so it stops earlier.
            if *n >= 0.0 && n.fract() == 0.0 && *n <= super::value::DENSE_GAP as f64 {
                return Ok(h.js().new_array(vec![Value::Undefined; *n as usize]));
            }
            return Err(Thrown::Js(range_error(h, "Invalid array length")));
        }
        Ok(h.js().new_array(args.to_vec()))
    });
    let array_ctor = constructor(f, &array, new_array.clone(), new_array);
    array_ctor.set(
        "isArray",
        Value::Obj(native(f, |_, _, args| {
            Ok(Value::Bool(matches!(&arg(args, 0), Value::Obj(o) if matches!(o.0.borrow().kind, Kind::Array(_)))))
        })),
    );
    array.set(
        "push",
        Value::Obj(native(f, |h, this, args| {
            let Value::Obj(o) = this else {
                return Err(h
                    .js()
                    .type_error("Array.prototype.push called on non-object"));
            };
            if let Kind::Array(a) = &mut o.0.borrow_mut().kind {
                a.extend(args.iter().cloned());
                return Ok(Value::Num(a.len() as f64));
            }
            Ok(Value::Undefined)
        })),
    );
    array.set(
        "join",
        Value::Obj(native(f, |_, this, args| {
            let sep = match arg(args, 0) {
                Value::Undefined => ",".to_string(),
                v => v.to_js_string(),
            };
            let items = match this {
                Value::Obj(o) => match &o.0.borrow().kind {
                    Kind::Array(a) => a.clone(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            let parts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::Undefined | Value::Null => String::new(),
                    v => v.to_js_string(),
                })
                .collect();
            Ok(Value::from(parts.join(&sep)))
        })),
    );
    global.set("Array", Value::Obj(array_ctor));

    // Uint8Array
    let new_u8: NativeFn = Rc::new(|h, _, args| {
        let bytes = bytes_from(h, &arg(args, 0))?;
        Ok(h.js().new_bytes(bytes))
    });
    let not_without_new: NativeFn =
        Rc::new(|h, _, _| Err(h.js().type_error("Constructor Uint8Array requires 'new'")));
    global.set(
        "Uint8Array",
        Value::Obj(constructor(f, &uint8array, not_without_new, new_u8)),
    );

    // Error, TypeError
    for (name, proto) in [("Error", &error), ("TypeError", &type_error)] {
        let p = proto.clone();
        let make: NativeFn = Rc::new(move |_, _, args| {
            let e = ObjRef::new(Kind::Error, Some(p.clone()));
            if let Some(m) = args.first().filter(|m| !matches!(m, Value::Undefined)) {
                e.set("message", Value::from(m.to_js_string()));
            }
            Ok(Value::Obj(e))
        });
        global.set(name, Value::Obj(constructor(f, proto, make.clone(), make)));
    }

    // Symbol: a function, not a constructor. A symbol has no prototype here: `Reflect.get`
    // on it throws (as on any primitive that is not an object), and `instanceof` is false.
    let new_symbol: NativeFn = Rc::new(|_, _, args| {
        let description = match arg(args, 0) {
            Value::Undefined => None,
            v => Some(v.to_js_string().into()),
        };
        Ok(Value::Obj(ObjRef::new(Kind::Symbol(description), None)))
    });
    let symbol_proto = ObjRef::new(Kind::Plain, Some(object.clone()));
    let not_a_constructor: NativeFn =
        Rc::new(|h, _, _| Err(h.js().type_error("Symbol is not a constructor")));
    global.set(
        "Symbol",
        Value::Obj(constructor(f, &symbol_proto, new_symbol, not_a_constructor)),
    );

    // Date: `getTimezoneOffset()` is the context's time zone's (`GoJsCtxBuilder::time_zone`,
    // else the guest's `TZ`, else the host's zone), as node reads `TZ` and the system's.
    let date_proto = date.clone();
    let new_date: NativeFn = Rc::new(move |h, _, args| {
        let ms = match args.first() {
            Some(v) => v.to_number(),
            None => h.js().epoch_ms().floor(),
        };
        Ok(Value::Obj(ObjRef::new(
            Kind::Date(ms),
            Some(date_proto.clone()),
        )))
    });
    let date_string: NativeFn =
        Rc::new(|h, _, _| Ok(Value::from(format!("Date({})", h.js().epoch_ms().floor()))));
    let date_ctor = constructor(f, &date, date_string, new_date);
    date_ctor.set(
        "now",
        Value::Obj(native(f, |h, _, _| {
            Ok(Value::Num(h.js().epoch_ms().floor()))
        })),
    );
    date.set(
        "getTimezoneOffset",
        Value::Obj(native(f, |h, this, _| {
            let ms = this.to_number();
            Ok(Value::Num(if ms.is_finite() {
                h.js().timezone_offset_minutes(ms)
            } else {
                f64::NAN
            }))
        })),
    );
    for name in ["getTime", "valueOf"] {
        date.set(
            name,
            Value::Obj(native(f, |_, this, _| Ok(Value::Num(this.to_number())))),
        );
    }
    global.set("Date", Value::Obj(date_ctor));

    // console
    let console = ObjRef::new(Kind::Plain, Some(object.clone()));
    for (name, fd) in [
        ("log", 1),
        ("info", 1),
        ("debug", 1),
        ("error", 2),
        ("warn", 2),
    ] {
        console.set(
            name,
            Value::Obj(native(f, move |h, _, args| {
                let line: Vec<String> = args.iter().map(Value::to_js_string).collect();
                let line = format!("{}\n", line.join(" "));
                h.js()
                    .write_stdio(fd, line.as_bytes())
                    .map_err(|e| Thrown::Host(crate::HostError::Failed(e.to_string())))?;
                Ok(Value::Undefined)
            })),
        );
    }
    global.set("console", Value::Obj(console));

    // crypto, performance
    let crypto = ObjRef::new(Kind::Plain, Some(object.clone())).with(
        "getRandomValues",
        native(f, |h, _, args| {
            let a = arg(args, 0);
            if let Value::Obj(o) = &a
                && let Kind::Bytes(b) = &mut o.0.borrow_mut().kind
            {
                getrandom::fill(b).map_err(|e| {
                    Thrown::Host(crate::HostError::Failed(format!("getRandomValues: {e}")))
                })?;
                return Ok(a.clone());
            }
            Err(h.js().type_error("getRandomValues: expected a Uint8Array"))
        }),
    );
    global.set("crypto", Value::Obj(crypto));
    let performance = ObjRef::new(Kind::Plain, Some(object.clone()))
        .with("now", native(f, |h, _, _| Ok(Value::Num(h.js().now_ms()))));
    global.set("performance", Value::Obj(performance));

    // eval: this JS world is native code with no JavaScript interpreter behind it. Go code that
    // evaluates source (syscall/js's own tests do, in their package initialisation) gets an
    // error that says so instead of "undefined is not a function".
    global.set(
        "eval",
        Value::Obj(native(f, |h, _, _| {
            Err(h
                .js()
                .error("eval is not supported: gojit's JS world has no JavaScript interpreter"))
        })),
    );

    // setTimeout, clearTimeout
    global.set(
        "setTimeout",
        Value::Obj(native(f, |h, _, args| {
            let cb = arg(args, 0);
            if !cb.is_function() {
                return Err(h
                    .js()
                    .type_error("The \"callback\" argument must be of type function"));
            }
            let ms = arg(args, 1).to_number();
            let rest = args.get(2..).map(<[Value]>::to_vec).unwrap_or_default();
            let id = h.js().add_timer(ms, Some((cb, rest)));
            Ok(Value::Num(id.into()))
        })),
    );
    global.set(
        "clearTimeout",
        Value::Obj(native(f, |h, _, args| {
            let id = arg(args, 0).to_number();
            if id.is_finite() && id >= 0.0 {
                h.js().clear_timer(id as u32, false);
            }
            Ok(Value::Undefined)
        })),
    );

    // path, process, fs
    global.set(
        "path",
        Value::Obj(ObjRef::new(Kind::Plain, Some(object.clone())).with(
            "resolve",
            native(f, |h, _, args| {
                let mut p = h.js().fs.cwd.clone();
                for a in args {
                    p = fs::normalize(&p, &a.to_js_string());
                }
                Ok(Value::from(p))
            }),
        )),
    );
    global.set("process", Value::Obj(process(f, &object)));
    global.set("fs", Value::Obj(fs::create(f, &object)));
    global.set("globalThis", Value::Obj(global.clone()));

    // go
    let fp = function.clone();
    let go = ObjRef::new(Kind::Plain, Some(object.clone()))
        .with("_pendingEvent", Value::Null)
        .with(
            "_makeFuncWrapper",
            native(f, move |_, _, args| {
                let id = arg(args, 0).to_number();
                Ok(Value::Obj(ObjRef::new(
                    Kind::Function(Callable::Go(id as u32)),
                    Some(fp.clone()),
                )))
            }),
        );
    (global, go, protos)
}

/// The uid and gid of this process (those of `/proc/self`, which the kernel gives the
/// process's effective ids); `u32::MAX` if unknown.
fn ids() -> (f64, f64) {
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata("/proc/self") {
        Ok(m) => (m.uid().into(), m.gid().into()),
        Err(_) => (-1.0, -1.0),
    }
}

fn process(f: &ObjRef, object: &ObjRef) -> ObjRef {
    let (uid, gid) = ids();
    let p = ObjRef::new(Kind::Plain, Some(object.clone()))
        .with("pid", f64::from(std::process::id()))
        .with("ppid", f64::from(std::os::unix::process::parent_id()))
        .with("platform", "linux")
        .with(
            "cwd",
            native(f, |h, _, _| Ok(Value::from(h.js().fs.cwd.clone()))),
        )
        .with(
            "chdir",
            native(f, |h, _, args| {
                let target = arg(args, 0).to_js_string();
                match h.js().fs.chdir(&target) {
                    Ok(()) => Ok(Value::Undefined),
                    Err(code) => {
                        let e = h
                            .js()
                            .node_error(code, &format!("process.chdir() failed, chdir '{target}'"));
                        Err(Thrown::Js(e))
                    }
                }
            }),
        )
        .with(
            "umask",
            native(f, |h, _, args| {
                let fs = &mut h.js().fs;
                let old = fs.umask;
                if let Some(m) = args.first().filter(|m| !matches!(m, Value::Undefined)) {
                    fs.umask = (m.to_number() as u32) & 0o777;
                }
                Ok(Value::Num(old.into()))
            }),
        )
        .with(
            "getgroups",
            native(f, move |h, _, _| {
                Ok(h.js().new_array(vec![Value::Num(gid)]))
            }),
        );
    for (name, v) in [
        ("getuid", uid),
        ("geteuid", uid),
        ("getgid", gid),
        ("getegid", gid),
    ] {
        p.set(
            name,
            Value::Obj(native(f, move |_, _, _| Ok(Value::Num(v)))),
        );
    }
    p
}

/// Runs `f(args...)` for a callback-style API: queued for the event loop (node runs fs
/// callbacks later, never synchronously).
pub(crate) fn callback(h: &mut dyn Host, cb: &Value, args: Vec<Value>) -> Result<Value, Thrown> {
    if !cb.is_function() {
        return Err(h
            .js()
            .type_error("The \"cb\" argument must be of type function"));
    }
    h.js().queue(cb.clone(), args);
    Ok(Value::Undefined)
}
