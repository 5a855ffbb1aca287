//! [`Store`]: the host state and the instances that share it; [`Instance`], [`Func`] and
//! [`TypedFunc`]: handles into a store, used with `&mut Store` like wasmtime's.

use crate::engine::{Engine, Module};
use crate::func::{WasmParams, WasmResults, check_signature};
use crate::host::{GuestMemory, Linker};
use crate::vm::instance::{CallMode, InstanceInner};
use crate::{Error, Val};
use gojit_frontend::module::ExportKind;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(1);

/// Host state `T` and the instances that use it. A store belongs to one thread at a time; use
/// one store per thread (a [`Module`] can be shared by all of them).
pub struct Store<T> {
    engine: Engine,
    id: u64,
    /// Boxed so its address (handed to host functions during calls) is stable.
    data: Box<T>,
    /// Boxed: vmctx and host calls hold each instance's address, which must not move when the
    /// vector grows.
    #[expect(clippy::vec_box, reason = "instance addresses must stay stable")]
    instances: Vec<Box<InstanceInner>>,
    call_mode: CallMode,
    max_memory_pages: u64,
}

impl<T: 'static> Store<T> {
    /// A store with host state `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        Store {
            engine: engine.clone(),
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            data: Box::new(data),
            instances: Vec::new(),
            call_mode: CallMode::default(),
            max_memory_pages: engine.config.max_memory_pages,
        }
    }

    /// The host state.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Sets how export calls made through this store treat other goroutines (default:
    /// [`CallMode::Go`]).
    pub fn set_call_mode(&mut self, mode: CallMode) {
        self.call_mode = mode;
    }

    /// The current call mode.
    pub fn call_mode(&self) -> CallMode {
        self.call_mode
    }

    /// Limits the linear memory of instances created from now on to `pages` 64 KiB pages:
    /// `memory.grow` beyond it fails, which Go reports as out of memory.
    pub fn limit_memory_pages(&mut self, pages: u64) {
        self.max_memory_pages = pages.min(gojit_frontend::vmctx::MAX_MEMORY_PAGES);
    }

    fn data_ptr(&mut self) -> *mut () {
        (&mut *self.data as *mut T).cast()
    }

    fn inner(&mut self, instance: &Instance) -> Result<&mut InstanceInner, Error> {
        if instance.store != self.id {
            return Err(Error::Call(
                "instance used with a store it does not belong to".into(),
            ));
        }
        Ok(&mut self.instances[instance.index])
    }
}

/// An instance of a module, living in a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    store: u64,
    index: usize,
}

impl Instance {
    /// Instantiates `module` in `store`, binding its imports to `linker`. Runs the module's start
    /// function, and `_initialize` for a reactor (`-buildmode=c-shared`), so exports can be
    /// called right away. A command's `_start` is called explicitly
    /// (`instance.call(&mut store, "_start", &[])`; it ends in `Err(Error::Exit(n))`).
    ///
    /// # Errors
    /// [`Error::Link`] for an import the linker lacks (`unknown import m::n`) or provides with
    /// another type, or a segment that does not fit; [`Error::Resource`] when memory cannot be
    /// reserved; the error of a trapping start function or `_initialize`.
    pub fn new<T: 'static>(
        store: &mut Store<T>,
        module: &Module,
        linker: &Linker<T>,
    ) -> Result<Instance, Error> {
        let data = store.data_ptr();
        let inner = InstanceInner::new(module, linker, store.max_memory_pages, data)?;
        store.instances.push(inner);
        Ok(Instance {
            store: store.id,
            index: store.instances.len() - 1,
        })
    }

    /// Calls export `name` with untyped values, in the store's call mode.
    ///
    /// # Errors
    /// [`Error::Call`] for a missing export, wrong argument types or an unusable instance;
    /// [`Error::Trap`], [`Error::Exit`] or [`Error::Host`] when the guest stops.
    pub fn call<T: 'static>(
        &self,
        store: &mut Store<T>,
        name: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        self.get_func(store, name)?.call(store, args)
    }

    /// The export `name` as an untyped function.
    ///
    /// # Errors
    /// [`Error::Call`] if there is no such exported function; [`Error::Compile`] if the entry
    /// trampoline for its signature cannot be compiled.
    pub fn get_func<T: 'static>(&self, store: &mut Store<T>, name: &str) -> Result<Func, Error> {
        let inner = store.inner(self)?;
        let index = inner.export_index(name)?;
        let entry = inner.entry_position(index)?;
        Ok(Func {
            instance: *self,
            index,
            entry,
        })
    }

    /// The export `name` as a typed function, e.g. `get_typed_func::<(i32, i32), i32>`.
    ///
    /// # Errors
    /// [`Error::Call`] if there is no such export or its type differs; [`Error::Compile`] if the
    /// entry trampoline for its signature cannot be compiled.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        store: &mut Store<impl Sized + 'static>,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let inner = store.inner(self)?;
        let index = inner.export_index(name)?;
        let info = inner.module.info.clone();
        check_signature(name, &P::types(), &R::types(), info.func_type(index))?;
        let entry = inner.entry_position(index)?;
        let slots = P::types().len().max(R::types().len()).max(1);
        Ok(TypedFunc {
            func: Func {
                instance: *self,
                index,
                entry,
            },
            slots,
            _marker: PhantomData,
        })
    }

    /// The instance's linear memory (empty if it has none).
    ///
    /// # Panics
    /// If the instance belongs to another store.
    pub fn memory<'s, T: 'static>(&self, store: &'s Store<T>) -> &'s [u8] {
        assert_eq!(
            self.store, store.id,
            "instance used with a store it does not belong to"
        );
        store.instances[self.index]
            .memory
            .as_ref()
            .map_or(&[], |m| m.bytes())
    }

    /// The instance's linear memory, writable (e.g. to place arguments for an export).
    ///
    /// # Panics
    /// If the instance belongs to another store.
    pub fn memory_mut<'s, T: 'static>(&self, store: &'s mut Store<T>) -> &'s mut [u8] {
        assert_eq!(
            self.store, store.id,
            "instance used with a store it does not belong to"
        );
        match store.instances[self.index].memory.as_mut() {
            Some(m) => m.bytes_mut(),
            None => &mut [],
        }
    }

    /// The instance's linear memory as a bounds-checked [`GuestMemory`] (the same view a host
    /// function gets from [`crate::Caller::memory`]): read a Go `string` an export returned as
    /// (pointer, length), or read and write the fields of a struct it points to.
    ///
    /// ```no_run
    /// # fn demo(store: &mut gojit_runtime::Store<()>, instance: gojit_runtime::Instance) -> Result<(), Box<dyn std::error::Error>> {
    /// // Go: //go:wasmexport name_ptr / name_len expose a string the plugin keeps.
    /// let ptr = instance.get_typed_func::<(), u32>(store, "name_ptr")?.call(store, ())?;
    /// let len = instance.get_typed_func::<(), u32>(store, "name_len")?.call(store, ())?;
    /// let name = instance.memory_view(store).read_string(ptr, len)?;
    /// # let _ = name;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Panics
    /// If the instance belongs to another store.
    pub fn memory_view<'s, T: 'static>(&self, store: &'s mut Store<T>) -> GuestMemory<'s> {
        GuestMemory::new(self.memory_mut(store))
    }

    /// The names of the exported functions.
    pub fn exported_functions<T: 'static>(&self, store: &Store<T>) -> Vec<String> {
        let info = &store.instances[self.index].module.info;
        info.exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func)
            .map(|e| e.name.clone())
            .collect()
    }

    /// The module this is an instance of.
    pub fn module<'s, T: 'static>(&self, store: &'s Store<T>) -> &'s Module {
        &store.instances[self.index].module
    }
}

/// An exported function, called with untyped [`Val`]s.
#[derive(Clone, Copy, Debug)]
pub struct Func {
    instance: Instance,
    index: u32,
    /// Its position in the instance's entry-point table.
    entry: u32,
}

impl Func {
    /// Calls the function in the store's call mode.
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call<T: 'static>(&self, store: &mut Store<T>, args: &[Val]) -> Result<Vec<Val>, Error> {
        let mode = store.call_mode;
        let data = store.data_ptr();
        store
            .inner(&self.instance)?
            .call_index_with(self.index, args, data, mode)
    }

    /// The function's wasm type.
    pub fn ty<T: 'static>(&self, store: &Store<T>) -> gojit_frontend::module::FuncType {
        store.instances[self.instance.index]
            .module
            .info
            .func_type(self.index)
            .clone()
    }
}

/// An exported function with a statically known signature: `P` is a [`WasmParams`] tuple (or a
/// single value), `R` a [`WasmResults`] one.
pub struct TypedFunc<P, R> {
    func: Func,
    slots: usize,
    _marker: PhantomData<fn(P) -> R>,
}

impl<P, R> Clone for TypedFunc<P, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<P, R> Copy for TypedFunc<P, R> {}

impl<P: WasmParams, R: WasmResults> TypedFunc<P, R> {
    /// Calls the function in the store's call mode.
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call<T: 'static>(&self, store: &mut Store<T>, params: P) -> Result<R, Error> {
        let mut slots = [0u64; 16];
        let slots = if self.slots <= 16 {
            &mut slots[..self.slots]
        } else {
            return Err(Error::Call("too many parameters".into()));
        };
        params.store(slots);
        let mode = store.call_mode;
        let data = store.data_ptr();
        store
            .inner(&self.func.instance)?
            .call_entry(self.func.entry, slots, data, mode)?;
        Ok(R::load(slots))
    }

    /// Calls the function with an explicit call mode (overriding the store's).
    ///
    /// # Errors
    /// As [`Instance::call`].
    pub fn call_with_mode<T: 'static>(
        &self,
        store: &mut Store<T>,
        params: P,
        mode: CallMode,
    ) -> Result<R, Error> {
        let saved = store.call_mode;
        store.call_mode = mode;
        let r = self.call(store, params);
        store.call_mode = saved;
        r
    }

    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }
}
