//! Whole-module tests: signatures, builder, fd table.

use super::testing::{Harness, TempDir};
use super::*;

/// Every function of the snapshot with its exact wasm signature (from
/// `wasi_snapshot_preview1.witx`; `true` = has the `i32` errno result).
const SIGNATURES: &[(&str, &[ValType], bool)] = &[
    ("args_get", &[I32, I32], true),
    ("args_sizes_get", &[I32, I32], true),
    ("environ_get", &[I32, I32], true),
    ("environ_sizes_get", &[I32, I32], true),
    ("clock_res_get", &[I32, I32], true),
    ("clock_time_get", &[I32, I64, I32], true),
    ("fd_advise", &[I32, I64, I64, I32], true),
    ("fd_allocate", &[I32, I64, I64], true),
    ("fd_close", &[I32], true),
    ("fd_datasync", &[I32], true),
    ("fd_fdstat_get", &[I32, I32], true),
    ("fd_fdstat_set_flags", &[I32, I32], true),
    ("fd_fdstat_set_rights", &[I32, I64, I64], true),
    ("fd_filestat_get", &[I32, I32], true),
    ("fd_filestat_set_size", &[I32, I64], true),
    ("fd_filestat_set_times", &[I32, I64, I64, I32], true),
    ("fd_pread", &[I32, I32, I32, I64, I32], true),
    ("fd_prestat_get", &[I32, I32], true),
    ("fd_prestat_dir_name", &[I32, I32, I32], true),
    ("fd_pwrite", &[I32, I32, I32, I64, I32], true),
    ("fd_read", &[I32, I32, I32, I32], true),
    ("fd_readdir", &[I32, I32, I32, I64, I32], true),
    ("fd_renumber", &[I32, I32], true),
    ("fd_seek", &[I32, I64, I32, I32], true),
    ("fd_sync", &[I32], true),
    ("fd_tell", &[I32, I32], true),
    ("fd_write", &[I32, I32, I32, I32], true),
    ("path_create_directory", &[I32, I32, I32], true),
    ("path_filestat_get", &[I32, I32, I32, I32, I32], true),
    (
        "path_filestat_set_times",
        &[I32, I32, I32, I32, I64, I64, I32],
        true,
    ),
    ("path_link", &[I32, I32, I32, I32, I32, I32, I32], true),
    (
        "path_open",
        &[I32, I32, I32, I32, I32, I64, I64, I32, I32],
        true,
    ),
    ("path_readlink", &[I32, I32, I32, I32, I32, I32], true),
    ("path_remove_directory", &[I32, I32, I32], true),
    ("path_rename", &[I32, I32, I32, I32, I32, I32], true),
    ("path_symlink", &[I32, I32, I32, I32, I32], true),
    ("path_unlink_file", &[I32, I32, I32], true),
    ("poll_oneoff", &[I32, I32, I32, I32], true),
    ("proc_exit", &[I32], false),
    ("proc_raise", &[I32], true),
    ("sched_yield", &[], true),
    ("random_get", &[I32, I32], true),
    ("sock_accept", &[I32, I32, I32], true),
    ("sock_recv", &[I32, I32, I32, I32, I32, I32], true),
    ("sock_send", &[I32, I32, I32, I32, I32], true),
    ("sock_shutdown", &[I32, I32], true),
];

#[test]
fn every_function_is_defined_with_its_exact_signature() {
    let h = Harness::new(WasiCtxBuilder::new().build());
    assert_eq!(SIGNATURES.len(), 46);
    for &(name, params, has_result) in SIGNATURES {
        let f = h
            .linker
            .get(MODULE, name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(f.params(), params, "{name} params");
        let results: &[ValType] = if has_result { &[I32] } else { &[] };
        assert_eq!(f.results(), results, "{name} results");
    }
    // The go:wasmimport declarations of Go 1.27 that name these functions all match.
    assert!(h.linker.get(MODULE, "fd_fdstat_get").is_some());
    assert!(h.linker.get(MODULE, "not_a_wasi_function").is_none());
}

#[test]
fn too_few_argument_slots_is_a_host_error_not_a_panic() {
    let mut h = Harness::new(WasiCtxBuilder::new().build());
    let f = h.linker.get(MODULE, "fd_write").unwrap();
    let mut mem = vec![0u8; 64];
    let mut args = [1u64, 0];
    let r = f.call_with(
        &mut Caller::with_data(GuestMemory::new(&mut mem), &mut h.ctx),
        &mut args,
    );
    assert!(matches!(r, Err(HostError::Failed(msg)) if msg.contains("fd_write")));
}

#[test]
fn preopens_follow_stdio_and_errors_name_the_path() {
    let a = TempDir::new("preopen-a");
    let b = TempDir::new("preopen-b");
    let mut h = Harness::new(
        WasiCtxBuilder::new()
            .preopened_dir(a.path(), "/")
            .unwrap()
            .preopened_dir(b.path(), "/tmp")
            .unwrap()
            .build(),
    );
    assert_eq!(h.call("fd_prestat_get", &[3, 100]), Errno::SUCCESS);
    assert_eq!(h.u32_at(104), 1);
    assert_eq!(h.call("fd_prestat_get", &[4, 100]), Errno::SUCCESS);
    assert_eq!(h.u32_at(104), 4);
    assert_eq!(h.call("fd_prestat_get", &[5, 100]), Errno::BADF);

    let missing = a.path().join("does-not-exist");
    let err = match WasiCtxBuilder::new().preopened_dir(&missing, "/x") {
        Err(e) => e,
        Ok(_) => panic!("preopening a missing directory succeeded"),
    };
    assert!(err.to_string().contains("does-not-exist"), "{err}");
    let WasiError::OpenDir { source, .. } = &err else {
        panic!("not an OpenDir error: {err:?}");
    };
    assert_eq!(source.kind(), io::ErrorKind::NotFound);
}

#[test]
fn fd_table_allocates_the_lowest_free_number_and_renumbers() {
    let mut t = FdTable::default();
    let custom = || Desc::Output(Output::Custom(Box::new(io::sink())));
    assert_eq!(t.push(custom()), 0);
    assert_eq!(t.push(custom()), 1);
    assert_eq!(t.push(custom()), 2);
    t.remove(1).unwrap();
    assert_eq!(t.push(custom()), 1);
    assert_eq!(t.push(custom()), 3);
    assert!(t.remove(7).is_err());
    assert_eq!(t.renumber(3, 0), Ok(()));
    assert!(t.get(3).is_err());
    assert!(t.get(0).is_ok());
    assert_eq!(t.renumber(3, 0), Err(Errno::BADF));
    assert_eq!(t.renumber(0, 9), Err(Errno::BADF));
    assert_eq!(t.renumber(2, 2), Ok(()));
    assert!(t.get(2).is_ok());
}

#[test]
fn shared_buffer_captures_guest_stdout_and_stderr_separately() {
    let out = SharedBuffer::new();
    let err = SharedBuffer::new();
    let mut h = Harness::new(
        WasiCtxBuilder::new()
            .stdout(Box::new(out.clone()))
            .stderr(Box::new(err.clone()))
            .build(),
    );
    h.put(1000, b"hello, world\n");
    h.iovec(100, 1000, 13);
    assert_eq!(h.call("fd_write", &[1, 100, 1, 200]), Errno::SUCCESS);
    assert_eq!(h.u32_at(200), 13);
    h.iovec(100, 1000, 5);
    assert_eq!(h.call("fd_write", &[2, 100, 1, 200]), Errno::SUCCESS);
    assert_eq!(out.contents(), b"hello, world\n");
    assert_eq!(err.contents(), b"hello");
}

#[test]
fn stderr_tail_keeps_what_fd_2_got_since_a_mark() {
    let err = SharedBuffer::new();
    let mut h = Harness::new(
        WasiCtxBuilder::new()
            .stdout(Box::new(SharedBuffer::new()))
            .stderr(Box::new(err.clone()))
            .build(),
    );
    fn tail(h: &Harness) -> &OutputTail {
        &h.ctx.stderr_tail
    }
    assert_eq!(tail(&h).since(tail(&h).position()), None);
    h.put(1000, b"before\npanic: boom\n");
    h.iovec(100, 1000, 7);
    assert_eq!(h.call("fd_write", &[2, 100, 1, 200]), Errno::SUCCESS);
    let mark = tail(&h).position();
    assert_eq!(mark, 7);
    // Two iovecs, one empty: the bytes after the mark, in order.
    h.iovec(100, 1007, 0);
    h.iovec(108, 1007, 12);
    assert_eq!(h.call("fd_write", &[2, 100, 2, 200]), Errno::SUCCESS);
    // stdout is not recorded.
    assert_eq!(h.call("fd_write", &[1, 108, 1, 200]), Errno::SUCCESS);
    assert_eq!(tail(&h).since(mark).as_deref(), Some("panic: boom\n"));
    assert_eq!(tail(&h).since(0).as_deref(), Some("before\npanic: boom\n"));
    // The text still reaches the stream itself.
    assert_eq!(err.contents(), b"before\npanic: boom\n");
}

#[test]
fn stderr_tail_is_bounded() {
    let mut tail = OutputTail::default();
    let big: Vec<u8> = (0..3 * OutputTail::CAPACITY)
        .map(|i| b'a' + (i % 26) as u8)
        .collect();
    tail.record(&big[..100]);
    let mark = tail.position();
    for chunk in big[100..].chunks(1000) {
        tail.record(chunk);
    }
    tail.record(b"");
    let since = tail.since(mark).expect("written");
    assert_eq!(since.len(), OutputTail::CAPACITY);
    assert_eq!(since.as_bytes(), &big[big.len() - OutputTail::CAPACITY..]);
    // Less than the capacity since the mark: exactly that.
    let mark = tail.position();
    tail.record(b"xyz");
    assert_eq!(tail.since(mark).as_deref(), Some("xyz"));
    // A single write larger than the capacity keeps its end.
    let mark = tail.position();
    tail.record(&big);
    assert_eq!(
        tail.since(mark).expect("written").as_bytes(),
        &big[big.len() - OutputTail::CAPACITY..]
    );
    // Invalid UTF-8 is shown lossily rather than dropped.
    let mark = tail.position();
    tail.record(&[b'o', b'k', 0xff]);
    assert_eq!(tail.since(mark).as_deref(), Some("ok\u{fffd}"));
}
