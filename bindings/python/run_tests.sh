#!/usr/bin/env bash
# bindings/python/run_tests.sh — the Python binding's test suite (called by
# `make test` from the repository root; runnable from anywhere).
#
#   1. builds libvoip (make lib) and, if missing, the C examples (make)
#   2. creates a fresh virtual environment build/python-venv and installs
#      ./bindings/python into it with pip (a standard PEP 517 build that
#      bundles libvoip.so.0), plus pytest, pytest-timeout and mypy
#   3. mypy --strict on the installed package (through its py.typed) and on
#      the examples
#   4. pytest from a directory outside the source tree, so that the installed
#      copy is what gets imported, with a per-test timeout
#   5. a smoke run on the other Python versions pyenv has (3.9, 3.13), when
#      present: install + the API and call tests
#
# Environment:
#   PYTHON=python3            interpreter for the venv
#   PYTEST_ARGS="..."         extra pytest arguments, shell-quoted
#                             (e.g. "-x", "-k kamailio", "-k 'not kamailio'")
#   VOIP_PY_TIMEOUT=120       per-test timeout, seconds
#   VOIP_PY_OTHER_PYTHONS=0   skip step 5 (or a list of interpreters to use)
#   VOIP_ECHO, VOIP_DIAL      paths of the C examples (default build/cmake/bin)
#
# Exit status 0 when everything passed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

PYTHON=${PYTHON:-python3}
export PYTHONDONTWRITEBYTECODE=1   # keep the source tree clean
TIMEOUT=${VOIP_PY_TIMEOUT:-120}
VENV=$ROOT/build/python-venv
WORK=$ROOT/build/python-tests

say() { printf '==> %s\n' "$*"; }

# Go may live in /usr/local/go/bin only.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi

say "building libvoip (make lib)"
make --no-print-directory lib </dev/null
need_examples=0
[ -n "${VOIP_ECHO:-}" ] || [ -x build/cmake/bin/voip-echo ] || need_examples=1
[ -n "${VOIP_DIAL:-}" ] || [ -x build/cmake/bin/voip-dial ] || need_examples=1
if [ $need_examples = 1 ]; then
  say "building the C examples (make)"
  make --no-print-directory all </dev/null
fi

# A stale in-tree setuptools build directory could leak old files into the wheel.
rm -rf "$HERE/build" "$HERE"/src/*.egg-info

install_into() {  # install_into VENV PYTHON PACKAGES...
  local venv=$1 py=$2
  shift 2
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip </dev/null
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      ./bindings/python "$@" </dev/null
  rm -rf "$HERE/build" "$HERE"/src/*.egg-info
}

say "fresh venv $VENV ($("$PYTHON" --version)); pip install ./bindings/python"
install_into "$VENV" "$PYTHON" pytest pytest-timeout mypy
WHEEL_TAG=$(grep '^Tag:' "$VENV"/lib/python*/site-packages/libvoip-*.dist-info/WHEEL)
echo "    installed: $("$VENV/bin/python" -c 'import voip; print(voip.__file__)') ($WHEEL_TAG)"
case $WHEEL_TAG in
  *none-any*) echo "run_tests.sh: the wheel is pure-Python ($WHEEL_TAG): it must be platform-specific" >&2; exit 1 ;;
esac

mkdir -p "$WORK"
cd "$WORK"   # outside the source tree: imports resolve to the installed copy

say "mypy --strict (installed package, examples, bench)"
"$VENV/bin/mypy" --strict --no-incremental -p voip
"$VENV/bin/mypy" --strict --no-incremental "$HERE/examples" "$HERE/bench"

say "pytest ($HERE/tests, timeout ${TIMEOUT}s per test)"
export VOIP_TEST_INSTALLED=1
eval "extra_args=(${PYTEST_ARGS:-})"   # shell quoting allowed: PYTEST_ARGS="-k 'not kamailio'"
"$VENV/bin/python" -m pytest -p no:cacheprovider --rootdir "$HERE" -c "$HERE/pyproject.toml" \
    --timeout "$TIMEOUT" -ra "${extra_args[@]}" "$HERE/tests"

# Other interpreters: the package says Python >= 3.9.
others=${VOIP_PY_OTHER_PYTHONS:-}
if [ -z "$others" ]; then
  pyroot=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for v in 3.9 3.13; do
    cand=$(ls -d "$pyroot"/versions/$v.*/bin/python3 2>/dev/null | sort -V | tail -1 || true)
    [ -n "$cand" ] && others="$others $cand"
  done
fi
if [ "$others" != "0" ]; then
  for py in $others; do
    [ -x "$py" ] || continue
    v=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    venv=$ROOT/build/python-venv-$v
    say "smoke test on Python $v ($py)"
    (cd "$ROOT" && install_into "$venv" "$py" pytest pytest-timeout)
    # shellcheck disable=SC2086
    "$venv/bin/python" -m pytest -p no:cacheprovider --rootdir "$HERE" -c "$HERE/pyproject.toml" \
        --timeout "$TIMEOUT" -q "$HERE/tests/test_api.py" "$HERE/tests/test_calls.py"
  done
fi

say "python binding: all tests passed"
