//! What native JavaScript functions see of the host ([`Host`]), and calling and constructing
//! function values ([`call`], [`construct`]) — including Go functions, which resume Go
//! synchronously as `wasm_exec.js`'s `_makeFuncWrapper` does.

use super::value::{Callable, Kind, ObjRef, Value};
use super::{GoJsCtx, Thrown};
use crate::HostError;

/// The host as a native function sees it: the JavaScript state, and a way to run Go's pending
/// event (`go._pendingEvent`) by calling the `resume` export.
pub trait Host {
    /// The store's JavaScript state.
    fn js(&mut self) -> &mut GoJsCtx;
    /// Calls the instance's `resume` export (re-entrantly when inside an import).
    ///
    /// # Errors
    /// The guest's exit, trap or a host failure inside it.
    fn resume(&mut self) -> Result<(), HostError>;
}

/// `Reflect.apply(f, this, args)`.
///
/// # Errors
/// A `TypeError` when `f` is not callable; whatever `f` throws; a host error (the guest
/// stopped) from inside a Go function.
pub fn call(host: &mut dyn Host, f: &Value, this: &Value, args: &[Value]) -> Result<Value, Thrown> {
    let what = callable_of(f);
    match what {
        Some(Target::Native(native)) => native(host, this, args),
        Some(Target::Go(id)) => call_go(host, id, this, args),
        None => Err(host
            .js()
            .type_error(&format!("{} is not a function", describe(f)))),
    }
}

/// `Reflect.construct(f, args)`.
///
/// # Errors
/// A `TypeError` when `f` is not a constructor; whatever it throws.
pub fn construct(host: &mut dyn Host, f: &Value, args: &[Value]) -> Result<Value, Thrown> {
    let ctor = match f {
        Value::Obj(o) => match &o.0.borrow().kind {
            Kind::Function(Callable::Native {
                construct: Some(c), ..
            }) => Some(c.clone()),
            _ => None,
        },
        _ => None,
    };
    match ctor {
        Some(c) => c(host, f, args),
        None => Err(host
            .js()
            .type_error(&format!("{} is not a constructor", describe(f)))),
    }
}

enum Target {
    Native(super::value::NativeFn),
    Go(u32),
}

fn callable_of(f: &Value) -> Option<Target> {
    let Value::Obj(o) = f else { return None };
    match &o.0.borrow().kind {
        Kind::Function(Callable::Native { call, .. }) => Some(Target::Native(call.clone())),
        Kind::Function(Callable::Go(id)) => Some(Target::Go(*id)),
        _ => None,
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("\"{s}\""),
        Value::Obj(o) if matches!(o.0.borrow().kind, Kind::Plain) => "#<Object>".into(),
        v => v.to_js_string(),
    }
}

/// `_makeFuncWrapper(id)`'s function body: `go._pendingEvent = {id, this, args}`, resume Go,
/// return `event.result`.
fn call_go(host: &mut dyn Host, id: u32, this: &Value, args: &[Value]) -> Result<Value, Thrown> {
    let js = host.js();
    if js.exited.is_some() {
        return Err(Thrown::Host(HostError::Failed(
            "Go program has already exited".into(),
        )));
    }
    let array = js.new_array(args.to_vec());
    let event = ObjRef::new(Kind::Plain, Some(js.protos.object.clone()))
        .with("id", f64::from(id))
        .with("this", this.clone())
        .with("args", array);
    js.go.set("_pendingEvent", Value::Obj(event.clone()));
    host.resume()?;
    Ok(event.get("result"))
}
