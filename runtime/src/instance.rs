//! [`Instance`]: an instance of a module in a [`Store`], and its exports and memory.

#![forbid(unsafe_code)]

use crate::caller::GuestMemory;
use crate::error::Error;
use crate::func::{Func, TypedFunc, check_signature};
use crate::linker::Linker;
use crate::module::Module;
use crate::store::Store;
use crate::val::{Val, WasmParams, WasmResults};
use crate::vm::instance::InstanceInner;
use gojit_frontend::module::ExportKind;

/// An instance of a module, living in a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: usize,
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
        module.code.instance_created();
        let inner =
            InstanceInner::new(module, linker, store.limits, data, store.interrupt.clone())?;
        Ok(store.push_instance(inner))
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
        Ok(Func::new(*self, index, entry))
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
        Ok(TypedFunc::new(Func::new(*self, index, entry), slots))
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

    /// The current value of the exported global `name` (`None` if the module exports no global
    /// of that name). Go's modules export none; this is for embedders of other modules and for
    /// the differential tests, which compare globals after every call.
    ///
    /// # Panics
    /// If the instance belongs to another store.
    pub fn global<T: 'static>(&self, store: &Store<T>, name: &str) -> Option<Val> {
        assert_eq!(
            self.store, store.id,
            "instance used with a store it does not belong to"
        );
        let inner = &store.instances[self.index];
        let export = inner
            .module
            .info
            .exports
            .iter()
            .find(|e| e.kind == ExportKind::Global && e.name == name)?;
        let ty = inner.module.info.globals.get(export.index as usize)?.ty;
        Some(Val::from_bits(ty, inner.global_word(export.index)))
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
