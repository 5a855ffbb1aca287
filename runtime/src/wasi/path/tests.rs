use super::super::abi::filetype;
use super::super::testing::{BAD_PTR, Harness, TempDir};
use super::super::{SharedBuffer, WasiCtxBuilder};
use super::*;
use std::os::unix::fs::MetadataExt;

const RW: u64 = rights::FD_READ | rights::FD_WRITE;

/// A sandbox `root/` (preopened as fd 3) next to a `secret` file that must stay unreachable.
struct Fixture {
    h: Harness,
    _tmp: TempDir,
    root: std::path::PathBuf,
    outside: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let tmp = TempDir::new("path");
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(tmp.path().join("secret"), b"top secret").unwrap();
    let h = Harness::new(
        WasiCtxBuilder::new()
            .stdout(Box::new(SharedBuffer::new()))
            .preopened_dir(&root, "/")
            .unwrap()
            .build(),
    );
    let outside = tmp.path().to_path_buf();
    Fixture {
        h,
        _tmp: tmp,
        root,
        outside,
    }
}

/// Calls a `(dirfd, path, len)` function.
fn on_path(h: &mut Harness, name: &str, dirfd: u32, path: &str) -> Errno {
    let (p, len) = h.str_at(3000, path);
    h.call(name, &[dirfd.into(), p, len])
}

fn stat(h: &mut Harness, dirfd: u32, follow: bool, path: &str) -> Result<(u8, u64, u64), Errno> {
    let (p, len) = h.str_at(3000, path);
    match h.call(
        "path_filestat_get",
        &[dirfd.into(), u64::from(follow), p, len, 500],
    ) {
        Errno::SUCCESS => Ok((h.u8_at(516), h.u64_at(532), h.u64_at(508))),
        e => Err(e),
    }
}

#[test]
fn open_create_excl_trunc_directory() {
    let Fixture {
        mut h, root, _tmp, ..
    } = fixture();
    assert_eq!(h.open(3, "new.txt", 0, RW, 0), Err(Errno::NOENT));
    let fd = h.open(3, "new.txt", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(fd, 4, "lowest free fd after stdio and the preopen");
    assert_eq!(h.write_fd(fd, b"hello"), Ok(5));
    assert_eq!(
        h.open(3, "new.txt", oflags::CREAT | oflags::EXCL, RW, 0),
        Err(Errno::EXIST)
    );
    let again = h.open(3, "new.txt", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(again, 5);
    assert_eq!(
        h.read_fd(again, 10).unwrap(),
        b"hello",
        "CREAT alone keeps the contents"
    );
    let t = h
        .open(3, "new.txt", oflags::TRUNC, rights::FD_WRITE, 0)
        .unwrap();
    assert_eq!(std::fs::read(root.join("new.txt")).unwrap(), b"");
    assert_eq!(h.call("fd_close", &[t.into()]), Errno::SUCCESS);
    assert_eq!(
        h.open(3, "x", oflags::CREAT | oflags::EXCL, RW, 0),
        Ok(t),
        "fd reused"
    );

    // DIRECTORY
    std::fs::create_dir(root.join("d")).unwrap();
    let d = h
        .open(3, "d", oflags::DIRECTORY, rights::FD_READDIR, 0)
        .unwrap();
    assert_eq!(h.call("fd_fdstat_get", &[d.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u8_at(100), filetype::DIRECTORY);
    assert_eq!(
        h.open(3, "new.txt", oflags::DIRECTORY, 0, 0),
        Err(Errno::NOTDIR)
    );
    assert_eq!(
        h.open(3, "d", oflags::DIRECTORY | oflags::CREAT, 0, 0),
        Err(Errno::INVAL)
    );
    assert_eq!(
        h.open(3, "missing", oflags::DIRECTORY, 0, 0),
        Err(Errno::NOENT)
    );
    // Go's fallback: opening a directory with write rights is EISDIR; read-only works.
    assert_eq!(h.open(3, "d", 0, RW, 0), Err(Errno::ISDIR));
    let rd = h
        .open(3, "d", 0, rights::FD_READ | rights::FD_READDIR, 0)
        .unwrap();
    assert_eq!(h.call("fd_fdstat_get", &[rd.into(), 100]), Errno::SUCCESS);
    assert_eq!(h.u8_at(100), filetype::DIRECTORY);
    // Relative to an opened subdirectory.
    let f = h.open(d, "inner", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(h.write_fd(f, b"in"), Ok(2));
    assert_eq!(std::fs::read(root.join("d/inner")).unwrap(), b"in");
    // "." is the directory itself; a trailing slash on a file is ENOTDIR.
    assert!(h.open(3, ".", 0, rights::FD_READ, 0).is_ok());
    assert_eq!(
        h.open(3, "new.txt/", 0, rights::FD_READ, 0),
        Err(Errno::NOTDIR)
    );
}

#[test]
fn open_errors() {
    let Fixture { mut h, _tmp, .. } = fixture();
    let f = h.open(3, "f", oflags::CREAT, RW, 0).unwrap();
    assert_eq!(
        h.open(f, "x", 0, RW, 0),
        Err(Errno::NOTDIR),
        "dirfd is a file"
    );
    assert_eq!(
        h.open(1, "x", 0, RW, 0),
        Err(Errno::BADF),
        "dirfd is stdout"
    );
    assert_eq!(h.open(77, "x", 0, RW, 0), Err(Errno::BADF));
    assert_eq!(h.open(3, "", 0, RW, 0), Err(Errno::NOENT));
    assert_eq!(
        h.open(3, "f", 0x10, RW, 0),
        Err(Errno::INVAL),
        "unknown oflags"
    );
    assert_eq!(
        h.open(3, "f", 0, RW, 0x20),
        Err(Errno::INVAL),
        "unknown fdflags"
    );
    assert_eq!(
        h.open_follow(3, 2, "f", 0, RW, 0),
        Err(Errno::INVAL),
        "unknown lookupflags"
    );
    assert_eq!(h.open(3, "a\0b", 0, RW, 0), Err(Errno::INVAL));
    assert_eq!(
        h.open(3, &"n".repeat(300), oflags::CREAT, RW, 0),
        Err(Errno::NAMETOOLONG)
    );
    // Bad guest pointers: nothing is created.
    let args = [3, 1, BAD_PTR, 4, u64::from(oflags::CREAT), RW, RW, 0, 100];
    assert_eq!(h.call("path_open", &args), Errno::FAULT);
    let (p, len) = h.str_at(3000, "created");
    let args = [3, 1, p, len, u64::from(oflags::CREAT), RW, RW, 0, BAD_PTR];
    assert_eq!(h.call("path_open", &args), Errno::FAULT);
    assert_eq!(stat(&mut h, 3, true, "created"), Err(Errno::NOENT));
}

#[test]
fn sandbox_escapes_are_refused() {
    let Fixture {
        mut h,
        root,
        outside,
        _tmp,
    } = fixture();
    let secret = outside.join("secret");
    // `..` out of the preopen, directly and after going down first.
    std::fs::create_dir(root.join("sub")).unwrap();
    assert_eq!(
        h.open(3, "../secret", 0, rights::FD_READ, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        h.open(3, "sub/../../secret", 0, rights::FD_READ, 0),
        Err(Errno::PERM)
    );
    assert_eq!(h.open(3, "..", oflags::DIRECTORY, 0, 0), Err(Errno::PERM));
    // `..` that stays inside is fine.
    assert!(h.open(3, "sub/..", oflags::DIRECTORY, 0, 0).is_ok());
    // Absolute paths.
    assert_eq!(
        h.open(3, secret.to_str().unwrap(), 0, rights::FD_READ, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        h.open(3, "/etc/passwd", 0, rights::FD_READ, 0),
        Err(Errno::PERM)
    );
    // Symlinks planted by the host that point outside, absolute or relative, even mid-path.
    std::os::unix::fs::symlink(&secret, root.join("abs")).unwrap();
    std::os::unix::fs::symlink("../secret", root.join("rel")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("outdir")).unwrap();
    assert_eq!(h.open(3, "abs", 0, rights::FD_READ, 0), Err(Errno::PERM));
    assert_eq!(h.open(3, "rel", 0, rights::FD_READ, 0), Err(Errno::PERM));
    assert_eq!(
        h.open(3, "outdir/secret", 0, rights::FD_READ, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        h.open(3, "outdir", oflags::DIRECTORY, 0, 0),
        Err(Errno::PERM)
    );
    assert_eq!(stat(&mut h, 3, true, "rel"), Err(Errno::PERM));
    assert_eq!(stat(&mut h, 3, true, "outdir/secret"), Err(Errno::PERM));
    // lstat of the link itself is allowed (it is inside).
    assert_eq!(
        stat(&mut h, 3, false, "rel").unwrap().0,
        filetype::SYMBOLIC_LINK
    );
    // Writing or deleting through an escape.
    assert_eq!(
        h.open(3, "outdir/planted", oflags::CREAT, RW, 0),
        Err(Errno::PERM)
    );
    assert_eq!(
        on_path(&mut h, "path_unlink_file", 3, "../secret"),
        Errno::PERM
    );
    assert_eq!(
        on_path(&mut h, "path_unlink_file", 3, "outdir/secret"),
        Errno::PERM
    );
    assert_eq!(
        on_path(&mut h, "path_create_directory", 3, "../escaped"),
        Errno::PERM
    );
    assert_eq!(
        on_path(&mut h, "path_remove_directory", 3, "outdir/.."),
        Errno::PERM
    );
    // A guest-made symlink to an absolute path is refused at creation (as wasmtime); a relative
    // one that climbs out can be made but not followed.
    let (t, tl) = h.str_at(3000, "/etc");
    let (l, ll) = h.str_at(3100, "etc");
    assert_eq!(h.call("path_symlink", &[t, tl, 3, l, ll]), Errno::PERM);
    let (t, tl) = h.str_at(3000, "../secret");
    let (l, ll) = h.str_at(3100, "mine");
    assert_eq!(h.call("path_symlink", &[t, tl, 3, l, ll]), Errno::SUCCESS);
    assert_eq!(h.open(3, "mine", 0, rights::FD_READ, 0), Err(Errno::PERM));
    // Renames and links out of the sandbox.
    std::fs::write(root.join("mine2"), b"x").unwrap();
    let (a, al) = h.str_at(3000, "mine2");
    let (b, bl) = h.str_at(3100, "../stolen");
    assert_eq!(h.call("path_rename", &[3, a, al, 3, b, bl]), Errno::PERM);
    assert_eq!(h.call("path_link", &[3, 0, a, al, 3, b, bl]), Errno::PERM);
    let (s, sl) = h.str_at(3000, "../secret");
    let (d, dl) = h.str_at(3100, "copy");
    assert_eq!(h.call("path_link", &[3, 0, s, sl, 3, d, dl]), Errno::PERM);
    assert_eq!(std::fs::read(&secret).unwrap(), b"top secret", "untouched");
    assert!(!outside.join("stolen").exists() && !outside.join("planted").exists());
    assert!(!outside.join("escaped").exists());
}

#[test]
fn symlinks_inside_the_sandbox_work_and_nofollow_is_eloop() {
    let Fixture {
        mut h, root, _tmp, ..
    } = fixture();
    std::fs::write(root.join("target"), b"via link").unwrap();
    let (t, tl) = h.str_at(3000, "target");
    let (l, ll) = h.str_at(3100, "link");
    assert_eq!(h.call("path_symlink", &[t, tl, 3, l, ll]), Errno::SUCCESS);
    assert_eq!(h.call("path_symlink", &[t, tl, 3, l, ll]), Errno::EXIST);
    let fd = h.open(3, "link", 0, rights::FD_READ, 0).unwrap();
    assert_eq!(h.read_fd(fd, 100).unwrap(), b"via link");
    assert_eq!(
        h.open_follow(3, 0, "link", 0, rights::FD_READ, 0),
        Err(Errno::LOOP)
    );
    assert_eq!(
        stat(&mut h, 3, true, "link").unwrap().0,
        filetype::REGULAR_FILE
    );
    assert_eq!(
        stat(&mut h, 3, false, "link").unwrap().0,
        filetype::SYMBOLIC_LINK
    );

    // path_readlink with truncation, as os.Readlink uses it.
    let (p, pl) = h.str_at(3000, "link");
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4000, 64, 900]),
        Errno::SUCCESS
    );
    assert_eq!((h.u32_at(900), h.get(4000, 6)), (6, &b"target"[..]));
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4100, 3, 900]),
        Errno::SUCCESS
    );
    assert_eq!((h.u32_at(900), h.get(4100, 4)), (3, &b"tar\0"[..]));
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, BAD_PTR, 3, 900]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4000, 64, BAD_PTR]),
        Errno::FAULT
    );
    let (p, pl) = h.str_at(3000, "target");
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4000, 64, 900]),
        Errno::INVAL,
        "not a link"
    );
    let (p, pl) = h.str_at(3000, "nope");
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4000, 64, 900]),
        Errno::NOENT
    );
    // A host-planted absolute link is EPERM (as in wasmtime): its contents are a host path the
    // guest must not learn. Nothing is written to the buffer or to bufused.
    std::os::unix::fs::symlink("/etc/hostname", root.join("abs")).unwrap();
    let (p, pl) = h.str_at(3000, "abs");
    h.put(4000, &[0xAA; 16]);
    h.put(900, &[0xBB; 4]);
    assert_eq!(
        h.call("path_readlink", &[3, p, pl, 4000, 64, 900]),
        Errno::PERM
    );
    assert_eq!(h.get(4000, 16), [0xAA; 16]);
    assert_eq!(h.get(900, 4), [0xBB; 4]);
    // Unlinking a symlink removes the link, not the target.
    assert_eq!(
        on_path(&mut h, "path_unlink_file", 3, "link"),
        Errno::SUCCESS
    );
    assert!(root.join("target").exists());
}

#[test]
fn directories_create_remove_and_their_errors() {
    let Fixture {
        mut h, root, _tmp, ..
    } = fixture();
    assert_eq!(
        on_path(&mut h, "path_create_directory", 3, "d"),
        Errno::SUCCESS
    );
    assert!(root.join("d").is_dir());
    assert_eq!(
        on_path(&mut h, "path_create_directory", 3, "d"),
        Errno::EXIST
    );
    assert_eq!(
        on_path(&mut h, "path_create_directory", 3, "x/y"),
        Errno::NOENT
    );
    std::fs::write(root.join("d/file"), b"").unwrap();
    assert_eq!(
        on_path(&mut h, "path_create_directory", 3, "d/file/z"),
        Errno::NOTDIR
    );
    assert_eq!(
        on_path(&mut h, "path_remove_directory", 3, "d"),
        Errno::NOTEMPTY
    );
    assert_eq!(
        on_path(&mut h, "path_remove_directory", 3, "d/file"),
        Errno::NOTDIR
    );
    assert_eq!(on_path(&mut h, "path_unlink_file", 3, "d"), Errno::ISDIR);
    assert_eq!(
        on_path(&mut h, "path_unlink_file", 3, "d/file"),
        Errno::SUCCESS
    );
    assert_eq!(
        on_path(&mut h, "path_unlink_file", 3, "d/file"),
        Errno::NOENT
    );
    assert_eq!(
        on_path(&mut h, "path_remove_directory", 3, "d"),
        Errno::SUCCESS
    );
    assert_eq!(
        on_path(&mut h, "path_remove_directory", 3, "d"),
        Errno::NOENT
    );
    assert!(!root.join("d").exists());
    for name in [
        "path_create_directory",
        "path_remove_directory",
        "path_unlink_file",
    ] {
        assert_eq!(h.call(name, &[3, BAD_PTR, 4]), Errno::FAULT, "{name}");
        assert_eq!(on_path(&mut h, name, 0, "d"), Errno::BADF, "{name}");
        assert_eq!(on_path(&mut h, name, 50, "d"), Errno::BADF, "{name}");
    }
}

#[test]
fn rename_and_hard_link() {
    let Fixture {
        mut h, root, _tmp, ..
    } = fixture();
    std::fs::write(root.join("a"), b"A").unwrap();
    std::fs::create_dir(root.join("dir")).unwrap();
    let dir = h.open(3, "dir", oflags::DIRECTORY, 0, 0).unwrap();
    let (a, al) = h.str_at(3000, "a");
    let (b, bl) = h.str_at(3100, "b");
    // Across two directory fds.
    assert_eq!(
        h.call("path_rename", &[3, a, al, dir.into(), b, bl]),
        Errno::SUCCESS
    );
    assert_eq!(std::fs::read(root.join("dir/b")).unwrap(), b"A");
    assert_eq!(
        h.call("path_rename", &[3, a, al, dir.into(), b, bl]),
        Errno::NOENT
    );
    // Hard link back, then check the link count.
    assert_eq!(
        h.call("path_link", &[dir.into(), 0, b, bl, 3, a, al]),
        Errno::SUCCESS
    );
    assert_eq!(std::fs::metadata(root.join("a")).unwrap().nlink(), 2);
    assert_eq!(
        h.call("path_link", &[dir.into(), 0, b, bl, 3, a, al]),
        Errno::EXIST
    );
    assert_eq!(
        h.call("path_link", &[dir.into(), 1, b, bl, 3, a, al]),
        Errno::INVAL,
        "follow"
    );
    let (d, dl) = h.str_at(3200, "dir");
    let (e, el) = h.str_at(3300, "dir2");
    assert_eq!(
        h.call("path_link", &[3, 0, d, dl, 3, e, el]),
        Errno::PERM,
        "directory"
    );
    // Renaming a directory onto a non-empty one.
    std::fs::create_dir(root.join("full")).unwrap();
    std::fs::write(root.join("full/x"), b"").unwrap();
    let (f, fl) = h.str_at(3400, "full");
    assert_eq!(
        h.call("path_rename", &[3, d, dl, 3, f, fl]),
        Errno::NOTEMPTY
    );
    assert_eq!(h.call("path_rename", &[3, a, al, 3, d, dl]), Errno::ISDIR);
    assert_eq!(h.call("path_rename", &[3, a, al, 1, b, bl]), Errno::BADF);
    assert_eq!(
        h.call("path_rename", &[3, BAD_PTR, 1, 3, b, bl]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("path_link", &[3, 0, a, al, 3, BAD_PTR, 2]),
        Errno::FAULT
    );
}

#[test]
fn filestat_get_and_set_times_by_path() {
    let Fixture {
        mut h, root, _tmp, ..
    } = fixture();
    std::fs::write(root.join("f"), b"12345").unwrap();
    let (ft, size, ino) = stat(&mut h, 3, true, "f").unwrap();
    assert_eq!(
        (ft, size, ino),
        (
            filetype::REGULAR_FILE,
            5,
            std::fs::metadata(root.join("f")).unwrap().ino()
        )
    );
    assert_eq!(stat(&mut h, 3, true, ".").unwrap().0, filetype::DIRECTORY);
    assert_eq!(stat(&mut h, 3, true, "missing"), Err(Errno::NOENT));
    assert_eq!(stat(&mut h, 3, true, "f/x"), Err(Errno::NOTDIR));
    let (p, pl) = h.str_at(3000, "f");
    assert_eq!(
        h.call("path_filestat_get", &[3, 1, p, pl, BAD_PTR]),
        Errno::FAULT
    );
    assert_eq!(
        h.call("path_filestat_get", &[3, 4, p, pl, 500]),
        Errno::INVAL
    );

    let t = 1_600_000_000_000_000_000u64;
    let both = u64::from(abi::fstflags::ATIM | abi::fstflags::MTIM);
    assert_eq!(
        h.call("path_filestat_set_times", &[3, 1, p, pl, t, t + 5, both]),
        Errno::SUCCESS
    );
    let md = std::fs::metadata(root.join("f")).unwrap();
    assert_eq!(
        md.atime() as u64 * 1_000_000_000 + md.atime_nsec() as u64,
        t
    );
    assert_eq!(
        md.mtime() as u64 * 1_000_000_000 + md.mtime_nsec() as u64,
        t + 5
    );
    let now = u64::from(abi::fstflags::MTIM_NOW);
    assert_eq!(
        h.call("path_filestat_set_times", &[3, 1, p, pl, 0, 0, now]),
        Errno::SUCCESS
    );
    let md = std::fs::metadata(root.join("f")).unwrap();
    assert_eq!(
        md.atime() as u64 * 1_000_000_000 + md.atime_nsec() as u64,
        t,
        "atime omitted"
    );
    assert!(md.mtime() as u64 > t / 1_000_000_000);
    // Without SYMLINK_FOLLOW the link's own times change, not the target's.
    std::os::unix::fs::symlink("f", root.join("l")).unwrap();
    let (l, ll) = h.str_at(3100, "l");
    assert_eq!(
        h.call("path_filestat_set_times", &[3, 0, l, ll, t, t, both]),
        Errno::SUCCESS
    );
    let lmd = std::fs::symlink_metadata(root.join("l")).unwrap();
    assert_eq!(lmd.mtime() as u64, t / 1_000_000_000);
    assert_ne!(
        std::fs::metadata(root.join("f")).unwrap().mtime() as u64,
        t / 1_000_000_000
    );
    let bad = u64::from(abi::fstflags::MTIM | abi::fstflags::MTIM_NOW);
    assert_eq!(
        h.call("path_filestat_set_times", &[3, 1, p, pl, 0, 0, bad]),
        Errno::INVAL
    );
    let (m, ml) = h.str_at(3200, "missing");
    assert_eq!(
        h.call("path_filestat_set_times", &[3, 1, m, ml, t, t, both]),
        Errno::NOENT
    );
}
