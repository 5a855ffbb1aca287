//! What a host function sees of its caller: [`Caller`] (memory, the store's data, re-entrant
//! export calls) and [`GuestMemory`], the bounds-checked view of linear memory.
//!
//! Guest memory is reached only through [`GuestMemory`], whose accessors check every range and
//! return [`MemoryAccessError`] (WASI maps it to `EFAULT`) instead of touching memory out of
//! bounds.

#![forbid(unsafe_code)]

use crate::error::{Error, HostError};
use crate::val::Val;
use crate::vm::host_call::CallerInstance;
use std::fmt;

/// A guest pointer/length pair that does not lie inside linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryAccessError {
    /// Guest address of the access.
    pub ptr: u64,
    /// Length of the access in bytes.
    pub len: u64,
}

impl fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "guest range {:#x}+{} is outside linear memory",
            self.ptr, self.len
        )
    }
}

impl std::error::Error for MemoryAccessError {}

/// A bounds-checked view of the instance's linear memory, valid for the duration of one host call
/// ([`Caller::memory`]) or of a borrow of the store ([`crate::Instance::memory_view`]).
///
/// Go's values in linear memory: a `string` or slice is a (pointer, length) pair
/// ([`GuestMemory::read_str`]); struct fields are little-endian at their natural alignment, as
/// `unsafe.Offsetof` reports (`bool` is one byte):
///
/// ```
/// use gojit_runtime::GuestMemory;
///
/// // type Point struct { X int32; Y int64; F float64 } at address 8: X at +0, Y at +8, F at +16.
/// let mut bytes = vec![0u8; 64];
/// let mut mem = GuestMemory::new(&mut bytes);
/// mem.write_i32(8, -5).unwrap();
/// mem.write_i64(16, 1 << 40).unwrap();
/// mem.write_f64(24, 0.25).unwrap();
/// assert_eq!(mem.read_i32(8).unwrap(), -5);
/// assert_eq!(mem.read_u32(8).unwrap(), (-5i32) as u32);
/// assert_eq!(mem.read_i64(16).unwrap(), 1 << 40);
/// assert_eq!(mem.read_f64(24).unwrap(), 0.25);
/// assert!(mem.read_u64(60).is_err()); // 60..68 is past the end
/// mem.write(40, b"raw bytes").unwrap();
/// assert_eq!(mem.slice(40, 3).unwrap(), b"raw");
/// ```
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// Wraps the accessible part of linear memory.
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    /// Size of linear memory in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether linear memory has size 0.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, MemoryAccessError> {
        let start = ptr as usize;
        let end = start + len as usize;
        if end <= self.bytes.len() {
            Ok(start..end)
        } else {
            Err(MemoryAccessError {
                ptr: ptr.into(),
                len: len.into(),
            })
        }
    }

    /// The bytes at `ptr..ptr+len`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the range is not inside linear memory.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], MemoryAccessError> {
        let r = self.range(ptr, len)?;
        Ok(&self.bytes[r])
    }

    /// The bytes at `ptr..ptr+len`, writable.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the range is not inside linear memory.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], MemoryAccessError> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.bytes[r])
    }

    /// Copies `data` to `ptr`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when the destination is not inside linear memory.
    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), MemoryAccessError> {
        let len = u32::try_from(data.len()).map_err(|_| MemoryAccessError {
            ptr: ptr.into(),
            len: data.len() as u64,
        })?;
        self.slice_mut(ptr, len)?.copy_from_slice(data);
        Ok(())
    }

    /// Reads a `u8`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn read_u8(&self, ptr: u32) -> Result<u8, MemoryAccessError> {
        Ok(self.slice(ptr, 1)?[0])
    }

    /// Writes a `u8`.
    ///
    /// # Errors
    /// [`MemoryAccessError`] when out of bounds.
    pub fn write_u8(&mut self, ptr: u32, v: u8) -> Result<(), MemoryAccessError> {
        self.write(ptr, &[v])
    }

    /// The Go `string` (or `[]byte` data) at `ptr..ptr+len` as UTF-8 text, borrowed from linear
    /// memory. A `//go:wasmimport` or `//go:wasmexport` function's `string` parameter arrives as
    /// these two `i32`s. An empty string may have any pointer (Go passes 0 for `""`).
    ///
    /// ```
    /// use gojit_runtime::{Caller, GuestMemory, HostError, Linker, StringError};
    ///
    /// let mut bytes = vec![0u8; 64];
    /// bytes[16..21].copy_from_slice(b"hello");
    /// let mem = GuestMemory::new(&mut bytes);
    /// assert_eq!(mem.read_str(16, 5).unwrap(), "hello");
    /// assert_eq!(mem.read_str(9999, 0).unwrap(), "");
    /// assert!(matches!(mem.read_str(60, 5), Err(StringError::OutOfBounds(_))));
    ///
    /// // In a host function for `//go:wasmimport host log` with `func log(msg string)`:
    /// let mut linker = Linker::<Vec<String>>::new();
    /// linker.func_wrap(
    ///     "host",
    ///     "log",
    ///     |c: &mut Caller<'_, Vec<String>>, ptr: u32, len: u32| -> Result<(), HostError> {
    ///         let msg = c.memory().read_string(ptr, len)?; // a bad string stops the guest
    ///         c.data_mut().push(msg);
    ///         Ok(())
    ///     },
    /// );
    /// ```
    ///
    /// # Errors
    /// [`StringError::OutOfBounds`] when the range is not inside linear memory,
    /// [`StringError::InvalidUtf8`] when the bytes are not UTF-8 (Go strings may hold any bytes;
    /// use [`GuestMemory::slice`] for those).
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, StringError> {
        if len == 0 {
            return Ok("");
        }
        let bytes = self.slice(ptr, len).map_err(StringError::OutOfBounds)?;
        std::str::from_utf8(bytes).map_err(|e| StringError::InvalidUtf8 {
            ptr,
            len,
            valid_up_to: e.valid_up_to() as u32,
        })
    }

    /// [`GuestMemory::read_str`], copied into a `String` (which outlives the host call).
    ///
    /// # Errors
    /// As [`GuestMemory::read_str`].
    pub fn read_string(&self, ptr: u32, len: u32) -> Result<String, StringError> {
        self.read_str(ptr, len).map(str::to_owned)
    }
}

// The little-endian scalar accessors (`read_i32`, `write_f64`, ...).
macro_rules! scalar_accessors {
    ($($t:ty, $read:ident, $write:ident;)*) => {
        impl GuestMemory<'_> {
            $(
                #[doc = concat!("Reads a little-endian `", stringify!($t), "` at `ptr`.")]
                ///
                /// # Errors
                /// [`MemoryAccessError`] when out of bounds.
                pub fn $read(&self, ptr: u32) -> Result<$t, MemoryAccessError> {
                    const N: usize = std::mem::size_of::<$t>();
                    let bytes = self.slice(ptr, N as u32)?;
                    Ok(<$t>::from_le_bytes(bytes.try_into().expect("N bytes")))
                }

                #[doc = concat!("Writes a little-endian `", stringify!($t), "` at `ptr`.")]
                ///
                /// # Errors
                /// [`MemoryAccessError`] when out of bounds (nothing is written then).
                pub fn $write(&mut self, ptr: u32, v: $t) -> Result<(), MemoryAccessError> {
                    self.write(ptr, &v.to_le_bytes())
                }
            )*
        }
    };
}

scalar_accessors! {
    u16, read_u16, write_u16;
    u32, read_u32, write_u32;
    u64, read_u64, write_u64;
    i16, read_i16, write_i16;
    i32, read_i32, write_i32;
    i64, read_i64, write_i64;
    f32, read_f32, write_f32;
    f64, read_f64, write_f64;
}

/// Why [`GuestMemory::read_str`] could not read a guest string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringError {
    /// The bytes are not inside linear memory.
    OutOfBounds(MemoryAccessError),
    /// The bytes are not valid UTF-8.
    InvalidUtf8 {
        /// Guest address of the string.
        ptr: u32,
        /// Its length in bytes.
        len: u32,
        /// How many leading bytes are valid UTF-8.
        valid_up_to: u32,
    },
}

impl fmt::Display for StringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringError::OutOfBounds(e) => write!(f, "string: {e}"),
            StringError::InvalidUtf8 {
                ptr,
                len,
                valid_up_to,
            } => write!(
                f,
                "guest string {ptr:#x}+{len} is not valid UTF-8 (invalid byte at offset {valid_up_to})"
            ),
        }
    }
}

impl std::error::Error for StringError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StringError::OutOfBounds(e) => Some(e),
            StringError::InvalidUtf8 { .. } => None,
        }
    }
}

impl From<MemoryAccessError> for HostError {
    /// A host function that meets a bad guest pointer fails (the guest stops with the message).
    fn from(e: MemoryAccessError) -> Self {
        HostError::Failed(e.to_string())
    }
}

impl From<StringError> for HostError {
    fn from(e: StringError) -> Self {
        HostError::Failed(e.to_string())
    }
}

/// What a host function sees of its caller: linear memory, the store's host state, and (for
/// re-entrant calls) the instance.
pub struct Caller<'a, T = ()> {
    memory: GuestMemory<'a>,
    data: &'a mut T,
    /// The calling instance, for re-entrant export calls (`None` outside a guest call).
    instance: Option<CallerInstance<'a>>,
}

impl<'a> Caller<'a, ()> {
    /// A caller with no host state, over `memory`, outside any guest call.
    #[doc(hidden)] // For tests that call a host function's callback directly.
    pub fn new(memory: GuestMemory<'a>) -> Self {
        Caller {
            memory,
            data: Box::leak(Box::new(())),
            instance: None,
        }
    }
}

impl<'a, T> Caller<'a, T> {
    /// A caller with host state `data`, over `memory`, outside any guest call.
    #[doc(hidden)] // For tests that call a host function's callback directly.
    pub fn with_data(memory: GuestMemory<'a>, data: &'a mut T) -> Self {
        Caller {
            memory,
            data,
            instance: None,
        }
    }

    /// The caller the runtime passes a host function during a guest call of `instance`.
    pub(crate) fn for_call(
        memory: GuestMemory<'a>,
        data: &'a mut T,
        instance: CallerInstance<'a>,
    ) -> Self {
        Caller {
            memory,
            data,
            instance: Some(instance),
        }
    }

    /// The caller's linear memory.
    pub fn memory(&mut self) -> &mut GuestMemory<'a> {
        &mut self.memory
    }

    /// The store's host state.
    pub fn data(&self) -> &T {
        self.data
    }

    /// The store's host state, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        self.data
    }

    /// The store's host state and the caller's linear memory at once (a host module whose
    /// state lives in the store's data needs both).
    pub fn data_and_memory(&mut self) -> (&mut T, &mut GuestMemory<'a>) {
        (self.data, &mut self.memory)
    }

    /// The store's interrupt handle, if the engine is [`crate::Config::interruptible`] and this
    /// is a guest call: a host function that blocks should poll its
    /// [`crate::InterruptHandle::wake_fd`] and return once the store is interrupted.
    pub fn interrupt_handle(&self) -> Option<crate::InterruptHandle> {
        self.instance.as_ref()?.interrupt_handle()
    }

    /// Calls the calling instance's export `name` re-entrantly (export → host import → export).
    /// It runs on the current goroutine's stack, as Go expects for a nested wasmexport call.
    ///
    /// # Errors
    /// [`Error::Call`] if there is no such export, the arguments do not match, or this
    /// caller is not inside a guest call. A trap in the nested call stops the whole outer call
    /// (the guest is unusable afterwards), so the error then surfaces from the outermost call.
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Error> {
        let Some(instance) = self.instance.as_mut() else {
            return Err(Error::Call("re-entrant call outside a guest call".into()));
        };
        let r = instance.call_export(name, args);
        // The nested call may have grown memory; the base never moves, so refresh the length.
        self.memory = GuestMemory::new(instance.memory());
        r
    }
}
