#!/usr/bin/env bash
# Builds gojit for aarch64-unknown-linux-gnu and runs its tests under qemu-user, on an x86-64
# Linux host (as root). The host's rustup cannot add targets here, so the build happens in a
# Debian sid amd64 chroot whose Debian rustc has the arm64 standard library
# (libstd-rust-dev:arm64), linking with gcc-aarch64-linux-gnu; qemu-user runs the results.
#
#   scripts/aarch64.sh setup                 # create/update the chroot (idempotent)
#   scripts/aarch64.sh build [cargo args]    # setup, then build the test binaries (--no-run)
#   scripts/aarch64.sh test  [cargo args]    # setup, then `cargo test` for aarch64 under qemu
#   scripts/aarch64.sh shell [command...]    # a shell (or a command) in the chroot environment
#
# `test` with no arguments runs `cargo test --release --workspace`; with arguments it runs
# `cargo test --release <args>` (e.g. `--test go_programs`, `-p gojit-runtime --lib`).
#
# Environment:
#   GOJIT_AARCH64_CHROOT   the chroot (default /var/tmp/gojit-aarch64-chroot)
#   GOJIT_AARCH64_STATE    cargo home and target directory, bind-mounted into the chroot
#                          (default <chroot>-state)
#   GOJIT_AARCH64_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   GOJIT_AARCH64_SUITE    Debian suite (default sid)
#   GOJIT_TEST_TIMEOUT     seconds per program run in the tests (default here 1800, not 300:
#                          under qemu-user programs run 5-10 times slower)
#
# How the pieces fit:
#   - Everything runs in a private mount namespace (unshare), so the bind mounts (the repo at
#     /gojit, the state directory at /state, the pinned Go toolchain at /opt/go, /proc, /dev,
#     /sys) disappear when the command ends; nothing needs unmounting and runs can overlap.
#   - The test binaries are aarch64 and run under qemu-aarch64 (cargo's runner). They start
#     other aarch64 programs (the gojit binary, native linux/arm64 Go programs), so the
#     namespace also gets its own user namespace with a private binfmt_misc instance (Linux
#     >= 6.7) that hands aarch64 ELF files to qemu-aarch64: no host-wide binfmt registration.
#   - Go is the host's pinned toolchain (scripts/ensure-go.sh), an amd64 binary, which runs
#     natively in the amd64 chroot; the tests find it through $GOJIT_GO and build their
#     fixtures (wasip1/wasm and linux/arm64) into the aarch64 target directory as usual.
#   - The cargo target directory is <state>/target, separate from the host's: the chroot's
#     rustc is a different compiler.
set -euo pipefail

ROOT="${GOJIT_AARCH64_CHROOT:-/var/tmp/gojit-aarch64-chroot}"
STATE="${GOJIT_AARCH64_STATE:-${ROOT%/}-state}"
MIRROR="${GOJIT_AARCH64_MIRROR:-http://deb.debian.org/debian}"
SUITE="${GOJIT_AARCH64_SUITE:-sid}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRIPLE=aarch64-unknown-linux-gnu
# libc6:arm64 (multiarch) puts the aarch64 loader and libraries where aarch64 programs look for
# them, so qemu needs no -L prefix: with one, qemu resolves every absolute path under the prefix
# first, and a guest's `--dir=/` would open /usr/aarch64-linux-gnu instead of /.
PACKAGES=(rustc cargo libstd-rust-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  libc6:arm64 libgcc-s1:arm64 qemu-user ca-certificates)
# Bump to make `setup` re-run the package step on an existing chroot.
SETUP_STAMP="gojit-aarch64-setup-v2"

log() { echo "aarch64.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot, mounts)"
[ "$(uname -m)" = x86_64 ] || die "expects an x86-64 host (the chroot is amd64)"

# --- setup -------------------------------------------------------------------------------------

in_chroot_plain() { # a command in the chroot with /proc and /dev, no bind mounts of ours
  unshare --mount --propagation private -- bash -c '
    set -e
    r="$1"; shift
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --rbind /sys "$r/sys"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
  ' _ "$ROOT" "$@"
}

setup() {
  if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ ! -f "$ROOT/.gojit-debootstrap-done" ]; then
    if ! command -v debootstrap >/dev/null; then
      log "installing debootstrap on the host"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    fi
    log "debootstrap $SUITE into $ROOT (about a minute)"
    mkdir -p "$ROOT"
    # The host's keyring may predate the keys sid is signed with: fall back to no check.
    if ! debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOT" "$MIRROR"; then
      log "debootstrap with signature check failed; retrying with --no-check-gpg"
      rm -rf "$ROOT"
      mkdir -p "$ROOT"
      debootstrap --no-check-gpg --variant=minbase --include=ca-certificates \
        "$SUITE" "$ROOT" "$MIRROR"
    fi
    touch "$ROOT/.gojit-debootstrap-done"
  fi
  # DNS and the host's CA certificates (cargo fetches crates.io over https).
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates/host" "$ROOT/etc/ssl/certs"
    cp /etc/ssl/certs/ca-certificates.crt "$ROOT/usr/local/share/ca-certificates/host/host-bundle.crt"
    cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
  fi
  if [ "$(cat "$ROOT/.gojit-setup" 2>/dev/null)" != "$SETUP_STAMP" ]; then
    log "installing ${PACKAGES[*]} in the chroot"
    echo 'Acquire::Check-Valid-Until "false";' >"$ROOT/etc/apt/apt.conf.d/99gojit-no-valid-until"
    in_chroot_plain dpkg --add-architecture arm64
    in_chroot_plain apt-get update -qq
    in_chroot_plain apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
    echo "$SETUP_STAMP" >"$ROOT/.gojit-setup"
  fi
  mkdir -p "$STATE/cargo-home" "$STATE/target"
  log "chroot ready: $(in_chroot_plain rustc --version), $(in_chroot_plain qemu-aarch64 --version | head -1)"
}

# --- the build/test environment ----------------------------------------------------------------

host_go() { # the pinned Go's GOROOT on the host
  local go
  go="$("$REPO/scripts/ensure-go.sh")" || die "scripts/ensure-go.sh failed"
  dirname "$(dirname "$go")"
}

# Runs "$@" in the chroot, at /gojit, with the mounts and environment for the aarch64 build.
in_env() {
  local goroot
  goroot="$(host_go)"
  mkdir -p "$STATE/cargo-home" "$STATE/target"
  # Outer: a user namespace (root mapped to root) owning a new mount namespace, so that the
  # binfmt_misc mounted inside is private to it (and its children).
  unshare --user --map-root-user --mount --pid --fork --propagation private -- bash -c '
    set -e
    r="$1" repo="$2" state="$3" goroot="$4"; shift 4
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --rbind /sys "$r/sys"
    mkdir -p "$r/gojit" "$r/state" "$r/opt/go"
    mount --bind "$repo" "$r/gojit"
    mount --bind "$state" "$r/state"
    mount --bind "$goroot" "$r/opt/go"
    mount -t tmpfs tmpfs "$r/tmp"
    mount -t binfmt_misc binfmt_misc "$r/proc/sys/fs/binfmt_misc"
    # F: qemu is opened now, so it works whatever the root of the exec-ing process.
    echo ":qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:$r/usr/bin/qemu-aarch64:F" \
      >"$r/proc/sys/fs/binfmt_misc/register"
    exec chroot "$r" /usr/bin/env -i \
      PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
      CARGO_HOME=/state/cargo-home CARGO_TARGET_DIR=/state/target \
      CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
      CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64 \
      GOJIT_GO=/opt/go/bin/go \
      GOJIT_TEST_TIMEOUT="${GOJIT_TEST_TIMEOUT:-1800}" \
      ${RUST_BACKTRACE:+RUST_BACKTRACE=$RUST_BACKTRACE} \
      ${RUST_TEST_THREADS:+RUST_TEST_THREADS=$RUST_TEST_THREADS} \
      bash -c "cd /gojit && exec \"\$@\"" _ "$@"
  ' _ "$ROOT" "$REPO" "$STATE" "$goroot" "$@"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
# The cargo test arguments: the defaults, or the user's, always with --release.
if [ $# -eq 0 ]; then
  args=(--release --workspace)
else
  args=(--release "$@")
fi
case "$cmd" in
setup)
  setup
  ;;
build)
  setup
  in_env cargo test --target "$TRIPLE" --no-run "${args[@]}"
  ;;
test)
  setup
  in_env cargo test --target "$TRIPLE" "${args[@]}"
  ;;
shell)
  setup
  if [ $# -eq 0 ]; then
    in_env bash
  else
    in_env "$@"
  fi
  ;;
*)
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  [ -z "$cmd" ] || [ "$cmd" = -h ] || [ "$cmd" = --help ] || exit 2
  ;;
esac
