#!/usr/bin/env bash
# install-deps.sh [--build-only]
#
# Installs what libvoip needs on Debian 12 (bookworm), idempotently and without
# any prompt.  Fast when everything is already present: nothing is installed
# and `apt-get update` is not run.
#
#   (default)      build tools + the real SIP peers and tools used by the tests:
#                  cmake, pkg-config, build-essential, sip-tester (sipp),
#                  baresip-core, kamailio (+ presence and tls modules), valgrind,
#                  tshark, sox, multimon-ng, python3(-venv), tmux,
#                  nftables, coturn (NAT tests)
#   --build-only   only what building and `make demo` need:
#                  cmake, pkg-config, build-essential
#
# Go cannot be installed by this script (it is not a Debian package we use):
# it must already be at /usr/local/go/bin/go or on PATH, else we fail clearly.
#
# Prints one line per thing installed (or "all dependencies present").
# Exit status: 0 ok, 1 failure (with a message on stderr).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

BUILD_ONLY=0
for a in "$@"; do
  case $a in
    --build-only) BUILD_ONLY=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown argument: $a (try --help)" >&2; exit 1 ;;
  esac
done

die() { echo "install-deps.sh: ERROR: $*" >&2; exit 1; }

# --- privileges -------------------------------------------------------------
SUDO=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    NEED_ROOT=1
  fi
fi

# --- what we need: "debian-package:command-to-check" (command may be empty) -
BUILD_PKGS=(
  "cmake:cmake"
  "pkg-config:pkg-config"
  "build-essential:gcc"
  "make:make"
  "libopus-dev:"        # Opus: libopus.a, linked statically into libvoip.so (rtp/codec_opus.go)
)
TEST_PKGS=(
  "sip-tester:sipp"
  "baresip-core:baresip"
  "kamailio:"           # /usr/sbin: not on every PATH
  "kamailio-presence-modules:"  # presence, presence_xml: the event tests' presence server
  "kamailio-tls-modules:" # issue 14: Kamailio over TLS (voip/kamailio_tls_test.go)
  "valgrind:valgrind"
  "tshark:tshark"
  "sox:sox"
  "multimon-ng:multimon-ng" # media toolkit: decodes in-band DTMF (tests/interop/inband_dtmf.sh)
  "python3:"
  "python3-venv:"
  "iproute2:ss"
  "procps:ps"
  "tmux:tmux"           # issue 17: the interactive `voip` CLI test (tests/cli)
  # NAT tests (issue 14, tests/nat): nft masquerading, coturn as STUN server
  "nftables:"           # /usr/sbin
  "coturn:turnserver"
)
PKGS=("${BUILD_PKGS[@]}")
[ "$BUILD_ONLY" = 1 ] || PKGS+=("${TEST_PKGS[@]}")

is_installed() { # PKG CMD
  local pkg=$1 cmd=$2
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || return 1
  if [ -n "$cmd" ]; then command -v "$cmd" >/dev/null 2>&1 || return 1; fi
  return 0
}

MISSING=()
for entry in "${PKGS[@]}"; do
  pkg=${entry%%:*}; cmd=${entry#*:}
  is_installed "$pkg" "$cmd" || MISSING+=("$pkg")
done

if [ ${#MISSING[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only (missing: ${MISSING[*]})"
  [ "${NEED_ROOT:-0}" = 1 ] && die "not root and sudo is not available; run as root to install: ${MISSING[*]}"
  if [ ${#SUDO[@]} -gt 0 ] && ! sudo -n true 2>/dev/null; then
    die "not root and sudo needs a password; run as root to install: ${MISSING[*]}"
  fi
  # tshark pulls in wireshark-common, which asks whether non-root users may capture.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections \
    || die "debconf-set-selections failed"
  echo "running apt-get update (missing: ${MISSING[*]})"
  "${SUDO[@]}" apt-get update -qq </dev/null >/tmp/install-deps.apt-update.log 2>&1 \
    || { tail -20 /tmp/install-deps.apt-update.log >&2; die "apt-get update failed (log: /tmp/install-deps.apt-update.log)"; }
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
      "${MISSING[@]}" </dev/null >/tmp/install-deps.apt-install.log 2>&1 \
    || { tail -30 /tmp/install-deps.apt-install.log >&2; die "apt-get install ${MISSING[*]} failed (log: /tmp/install-deps.apt-install.log)"; }
  for entry in "${PKGS[@]}"; do
    pkg=${entry%%:*}; cmd=${entry#*:}
    for m in "${MISSING[@]}"; do
      [ "$m" = "$pkg" ] || continue
      is_installed "$pkg" "$cmd" || die "$pkg still missing after apt-get install${cmd:+ (no command '$cmd')}"
      echo "installed $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
    done
  done
fi

# --- Go (cannot be downloaded here) -------------------------------------------
if ! command -v go >/dev/null 2>&1; then
  if [ -x /usr/local/go/bin/go ]; then
    echo "go found at /usr/local/go/bin/go but not on PATH: export PATH=/usr/local/go/bin:\$PATH"
    export PATH=/usr/local/go/bin:$PATH
  else
    die "Go toolchain not found (neither on PATH nor at /usr/local/go/bin/go); install Go >= 1.22 to /usr/local/go"
  fi
fi

[ ${#MISSING[@]} -eq 0 ] && echo "all dependencies present ($([ "$BUILD_ONLY" = 1 ] && echo build-only || echo full); $(go version | awk '{print $3}'))"
exit 0
