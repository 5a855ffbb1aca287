//! `path_*` functions. Each test also tries the sandbox escapes that apply to the function.

use super::*;

/// A sandbox with `a/b/c.txt` ("hello"), `file.txt` ("data"), `link` -> `a/b/c.txt` and
/// `a/../` structure to walk through.
fn tree() -> Sandbox {
    let s = Sandbox::new();
    touch(&s.root, "a/b/c.txt", b"hello");
    touch(&s.root, "file.txt", b"data");
    std::os::unix::fs::symlink("a/b/c.txt", s.host("link")).unwrap();
    s
}

#[test]
fn path_create_directory() {
    let mut s = tree();
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "new"),
        Errno::SUCCESS
    );
    assert!(s.host("new").is_dir());
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "a/b/d"),
        Errno::SUCCESS
    );
    assert!(s.host("a/b/d").is_dir());
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "new"),
        Errno::EXIST
    );
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "file.txt"),
        Errno::EXIST
    );
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "x/y"),
        Errno::NOENT
    );
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "file.txt/x"),
        Errno::NOTDIR
    );
    for esc in [
        "../escaped",
        "/tmp/escaped",
        "outdir/escaped",
        "a/../../escaped",
    ] {
        assert_eq!(
            s.on_path("path_create_directory", ROOT, esc),
            Errno::PERM,
            "{esc}"
        );
    }
    assert_eq!(s.on_path("path_create_directory", 77, "z"), Errno::BADF);
    let f = s.open(ROOT, "file.txt", 0, R).unwrap();
    assert_eq!(
        s.on_path("path_create_directory", f, "z"),
        Errno::NOTDIR,
        "dirfd is a file"
    );
    assert_eq!(
        s.call("path_create_directory", &[ROOT, BAD, 3]),
        Errno::FAULT
    );
    assert_eq!(
        s.on_path("path_create_directory", ROOT, "nul\0byte"),
        Errno::INVAL
    );
    s.assert_outside_untouched();
}

#[test]
fn path_filestat_get() {
    let mut s = tree();
    assert_eq!(s.stat("a/b/c.txt", true), Ok((FT_FILE, 5)));
    assert_eq!(s.stat("a", true).map(|st| st.0), Ok(FT_DIR));
    assert_eq!(s.stat("link", true), Ok((FT_FILE, 5)), "followed");
    assert_eq!(
        s.stat("link", false).map(|st| st.0),
        Ok(FT_SYMLINK),
        "lstat"
    );
    assert_eq!(s.stat("a/./b/../b/c.txt", true), Ok((FT_FILE, 5)));
    assert_eq!(s.stat("missing", true), Err(Errno::NOENT));
    assert_eq!(s.stat("file.txt/x", true), Err(Errno::NOTDIR));
    for esc in ESCAPES {
        assert_eq!(s.stat(esc, true), Err(Errno::PERM), "{esc}");
    }
    assert_eq!(
        s.stat("esc", false).map(|st| st.0),
        Ok(FT_SYMLINK),
        "the link itself is inside"
    );
    let (p, l) = s.s(STR, "file.txt");
    assert_eq!(
        s.call("path_filestat_get", &[ROOT, 1, p, l, BAD]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("path_filestat_get", &[ROOT, 1, BAD, l, DATA.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("path_filestat_get", &[ROOT, 2, p, l, DATA.into()]),
        Errno::INVAL
    );
    assert_eq!(
        s.call("path_filestat_get", &[77, 1, p, l, DATA.into()]),
        Errno::BADF
    );
}

#[test]
fn path_filestat_set_times() {
    use std::os::unix::fs::MetadataExt;
    let mut s = tree();
    let t = 1_234_567_890_000_000_000u64;
    let (p, l) = s.s(STR, "link");
    assert_eq!(
        s.call("path_filestat_set_times", &[ROOT, 1, p, l, t, t, 1 | 4]),
        Errno::SUCCESS
    );
    assert_eq!(
        std::fs::metadata(s.host("a/b/c.txt")).unwrap().mtime(),
        1_234_567_890
    );
    // Without SYMLINK_FOLLOW the link itself changes.
    assert_eq!(
        s.call(
            "path_filestat_set_times",
            &[ROOT, 0, p, l, t + 10, t + 10, 4]
        ),
        Errno::SUCCESS
    );
    assert_eq!(
        std::fs::symlink_metadata(s.host("link"))
            .unwrap()
            .mtime_nsec(),
        10
    );
    assert_eq!(
        std::fs::metadata(s.host("a/b/c.txt")).unwrap().mtime_nsec(),
        0
    );
    assert_eq!(
        s.call("path_filestat_set_times", &[ROOT, 1, p, l, t, t, 4 | 8]),
        Errno::INVAL
    );
    let (m, ml) = s.s(STR2, "missing");
    assert_eq!(
        s.call("path_filestat_set_times", &[ROOT, 1, m, ml, t, t, 4]),
        Errno::NOENT
    );
    for esc in ESCAPES {
        let (e, el) = s.s(STR2, esc);
        assert_eq!(
            s.call("path_filestat_set_times", &[ROOT, 1, e, el, t, t, 4]),
            Errno::PERM,
            "{esc}"
        );
    }
    assert_eq!(
        s.call("path_filestat_set_times", &[77, 1, p, l, t, t, 4]),
        Errno::BADF
    );
    assert_eq!(
        s.call("path_filestat_set_times", &[ROOT, 1, BAD, 4, t, t, 4]),
        Errno::FAULT
    );
    s.assert_outside_untouched();
}

/// `path_link(ROOT, 0, old, ROOT, new)`.
fn link(s: &mut Sandbox, old: &str, new: &str) -> Errno {
    let (o, ol) = s.s(STR, old);
    let (n, nl) = s.s(STR2, new);
    s.call("path_link", &[ROOT, 0, o, ol, ROOT, n, nl])
}

#[test]
fn path_link() {
    let mut s = tree();
    assert_eq!(link(&mut s, "file.txt", "hard"), Errno::SUCCESS);
    assert_eq!(std::fs::read(s.host("hard")).unwrap(), b"data");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(s.host("file.txt")).unwrap().nlink(), 2);
    assert_eq!(link(&mut s, "file.txt", "hard"), Errno::EXIST);
    assert_eq!(link(&mut s, "missing", "x"), Errno::NOENT);
    assert_eq!(link(&mut s, "file.txt/x", "x"), Errno::NOTDIR);
    assert_eq!(
        link(&mut s, "a", "dirlink"),
        Errno::PERM,
        "directories cannot be linked"
    );
    for esc in ["../outside/secret.txt", "outdir/secret.txt", "/etc/passwd"] {
        assert_eq!(link(&mut s, esc, "stolen"), Errno::PERM, "{esc}");
    }
    for esc in ["../planted", "outdir/planted", "/tmp/planted"] {
        assert_eq!(link(&mut s, "file.txt", esc), Errno::PERM, "{esc}");
    }
    let (o, ol) = s.s(STR, "file.txt");
    let (n, nl) = s.s(STR2, "y");
    assert_eq!(
        s.call("path_link", &[ROOT, 1, o, ol, ROOT, n, nl]),
        Errno::INVAL,
        "follow"
    );
    assert_eq!(
        s.call("path_link", &[77, 0, o, ol, ROOT, n, nl]),
        Errno::BADF
    );
    assert_eq!(
        s.call("path_link", &[ROOT, 0, o, ol, 77, n, nl]),
        Errno::BADF
    );
    assert_eq!(
        s.call("path_link", &[ROOT, 0, BAD, ol, ROOT, n, nl]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("path_link", &[ROOT, 0, o, ol, ROOT, BAD, nl]),
        Errno::FAULT
    );
    s.assert_outside_untouched();
}

#[test]
fn path_open() {
    let mut s = tree();
    // Existing file, read-only: reads work.
    let fd = s.open(ROOT, "a/b/c.txt", 0, R).unwrap();
    assert_eq!(fd, 4);
    assert_eq!(s.read(fd, 10).unwrap(), b"hello");
    // CREAT | EXCL creates, then EEXIST.
    let fd = s.open(ROOT, "new.txt", CREAT | EXCL, RW).unwrap();
    assert_eq!(s.write(fd, b"fresh"), Ok(5));
    assert_eq!(std::fs::read(s.host("new.txt")).unwrap(), b"fresh");
    assert_eq!(s.open(ROOT, "new.txt", CREAT | EXCL, RW), Err(Errno::EXIST));
    // TRUNC empties; APPEND appends.
    s.open(ROOT, "new.txt", TRUNC, W).unwrap();
    assert_eq!(std::fs::read(s.host("new.txt")).unwrap(), b"");
    let fd = s.open_ext(ROOT, 1, "file.txt", 0, W, APPEND).unwrap();
    assert_eq!(s.write(fd, b"+more"), Ok(5));
    assert_eq!(std::fs::read(s.host("file.txt")).unwrap(), b"data+more");
    // Directories.
    let d = s.open(ROOT, "a", DIRECTORY, 0).unwrap();
    assert_eq!(
        s.open(d, "b/c.txt", 0, R).map(|_| ()),
        Ok(()),
        "relative to a dir fd"
    );
    assert_eq!(s.open(ROOT, "file.txt", DIRECTORY, 0), Err(Errno::NOTDIR));
    assert_eq!(
        s.open(ROOT, "a", 0, RW),
        Err(Errno::ISDIR),
        "a directory for writing"
    );
    assert_eq!(s.open(ROOT, "a", DIRECTORY | CREAT, 0), Err(Errno::INVAL));
    // Missing, not a directory, symlinks.
    assert_eq!(s.open(ROOT, "missing", 0, R), Err(Errno::NOENT));
    assert_eq!(s.open(ROOT, "nodir/new", CREAT, RW), Err(Errno::NOENT));
    assert_eq!(s.open(ROOT, "file.txt/x", 0, R), Err(Errno::NOTDIR));
    let f = s.open(ROOT, "file.txt", 0, R).unwrap();
    assert_eq!(s.open(f, "x", 0, R), Err(Errno::NOTDIR), "dirfd is a file");
    assert!(s.open(ROOT, "link", 0, R).is_ok(), "followed");
    assert_eq!(
        s.open_ext(ROOT, 0, "link", 0, R, 0),
        Err(Errno::LOOP),
        "not followed"
    );
    // Escapes, for reading and for creating.
    for esc in ESCAPES {
        assert_eq!(s.open(ROOT, esc, 0, R), Err(Errno::PERM), "{esc}");
        assert_eq!(
            s.open(ROOT, esc, CREAT | TRUNC, RW),
            Err(Errno::PERM),
            "{esc}"
        );
    }
    assert_eq!(s.open(ROOT, "..", DIRECTORY, 0), Err(Errno::PERM));
    assert!(
        s.open(ROOT, "a/..", DIRECTORY, 0).is_ok(),
        "`..` that stays inside"
    );
    // Bad arguments: nothing is created.
    assert_eq!(s.open(77, "x", CREAT, RW), Err(Errno::BADF));
    assert_eq!(
        s.open(1, "x", CREAT, RW),
        Err(Errno::BADF),
        "stdout is not a directory"
    );
    let (p, l) = s.s(STR, "created");
    assert_eq!(
        s.call("path_open", &[ROOT, 1, p, l, CREAT, RW, RW, 0, BAD]),
        Errno::FAULT
    );
    assert_eq!(
        s.call(
            "path_open",
            &[ROOT, 1, BAD, l, CREAT, RW, RW, 0, OUT.into()]
        ),
        Errno::FAULT
    );
    assert!(!s.host("created").exists());
    assert_eq!(
        s.call("path_open", &[ROOT, 1, p, l, 1 << 7, RW, RW, 0, OUT.into()]),
        Errno::INVAL,
        "unknown oflags"
    );
    s.assert_outside_untouched();
}

/// `path_readlink(ROOT, path, DATA, len, OUT)`.
fn readlink(s: &mut Sandbox, path: &str, len: u64) -> Result<Vec<u8>, Errno> {
    let (p, l) = s.s(STR, path);
    match s.call("path_readlink", &[ROOT, p, l, DATA.into(), len, OUT.into()]) {
        Errno::SUCCESS => Ok(s.get(DATA, s.u32(OUT) as usize).to_vec()),
        e => Err(e),
    }
}

#[test]
fn path_readlink() {
    let mut s = tree();
    assert_eq!(readlink(&mut s, "link", 100).unwrap(), b"a/b/c.txt");
    assert_eq!(
        readlink(&mut s, "link", 4).unwrap(),
        b"a/b/",
        "truncated to the buffer"
    );
    // Reading an escaping link is allowed: it reveals its text, not its target.
    assert_eq!(
        readlink(&mut s, "esc", 100).unwrap(),
        b"../outside/secret.txt"
    );
    assert_eq!(
        readlink(&mut s, "file.txt", 100),
        Err(Errno::INVAL),
        "not a link"
    );
    assert_eq!(readlink(&mut s, "missing", 100), Err(Errno::NOENT));
    assert_eq!(readlink(&mut s, "file.txt/x", 100), Err(Errno::NOTDIR));
    for esc in ["../outside/x", "outdir/x", "/etc/x"] {
        assert_eq!(readlink(&mut s, esc, 100), Err(Errno::PERM), "{esc}");
    }
    let (p, l) = s.s(STR, "link");
    assert_eq!(
        s.call("path_readlink", &[ROOT, p, l, BAD, 10, OUT.into()]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("path_readlink", &[ROOT, p, l, DATA.into(), 10, BAD]),
        Errno::FAULT
    );
    assert_eq!(
        s.call("path_readlink", &[77, p, l, DATA.into(), 10, OUT.into()]),
        Errno::BADF
    );
}

#[test]
fn path_remove_directory() {
    let mut s = tree();
    std::fs::create_dir(s.host("empty")).unwrap();
    assert_eq!(
        s.on_path("path_remove_directory", ROOT, "empty"),
        Errno::SUCCESS
    );
    assert!(!s.host("empty").exists());
    assert_eq!(
        s.on_path("path_remove_directory", ROOT, "a"),
        Errno::NOTEMPTY
    );
    assert_eq!(
        s.on_path("path_remove_directory", ROOT, "file.txt"),
        Errno::NOTDIR
    );
    assert_eq!(
        s.on_path("path_remove_directory", ROOT, "empty"),
        Errno::NOENT
    );
    for esc in ["..", "../outside", "outdir", "outdir/.", "a/../.."] {
        let e = s.on_path("path_remove_directory", ROOT, esc);
        assert!(matches!(e, Errno::PERM | Errno::NOTDIR), "{esc}: {e:?}");
    }
    assert_eq!(s.on_path("path_remove_directory", 77, "a"), Errno::BADF);
    assert_eq!(
        s.call("path_remove_directory", &[ROOT, BAD, 1]),
        Errno::FAULT
    );
    assert!(s.outside.is_dir() && s.root.is_dir());
    s.assert_outside_untouched();
}

/// `path_rename(ROOT, old, ROOT, new)`.
fn rename(s: &mut Sandbox, old: &str, new: &str) -> Errno {
    let (o, ol) = s.s(STR, old);
    let (n, nl) = s.s(STR2, new);
    s.call("path_rename", &[ROOT, o, ol, ROOT, n, nl])
}

#[test]
fn path_rename() {
    let mut s = tree();
    assert_eq!(rename(&mut s, "file.txt", "renamed.txt"), Errno::SUCCESS);
    assert_eq!(std::fs::read(s.host("renamed.txt")).unwrap(), b"data");
    assert!(!s.host("file.txt").exists());
    assert_eq!(
        rename(&mut s, "a/b", "moved"),
        Errno::SUCCESS,
        "a directory"
    );
    assert!(s.host("moved/c.txt").is_file());
    touch(&s.root, "victim", b"old");
    assert_eq!(
        rename(&mut s, "renamed.txt", "victim"),
        Errno::SUCCESS,
        "replaces a file"
    );
    assert_eq!(std::fs::read(s.host("victim")).unwrap(), b"data");
    assert_eq!(rename(&mut s, "missing", "x"), Errno::NOENT);
    assert_eq!(
        rename(&mut s, "victim", "moved"),
        Errno::ISDIR,
        "file over a directory"
    );
    assert_eq!(
        rename(&mut s, "moved", "victim"),
        Errno::NOTDIR,
        "directory over a file"
    );
    std::fs::create_dir(s.host("a/full")).unwrap();
    touch(&s.root, "a/full/x", b"");
    std::fs::create_dir(s.host("src")).unwrap();
    assert_eq!(rename(&mut s, "src", "a"), Errno::NOTEMPTY);
    assert_eq!(rename(&mut s, "victim/x", "y"), Errno::NOTDIR);
    for esc in ["../stolen", "outdir/stolen", "/tmp/stolen"] {
        assert_eq!(rename(&mut s, "victim", esc), Errno::PERM, "{esc}");
    }
    for esc in ["../outside/secret.txt", "outdir/secret.txt"] {
        assert_eq!(rename(&mut s, esc, "mine"), Errno::PERM, "{esc}");
    }
    let (o, ol) = s.s(STR, "victim");
    assert_eq!(
        s.call("path_rename", &[77, o, ol, ROOT, o, ol]),
        Errno::BADF
    );
    assert_eq!(
        s.call("path_rename", &[ROOT, o, ol, 77, o, ol]),
        Errno::BADF
    );
    assert_eq!(
        s.call("path_rename", &[ROOT, BAD, ol, ROOT, o, ol]),
        Errno::FAULT
    );
    assert!(s.host("victim").exists());
    s.assert_outside_untouched();
}

/// `path_symlink(target, ROOT, link)`.
fn symlink(s: &mut Sandbox, target: &str, link: &str) -> Errno {
    let (t, tl) = s.s(STR, target);
    let (l, ll) = s.s(STR2, link);
    s.call("path_symlink", &[t, tl, ROOT, l, ll])
}

#[test]
fn path_symlink() {
    let mut s = tree();
    assert_eq!(symlink(&mut s, "file.txt", "sym"), Errno::SUCCESS);
    assert_eq!(
        std::fs::read_link(s.host("sym")).unwrap(),
        Path::new("file.txt")
    );
    let fd = s.open(ROOT, "sym", 0, R).unwrap();
    assert_eq!(s.read(fd, 10).unwrap(), b"data");
    assert_eq!(
        symlink(&mut s, "dangling", "dang"),
        Errno::SUCCESS,
        "target need not exist"
    );
    assert_eq!(symlink(&mut s, "file.txt", "sym"), Errno::EXIST);
    assert_eq!(symlink(&mut s, "file.txt", "file.txt"), Errno::EXIST);
    assert_eq!(symlink(&mut s, "x", "nodir/sym"), Errno::NOENT);
    assert_eq!(symlink(&mut s, "x", "file.txt/sym"), Errno::NOTDIR);
    // An absolute target is refused; a relative one that climbs out can be made, not followed.
    assert_eq!(symlink(&mut s, "/etc/passwd", "abs2"), Errno::PERM);
    assert_eq!(
        symlink(&mut s, "../outside/secret.txt", "rel"),
        Errno::SUCCESS
    );
    assert_eq!(s.open(ROOT, "rel", 0, R), Err(Errno::PERM));
    for esc in ["../planted", "outdir/planted", "/tmp/planted"] {
        assert_eq!(symlink(&mut s, "file.txt", esc), Errno::PERM, "{esc}");
    }
    let (t, tl) = s.s(STR, "file.txt");
    assert_eq!(s.call("path_symlink", &[t, tl, 77, t, tl]), Errno::BADF);
    assert_eq!(
        s.call("path_symlink", &[BAD, tl, ROOT, t, tl]),
        Errno::FAULT
    );
    s.assert_outside_untouched();
}

#[test]
fn path_unlink_file() {
    let mut s = tree();
    assert_eq!(
        s.on_path("path_unlink_file", ROOT, "file.txt"),
        Errno::SUCCESS
    );
    assert!(!s.host("file.txt").exists());
    assert_eq!(
        s.on_path("path_unlink_file", ROOT, "link"),
        Errno::SUCCESS,
        "the link"
    );
    assert!(s.host("a/b/c.txt").exists(), "not its target");
    // An escaping symlink is inside the sandbox: removing it is fine, its target stays.
    assert_eq!(s.on_path("path_unlink_file", ROOT, "esc"), Errno::SUCCESS);
    assert_eq!(s.on_path("path_unlink_file", ROOT, "a"), Errno::ISDIR);
    assert_eq!(
        s.on_path("path_unlink_file", ROOT, "file.txt"),
        Errno::NOENT
    );
    assert_eq!(
        s.on_path("path_unlink_file", ROOT, "a/b/c.txt/x"),
        Errno::NOTDIR
    );
    for esc in ["../outside/secret.txt", "outdir/secret.txt", "/etc/passwd"] {
        assert_eq!(
            s.on_path("path_unlink_file", ROOT, esc),
            Errno::PERM,
            "{esc}"
        );
    }
    assert_eq!(s.on_path("path_unlink_file", 77, "a/b/c.txt"), Errno::BADF);
    assert_eq!(s.call("path_unlink_file", &[ROOT, BAD, 3]), Errno::FAULT);
    s.assert_outside_untouched();
}
