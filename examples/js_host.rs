//! A Rust host for the GOOS=js plugin in `examples/jsplugin/`, on gojit's own JavaScript world
//! (no JavaScript engine: `syscall/js` talks to native Rust values and functions):
//!
//! ```text
//! examples/jsplugin/build.sh                 # optional: jsplugin.wasm is checked in
//! cargo run --release --example js_host      # or: ... -- path/to/jsplugin.wasm
//! ```
//!
//! The host puts an object `host` with two native functions into the global object, starts the
//! program (its `main` registers Go functions with `js.FuncOf` and parks in `select {}`), and
//! calls those Go functions with strings, numbers, arrays, byte arrays, null and undefined,
//! reading back what they return. Each call returns when every goroutine is parked; a timer a
//! call set runs during a later call once it is due.

use gojit::gojs::{self, GoJsCtx, GoJsCtxBuilder, Status, value::Value};
use gojit::{Config, Engine, Instance, Linker, Module, Store};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error>;

/// Calls the Go function the program stored in the global object as `name`.
fn call(
    store: &mut Store<GoJsCtx>,
    instance: Instance,
    name: &str,
    args: &[Value],
) -> Result<Value, BoxError> {
    let f = store.data_mut().global().get(name);
    match gojs::call_function(store, instance, |ctx: &mut GoJsCtx| ctx, &f, args)? {
        Ok(v) => Ok(v),
        Err(thrown) => Err(format!("{name} threw {}", thrown.to_js_string()).into()),
    }
}

fn main() -> Result<(), BoxError> {
    let path = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/jsplugin/jsplugin.wasm"),
        PathBuf::from,
    );
    let engine = Engine::new(Config::default())?;
    let module = Module::new(&engine, std::fs::read(&path)?)?;

    // The JS world: `host.log(msg)` collects messages, `host.lookup(key)` answers or throws.
    let ctx = GoJsCtxBuilder::new().arg("jsplugin").build();
    let logs = Rc::new(RefCell::new(Vec::<String>::new()));
    let host = ctx.new_object();
    let sink = logs.clone();
    host.set(
        "log",
        Value::Obj(ctx.new_function(move |_, _, args| {
            let msg = args.first().map(Value::to_js_string).unwrap_or_default();
            sink.borrow_mut().push(msg);
            Ok(Value::Undefined)
        })),
    );
    host.set(
        "lookup",
        Value::Obj(ctx.new_function(|h, _, args| {
            match args.first().map(Value::to_js_string).as_deref() {
                Some("answer") => Ok(Value::from("42")),
                Some(key) => Err(h.js().error(&format!("no such key: {key}"))),
                None => Err(h.js().error("lookup needs a key")),
            }
        })),
    );
    ctx.global().set("host", Value::Obj(host));

    let mut linker = Linker::new();
    gojs::add_to_linker(&mut linker, |ctx: &mut GoJsCtx| ctx);
    let mut store = Store::new(&engine, ctx);
    let instance = Instance::new(&mut store, &module, &linker)?;
    let status = gojs::start(&mut store, instance, |ctx: &mut GoJsCtx| ctx)?;
    assert_eq!(
        status,
        Status::Idle,
        "the plugin's main should park in select {{}}"
    );
    println!("started: {:?}", logs.borrow());

    let up = call(
        &mut store,
        instance,
        "upper",
        &[Value::from("héllo, wörld")],
    )?;
    println!("upper: {}", up.to_js_string());

    let numbers = store
        .data_mut()
        .new_array(vec![1.5.into(), 2.0.into(), 38.5.into()]);
    println!(
        "sum: {}",
        call(&mut store, instance, "sum", &[numbers])?.to_js_string()
    );

    let bytes = store.data_mut().new_bytes(b"gojit".to_vec());
    let reversed = call(&mut store, instance, "reverseBytes", &[bytes])?
        .bytes()
        .unwrap_or_default();
    println!("reverseBytes: {:?}", String::from_utf8_lossy(&reversed));

    for v in [
        Value::Null,
        Value::Undefined,
        Value::from(true),
        Value::from(0.0),
        Value::from("s"),
    ] {
        let d = call(&mut store, instance, "describe", std::slice::from_ref(&v))?;
        let pair = d
            .get("pair")
            .ok()
            .and_then(|p| p.items())
            .unwrap_or_default();
        println!(
            "describe({v:?}): type {}, truthy {}, pair [{}]",
            d.get("type")?.to_js_string(),
            d.get("truthy")?.to_js_string(),
            pair.iter()
                .map(|x| format!("{x:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    println!(
        "lookup(answer): {}",
        call(&mut store, instance, "lookup", &["answer".into()])?.to_js_string()
    );
    println!(
        "lookup(question): {}",
        call(&mut store, instance, "lookup", &["question".into()])?.to_js_string()
    );

    // A goroutine that sleeps past the call's return: parked, so the call returns; its timer
    // fires during a later call once it is due.
    call(&mut store, instance, "later", &["done".into()])?;
    std::thread::sleep(Duration::from_millis(10));
    call(&mut store, instance, "upper", &["tick".into()])?;
    println!("logs: {:?}", logs.borrow());
    Ok(())
}
