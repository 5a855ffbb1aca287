//! Node's callback-style `fs` (what `syscall/fs_js.go` calls), over preopened directories.
//!
//! Every method takes node's arguments and a callback last, does the work at once and queues
//! `callback(err, result)` for the event loop (node never calls them synchronously). Errors are
//! `Error`s with node's `code` (`ENOENT`, `EEXIST`, …, the names Go's `syscall/tables_js.go`
//! maps); a code Go does not know would make Go panic, so unknown ones become `EIO`.
//!
//! Sandbox: a path is made absolute against `process.cwd()`, normalized lexically (`.`/`..`),
//! and must fall inside a preopened directory's guest path; the rest is opened through that
//! directory with cap-std, so symlinks and `..` cannot leave it (`EPERM` when they try, as
//! gojit's WASI does). Paths outside every preopen are `ENOENT`. Descriptors 0–2 are the
//! guest's stdio; files get 3, 4, … (node would hand out OS descriptors).
//!
//! A host-root preopen (`--dir=/`, as `go_js_wasm_exec` gives) passes paths to the OS as they
//! are, so behaviour matches node exactly. `chown`/`lchown` inside other preopens are `ENOSYS`.

use super::globals::{callback, native};
use super::host::Host;
use super::value::{Kind, ObjRef, Value};
use super::{GoJsCtx, Thrown};
use cap_std::fs::{Dir, OpenOptions};
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// A preopened directory could not be opened.
#[derive(Debug)]
pub struct FsError {
    /// The host path.
    pub path: PathBuf,
    /// Why.
    pub source: io::Error,
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot preopen directory {}: {}",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for FsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Node's `O_*` values on Linux (`fs.constants`).
mod o {
    pub const WRONLY: u32 = 0o1;
    pub const RDWR: u32 = 0o2;
    pub const CREAT: u32 = 0o100;
    pub const EXCL: u32 = 0o200;
    pub const TRUNC: u32 = 0o1000;
    pub const APPEND: u32 = 0o2000;
    pub const DIRECTORY: u32 = 0o200000;
}

/// Open files, preopened directories, the working directory and the umask.
pub(crate) struct FsState {
    preopens: Vec<Preopen>,
    files: HashMap<i32, File>,
    next_fd: i32,
    /// `process.cwd()`.
    pub cwd: String,
    /// `process.umask()` (kept here; the host process's umask is not changed).
    pub umask: u32,
}

/// Why an fs call failed: node's code and the system's description.
struct Fail(&'static str, String);

impl From<io::Error> for Fail {
    fn from(e: io::Error) -> Self {
        Fail(code_of(&e), describe(&e))
    }
}

fn describe(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_lowercase(),
        None => s,
    }
}

/// The node `code` of an I/O error.
fn code_of(e: &io::Error) -> &'static str {
    use nix::errno::Errno as E;
    if let Some(raw) = e.raw_os_error() {
        return match E::from_raw(raw) {
            E::ENOENT => "ENOENT",
            E::EEXIST => "EEXIST",
            E::ENOTDIR => "ENOTDIR",
            E::EISDIR => "EISDIR",
            E::EACCES => "EACCES",
            E::EPERM => "EPERM",
            E::ENOTEMPTY => "ENOTEMPTY",
            E::EBADF => "EBADF",
            E::EINVAL => "EINVAL",
            E::ELOOP => "ELOOP",
            E::ENAMETOOLONG => "ENAMETOOLONG",
            E::EXDEV => "EXDEV",
            E::EMFILE => "EMFILE",
            E::ENFILE => "ENFILE",
            E::ENOSPC => "ENOSPC",
            E::EROFS => "EROFS",
            E::EBUSY => "EBUSY",
            E::ESPIPE => "ESPIPE",
            E::EFBIG => "EFBIG",
            E::ENOSYS => "ENOSYS",
            E::EAGAIN => "EAGAIN",
            E::EPIPE => "EPIPE",
            E::ENOTSUP => "ENOTSUP",
            E::ETXTBSY => "ETXTBSY",
            E::EMLINK => "EMLINK",
            _ => "EIO",
        };
    }
    match e.kind() {
        io::ErrorKind::NotFound => "ENOENT",
        io::ErrorKind::AlreadyExists => "EEXIST",
        io::ErrorKind::PermissionDenied => "EPERM",
        io::ErrorKind::InvalidInput => "EINVAL",
        io::ErrorKind::Unsupported => "ENOSYS",
        _ => "EIO",
    }
}

/// `base` joined with `path` (absolute paths replace it), with `.`, `..` and repeated `/`
/// resolved lexically; always absolute.
pub(crate) fn normalize(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{base}/{path}")
    };
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether absolute `path` is `dir` or inside it.
pub(crate) fn within(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// A preopened directory.
pub(crate) struct Preopen {
    dir: Dir,
    /// Its absolute guest path, normalized.
    guest: String,
    /// The host's `/` shown as the guest's `/` (`--dir=/`, what `go_js_wasm_exec` gives): the
    /// guest sees the whole file system anyway, so paths go to the OS as node passes them
    /// (symlinks to absolute paths and `..` after a symlink resolve physically).
    host_root: bool,
}

impl Preopen {
    pub(crate) fn new(dir: Dir, host: &std::path::Path, guest: String) -> Preopen {
        let host_root = guest == "/"
            && std::fs::canonicalize(host).is_ok_and(|p| p == std::path::Path::new("/"));
        Preopen {
            dir,
            guest,
            host_root,
        }
    }

    pub(crate) fn guest(&self) -> &str {
        &self.guest
    }
}

/// Where a path leads: inside a preopened directory (through cap-std), or to the host path
/// itself (a host-root preopen).
enum Loc<'a> {
    Cap(&'a Dir, PathBuf),
    Host(PathBuf),
}

/// Open flags, for either kind of [`Loc`].
#[derive(Default)]
struct Opts {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    mode: u32,
}

fn unsupported() -> Fail {
    Fail("EXDEV", "cross-device link not permitted".into())
}

impl Loc<'_> {
    fn open(&self, o: &Opts) -> io::Result<File> {
        match self {
            Loc::Cap(d, p) => {
                use cap_std::fs::OpenOptionsExt;
                let mut opts = OpenOptions::new();
                opts.read(o.read)
                    .write(o.write)
                    .append(o.append)
                    .truncate(o.truncate)
                    .create(o.create)
                    .create_new(o.create_new)
                    .mode(o.mode);
                Ok(d.open_with(p, &opts)?.into_std())
            }
            Loc::Host(p) => {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::OpenOptions::new()
                    .read(o.read)
                    .write(o.write)
                    .append(o.append)
                    .truncate(o.truncate)
                    .create(o.create)
                    .create_new(o.create_new)
                    .mode(o.mode)
                    .open(p)
            }
        }
    }

    fn stat(&self, follow: bool) -> io::Result<Stat> {
        Ok(match (self, follow) {
            (Loc::Cap(d, p), true) => cap_stat(&d.metadata(p)?),
            (Loc::Cap(d, p), false) => cap_stat(&d.symlink_metadata(p)?),
            (Loc::Host(p), true) => std_stat(&std::fs::metadata(p)?),
            (Loc::Host(p), false) => std_stat(&std::fs::symlink_metadata(p)?),
        })
    }

    fn read_dir(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        match self {
            Loc::Cap(d, p) => {
                for e in d.read_dir(p)? {
                    names.push(e?.file_name().to_string_lossy().into_owned());
                }
            }
            Loc::Host(p) => {
                for e in std::fs::read_dir(p)? {
                    names.push(e?.file_name().to_string_lossy().into_owned());
                }
            }
        }
        Ok(names)
    }

    fn mkdir(&self, mode: u32) -> io::Result<()> {
        match self {
            Loc::Cap(d, p) => {
                use cap_std::fs::DirBuilderExt;
                let mut b = cap_std::fs::DirBuilder::new();
                b.mode(mode);
                d.create_dir_with(p, &b)
            }
            Loc::Host(p) => {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().mode(mode).create(p)
            }
        }
    }

    fn unlink(&self) -> io::Result<()> {
        match self {
            Loc::Cap(d, p) => d.remove_file(p),
            Loc::Host(p) => std::fs::remove_file(p),
        }
    }

    fn rmdir(&self) -> io::Result<()> {
        match self {
            Loc::Cap(d, p) => d.remove_dir(p),
            Loc::Host(p) => std::fs::remove_dir(p),
        }
    }

    fn readlink(&self) -> io::Result<String> {
        let t = match self {
            Loc::Cap(d, p) => d.read_link_contents(p)?,
            Loc::Host(p) => std::fs::read_link(p)?,
        };
        Ok(t.to_string_lossy().into_owned())
    }

    fn chmod(&self, mode: u32) -> io::Result<()> {
        match self {
            Loc::Cap(d, p) => {
                use cap_std::fs::PermissionsExt;
                d.set_permissions(p, cap_std::fs::Permissions::from_mode(mode))
            }
            Loc::Host(p) => {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
            }
        }
    }

    fn chown(&self, uid: u32, gid: u32, follow: bool) -> Result<(), Fail> {
        match self {
            Loc::Cap(..) => Err(Fail("ENOSYS", "function not implemented".into())),
            Loc::Host(p) if follow => Ok(std::os::unix::fs::chown(p, Some(uid), Some(gid))?),
            Loc::Host(p) => Ok(std::os::unix::fs::lchown(p, Some(uid), Some(gid))?),
        }
    }

    fn symlink(&self, target: &str) -> io::Result<()> {
        match self {
            Loc::Cap(d, p) => d.symlink_contents(target, p),
            Loc::Host(p) => std::os::unix::fs::symlink(target, p),
        }
    }

    fn rename(&self, to: &Loc<'_>) -> Result<(), Fail> {
        match (self, to) {
            (Loc::Cap(d1, p1), Loc::Cap(d2, p2)) => Ok(d1.rename(p1, d2, p2)?),
            (Loc::Host(p1), Loc::Host(p2)) => Ok(std::fs::rename(p1, p2)?),
            _ => Err(unsupported()),
        }
    }

    fn link(&self, to: &Loc<'_>) -> Result<(), Fail> {
        match (self, to) {
            (Loc::Cap(d1, p1), Loc::Cap(d2, p2)) => Ok(d1.hard_link(p1, d2, p2)?),
            (Loc::Host(p1), Loc::Host(p2)) => Ok(std::fs::hard_link(p1, p2)?),
            _ => Err(unsupported()),
        }
    }
}

impl FsState {
    pub(crate) fn new(preopens: Vec<Preopen>, cwd: String) -> FsState {
        FsState {
            preopens,
            files: HashMap::new(),
            next_fd: 3,
            cwd,
            umask: 0o022,
        }
    }

    /// Where `path` leads. The part inside a preopen keeps its `.` and `..` components (cap-std
    /// resolves them physically, within the preopen) and a trailing `/`.
    fn resolve(&self, path: &str) -> Result<Loc<'_>, Fail> {
        let raw = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.cwd)
        };
        let comps: Vec<&str> = raw.split('/').filter(|c| !c.is_empty()).collect();
        let literal = |p: &Preopen| {
            let g: Vec<&str> = p.guest.split('/').filter(|c| !c.is_empty()).collect();
            (comps.len() >= g.len() && comps[..g.len()] == g[..]).then_some(g.len())
        };
        let best = self
            .preopens
            .iter()
            .filter_map(|p| literal(p).map(|n| (p, n)))
            .max_by_key(|(_, n)| *n);
        let (pre, rest) = match best {
            Some((p, n)) => (p, comps[n..].join("/")),
            None => {
                // `/a/./b/../c`-style spellings of a preopen's path.
                let abs = normalize("/", &raw);
                let p = self
                    .preopens
                    .iter()
                    .filter(|p| within(&abs, &p.guest))
                    .max_by_key(|p| p.guest.len())
                    .ok_or_else(|| Fail("ENOENT", "no such file or directory".into()))?;
                let rest = abs[p.guest.len()..].trim_start_matches('/').to_string();
                (p, rest)
            }
        };
        if pre.host_root {
            return Ok(Loc::Host(PathBuf::from(raw)));
        }
        let mut rest = if rest.is_empty() {
            ".".to_string()
        } else {
            rest
        };
        if raw.ends_with('/') && !rest.ends_with('/') {
            rest.push('/');
        }
        Ok(Loc::Cap(&pre.dir, PathBuf::from(rest)))
    }

    fn file(&mut self, fd: i32) -> Result<&mut File, Fail> {
        self.files
            .get_mut(&fd)
            .ok_or_else(|| Fail("EBADF", "bad file descriptor".into()))
    }

    /// `process.chdir(path)`; `Err(code)` when `path` is not a reachable directory.
    pub(crate) fn chdir(&mut self, path: &str) -> Result<(), &'static str> {
        let abs = normalize(&self.cwd, path);
        let st = self
            .resolve(&abs)
            .map_err(|f| f.0)?
            .stat(true)
            .map_err(|e| code_of(&e))?;
        if st.mode & S_IFMT != 0o040000 {
            return Err("ENOTDIR");
        }
        self.cwd = abs;
        Ok(())
    }

    fn open(&mut self, path: &str, flags: u32, mode: u32) -> Result<i32, Fail> {
        let loc = self.resolve(path)?;
        let opts = Opts {
            read: flags & 3 != o::WRONLY,
            write: flags & 3 != 0,
            append: flags & o::APPEND != 0,
            truncate: flags & o::TRUNC != 0,
            create: flags & o::CREAT != 0 && flags & o::EXCL == 0,
            create_new: flags & o::CREAT != 0 && flags & o::EXCL != 0,
            mode: mode & !self.umask & 0o7777,
        };
        let file = loc.open(&opts)?;
        if flags & o::DIRECTORY != 0 && !file.metadata()?.is_dir() {
            return Err(Fail("ENOTDIR", "not a directory".into()));
        }
        let fd = self.next_fd;
        self.next_fd += 1;
        self.files.insert(fd, file);
        Ok(fd)
    }
}

/// The fields of node's `fs.Stats` that Go reads (`syscall/fs_js.go` `setStat`).
struct Stat {
    dev: u64,
    ino: u64,
    mode: u32,
    nlink: u64,
    uid: u32,
    gid: u32,
    rdev: u64,
    size: u64,
    blksize: u64,
    blocks: u64,
    atime_ms: f64,
    mtime_ms: f64,
    ctime_ms: f64,
}

macro_rules! stat_of {
    ($m:expr) => {{
        let m = $m;
        let ms = |s: i64, ns: i64| s as f64 * 1000.0 + (ns as f64 / 1e6);
        Stat {
            dev: m.dev(),
            ino: m.ino(),
            mode: m.mode(),
            nlink: m.nlink(),
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
            size: m.size(),
            blksize: m.blksize(),
            blocks: m.blocks(),
            atime_ms: ms(m.atime(), m.atime_nsec()),
            mtime_ms: ms(m.mtime(), m.mtime_nsec()),
            ctime_ms: ms(m.ctime(), m.ctime_nsec()),
        }
    }};
}

fn std_stat(m: &std::fs::Metadata) -> Stat {
    use std::os::unix::fs::MetadataExt;
    stat_of!(m)
}

fn cap_stat(m: &cap_std::fs::Metadata) -> Stat {
    use cap_std::fs::MetadataExt;
    stat_of!(m)
}

const S_IFMT: u32 = 0o170000;

impl Stat {
    fn to_value(&self, js: &GoJsCtx) -> Value {
        let f = js.protos.function.clone();
        let o = js.new_object();
        for (k, v) in [
            ("dev", self.dev as f64),
            ("ino", self.ino as f64),
            ("mode", self.mode.into()),
            ("nlink", self.nlink as f64),
            ("uid", self.uid.into()),
            ("gid", self.gid.into()),
            ("rdev", self.rdev as f64),
            ("size", self.size as f64),
            ("blksize", self.blksize as f64),
            ("blocks", self.blocks as f64),
            ("atimeMs", self.atime_ms),
            ("mtimeMs", self.mtime_ms),
            ("ctimeMs", self.ctime_ms),
        ] {
            o.set(k, Value::Num(v));
        }
        let fmt = self.mode & S_IFMT;
        for (name, want) in [
            ("isDirectory", 0o040000),
            ("isFile", 0o100000),
            ("isSymbolicLink", 0o120000),
        ] {
            o.set(
                name,
                Value::Obj(native(&f, move |_, _, _| Ok(Value::Bool(fmt == want)))),
            );
        }
        Value::Obj(o)
    }
}

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or_default()
}

fn int(v: &Value) -> i64 {
    let n = v.to_number();
    if n.is_finite() { n.trunc() as i64 } else { 0 }
}

/// Queues the callback (the last argument) with `(null, result)` or `(err)`.
fn complete(
    h: &mut dyn Host,
    args: &[Value],
    syscall: &str,
    path: Option<&str>,
    r: Result<Value, Fail>,
) -> Result<Value, Thrown> {
    let cb = args.last().cloned().unwrap_or_default();
    let out = match r {
        Ok(Value::Undefined) => vec![Value::Null],
        Ok(v) => vec![Value::Null, v],
        Err(Fail(code, desc)) => {
            let msg = match path {
                Some(p) => format!("{desc}, {syscall} '{p}'"),
                None => format!("{desc}, {syscall}"),
            };
            vec![h.js().node_error(code, &msg)]
        }
    };
    callback(h, &cb, out)
}

/// The bytes of a `Uint8Array` argument.
fn with_bytes<R>(v: &Value, f: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R> {
    match v {
        Value::Obj(o) => match &mut o.0.borrow_mut().kind {
            Kind::Bytes(b) => Some(f(b)),
            _ => None,
        },
        _ => None,
    }
}

fn bad_buffer() -> Fail {
    Fail(
        "EINVAL",
        "invalid argument: buffer must be a Uint8Array".into(),
    )
}

/// The window `offset..offset+length` of a buffer of `len` bytes.
fn window(len: usize, offset: &Value, length: &Value) -> Result<std::ops::Range<usize>, Fail> {
    let off = int(offset).max(0) as usize;
    let n = int(length).max(0) as usize;
    if off.checked_add(n).is_none_or(|end| end > len) {
        return Err(Fail("EINVAL", "invalid argument: out of range".into()));
    }
    Ok(off..off + n)
}

fn fs_write(js: &mut GoJsCtx, args: &[Value]) -> Result<Value, Fail> {
    let fd = int(&arg(args, 0)) as i32;
    let data = with_bytes(&arg(args, 1), |b| b.clone()).ok_or_else(bad_buffer)?;
    let r = window(data.len(), &arg(args, 2), &arg(args, 3))?;
    let data = &data[r];
    let pos = arg(args, 4);
    let n = match fd {
        1 | 2 => {
            js.write_stdio(fd, data)?;
            data.len()
        }
        0 => return Err(Fail("EBADF", "bad file descriptor".into())),
        _ => {
            let f = js.fs.file(fd)?;
            match pos {
                Value::Null | Value::Undefined => f.write(data)?,
                p => f.write_at(data, int(&p).max(0) as u64)?,
            }
        }
    };
    Ok(Value::Num(n as f64))
}

fn fs_read(js: &mut GoJsCtx, args: &[Value]) -> Result<Value, Fail> {
    let fd = int(&arg(args, 0)) as i32;
    let buf = arg(args, 1);
    let len = with_bytes(&buf, |b| b.len()).ok_or_else(bad_buffer)?;
    let r = window(len, &arg(args, 2), &arg(args, 3))?;
    let mut tmp = vec![0u8; r.len()];
    let pos = arg(args, 4);
    let n = match fd {
        0 => js.stdin.read(&mut tmp)?,
        1 | 2 => return Err(Fail("EBADF", "bad file descriptor".into())),
        _ => {
            let f = js.fs.file(fd)?;
            match pos {
                Value::Null | Value::Undefined => f.read(&mut tmp)?,
                p => f.read_at(&mut tmp, int(&p).max(0) as u64)?,
            }
        }
    };
    with_bytes(&buf, |b| b[r.start..r.start + n].copy_from_slice(&tmp[..n]));
    Ok(Value::Num(n as f64))
}

type FsFn = fn(&mut dyn Host, &[Value]) -> Result<Value, Thrown>;

/// The `fs` object.
pub(crate) fn create(function: &ObjRef, object: &ObjRef) -> ObjRef {
    let fs = ObjRef::new(Kind::Plain, Some(object.clone()));
    let constants = ObjRef::new(Kind::Plain, Some(object.clone()));
    for (k, v) in [
        ("O_RDONLY", 0),
        ("O_WRONLY", o::WRONLY),
        ("O_RDWR", o::RDWR),
        ("O_CREAT", o::CREAT),
        ("O_TRUNC", o::TRUNC),
        ("O_APPEND", o::APPEND),
        ("O_EXCL", o::EXCL),
        ("O_DIRECTORY", o::DIRECTORY),
    ] {
        constants.set(k, Value::Num(v.into()));
    }
    fs.set("constants", Value::Obj(constants));
    let methods: &[(&str, FsFn)] = &[
        ("write", |h, a| {
            let r = fs_write(h.js(), a);
            complete(h, a, "write", None, r)
        }),
        ("read", |h, a| {
            let r = fs_read(h.js(), a);
            complete(h, a, "read", None, r)
        }),
        ("open", |h, a| {
            let path = arg(a, 0).to_js_string();
            let flags = match arg(a, 1) {
                Value::Str(s) if &*s == "r" => 0,
                v => int(&v) as u32,
            };
            let mode = match arg(a, 2) {
                v @ Value::Num(_) => int(&v) as u32,
                _ => 0o666,
            };
            let r = h
                .js()
                .fs
                .open(&path, flags, mode)
                .map(|fd| Value::Num(fd.into()));
            complete(h, a, "open", Some(&path), r)
        }),
        ("close", |h, a| {
            let fd = int(&arg(a, 0)) as i32;
            let r = match h.js().fs.files.remove(&fd) {
                Some(_) => Ok(Value::Undefined),
                None if (0..=2).contains(&fd) => Ok(Value::Undefined),
                None => Err(Fail("EBADF", "bad file descriptor".into())),
            };
            complete(h, a, "close", None, r)
        }),
        ("fstat", |h, a| {
            let fd = int(&arg(a, 0)) as i32;
            let js = h.js();
            let r = match fd {
                0..=2 => {
                    let md = match fd {
                        0 => std::io::stdin().lock().as_fd_metadata(),
                        1 => std::io::stdout().lock().as_fd_metadata(),
                        _ => std::io::stderr().lock().as_fd_metadata(),
                    };
                    md.map(|m| std_stat(&m).to_value(js)).map_err(Fail::from)
                }
                fd => js
                    .fs
                    .file(fd)
                    .and_then(|f| f.metadata().map_err(Fail::from))
                    .map(|m| std_stat(&m).to_value(js)),
            };
            complete(h, a, "fstat", None, r)
        }),
        ("stat", |h, a| {
            path_op(h, a, "stat", |js, loc, _| Ok(loc.stat(true)?.to_value(js)))
        }),
        ("lstat", |h, a| {
            path_op(h, a, "lstat", |js, loc, _| {
                Ok(loc.stat(false)?.to_value(js))
            })
        }),
        ("readdir", |h, a| {
            path_op(h, a, "scandir", |js, loc, _| {
                let names = loc.read_dir()?.into_iter().map(Value::from).collect();
                Ok(js.new_array(names))
            })
        }),
        ("mkdir", |h, a| {
            path_op(h, a, "mkdir", |js, loc, a| {
                let mode = match arg(a, 1) {
                    v @ Value::Num(_) => int(&v) as u32,
                    _ => 0o777,
                };
                loc.mkdir(mode & !js.fs.umask & 0o7777)?;
                Ok(Value::Undefined)
            })
        }),
        ("unlink", |h, a| {
            path_op(h, a, "unlink", |_, loc, _| {
                Ok(loc.unlink().map(|()| Value::Undefined)?)
            })
        }),
        ("rmdir", |h, a| {
            path_op(h, a, "rmdir", |_, loc, _| {
                Ok(loc.rmdir().map(|()| Value::Undefined)?)
            })
        }),
        ("readlink", |h, a| {
            path_op(h, a, "readlink", |_, loc, _| {
                Ok(Value::from(loc.readlink()?))
            })
        }),
        ("truncate", |h, a| {
            path_op(h, a, "open", |_, loc, a| {
                let f = loc.open(&Opts {
                    write: true,
                    ..Opts::default()
                })?;
                f.set_len(int(&arg(a, 1)).max(0) as u64)?;
                Ok(Value::Undefined)
            })
        }),
        ("chmod", |h, a| {
            path_op(h, a, "chmod", |_, loc, a| {
                loc.chmod(int(&arg(a, 1)) as u32 & 0o7777)?;
                Ok(Value::Undefined)
            })
        }),
        ("chown", |h, a| {
            path_op(h, a, "chown", |_, loc, a| {
                loc.chown(int(&arg(a, 1)) as u32, int(&arg(a, 2)) as u32, true)?;
                Ok(Value::Undefined)
            })
        }),
        ("lchown", |h, a| {
            path_op(h, a, "lchown", |_, loc, a| {
                loc.chown(int(&arg(a, 1)) as u32, int(&arg(a, 2)) as u32, false)?;
                Ok(Value::Undefined)
            })
        }),
        ("utimes", |h, a| {
            path_op(h, a, "utime", |_, loc, a| {
                // Seconds (Go passes whole seconds: `syscall/fs_js.go` UtimesNano).
                let t = |v: Value| {
                    let s = v.to_number();
                    let d = std::time::Duration::try_from_secs_f64(s.abs()).ok()?;
                    if s >= 0.0 {
                        std::time::UNIX_EPOCH.checked_add(d)
                    } else {
                        std::time::UNIX_EPOCH.checked_sub(d)
                    }
                };
                let (Some(at), Some(mt)) = (t(arg(a, 1)), t(arg(a, 2))) else {
                    return Err(Fail("EINVAL", "invalid argument".into()));
                };
                let times = std::fs::FileTimes::new().set_accessed(at).set_modified(mt);
                let f = loc.open(&Opts {
                    read: true,
                    ..Opts::default()
                })?;
                f.set_times(times)?;
                Ok(Value::Undefined)
            })
        }),
        ("rename", |h, a| {
            let (from, to) = (arg(a, 0).to_js_string(), arg(a, 1).to_js_string());
            let fs = &h.js().fs;
            let r = (|| {
                fs.resolve(&from)?.rename(&fs.resolve(&to)?)?;
                Ok(Value::Undefined)
            })();
            complete(h, a, "rename", Some(&from), r)
        }),
        ("link", |h, a| {
            let (from, to) = (arg(a, 0).to_js_string(), arg(a, 1).to_js_string());
            let fs = &h.js().fs;
            let r = (|| {
                fs.resolve(&from)?.link(&fs.resolve(&to)?)?;
                Ok(Value::Undefined)
            })();
            complete(h, a, "link", Some(&from), r)
        }),
        ("symlink", |h, a| {
            let (target, link) = (arg(a, 0).to_js_string(), arg(a, 1).to_js_string());
            let fs = &h.js().fs;
            let r = (|| {
                fs.resolve(&link)?.symlink(&target)?;
                Ok(Value::Undefined)
            })();
            complete(h, a, "symlink", Some(&target), r)
        }),
        ("fsync", |h, a| {
            let fd = int(&arg(a, 0)) as i32;
            let r = match fd {
                0..=2 => Ok(Value::Undefined),
                fd => h
                    .js()
                    .fs
                    .file(fd)
                    .and_then(|f| f.sync_all().map_err(Fail::from))
                    .map(|()| Value::Undefined),
            };
            complete(h, a, "fsync", None, r)
        }),
        ("ftruncate", |h, a| {
            let fd = int(&arg(a, 0)) as i32;
            let len = int(&arg(a, 1)).max(0) as u64;
            let r = h
                .js()
                .fs
                .file(fd)
                .and_then(|f| f.set_len(len).map_err(Fail::from))
                .map(|()| Value::Undefined);
            complete(h, a, "ftruncate", None, r)
        }),
        ("fchmod", |h, a| {
            use std::os::unix::fs::PermissionsExt;
            let fd = int(&arg(a, 0)) as i32;
            let mode = int(&arg(a, 1)) as u32 & 0o7777;
            let r = h
                .js()
                .fs
                .file(fd)
                .and_then(|f| {
                    f.set_permissions(std::fs::Permissions::from_mode(mode))
                        .map_err(Fail::from)
                })
                .map(|()| Value::Undefined);
            complete(h, a, "fchmod", None, r)
        }),
        ("fchown", |h, a| {
            let fd = int(&arg(a, 0)) as i32;
            let (uid, gid) = (int(&arg(a, 1)) as u32, int(&arg(a, 2)) as u32);
            let r = h
                .js()
                .fs
                .file(fd)
                .and_then(|f| {
                    std::os::unix::fs::fchown(&*f, Some(uid), Some(gid)).map_err(Fail::from)
                })
                .map(|()| Value::Undefined);
            complete(h, a, "fchown", None, r)
        }),
    ];
    for &(name, f) in methods {
        fs.set(name, Value::Obj(native(function, move |h, _, a| f(h, a))));
    }
    fs.set(
        "writeSync",
        Value::Obj(native(function, |h, _, a| {
            let n = with_bytes(&arg(a, 1), |b| b.len()).unwrap_or(0);
            let args = [
                arg(a, 0),
                arg(a, 1),
                Value::Num(0.0),
                Value::Num(n as f64),
                Value::Null,
            ];
            match fs_write(h.js(), &args) {
                Ok(v) => Ok(v),
                Err(Fail(code, desc)) => Err(Thrown::Js(
                    h.js().node_error(code, &format!("{desc}, write")),
                )),
            }
        })),
    );
    fs
}

/// An operation on the path in the first argument.
fn path_op(
    h: &mut dyn Host,
    a: &[Value],
    syscall: &str,
    op: impl FnOnce(&GoJsCtx, &Loc<'_>, &[Value]) -> Result<Value, Fail>,
) -> Result<Value, Thrown> {
    let path = arg(a, 0).to_js_string();
    let js = h.js();
    let r = js.fs.resolve(&path).and_then(|loc| op(js, &loc, a));
    complete(h, a, syscall, Some(&path), r)
}

/// `fstat` of a standard stream.
trait FdMetadata {
    fn as_fd_metadata(&self) -> io::Result<std::fs::Metadata>;
}

impl<T: std::os::fd::AsFd> FdMetadata for T {
    fn as_fd_metadata(&self) -> io::Result<std::fs::Metadata> {
        let fd = self.as_fd().try_clone_to_owned()?;
        File::from(fd).metadata()
    }
}
