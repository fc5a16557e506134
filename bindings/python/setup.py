"""Build step of the libvoip Python package.

pyproject.toml holds the metadata; this file only adds what a declarative
setuptools build cannot do:

* build_py copies the native library into the package as voip/libvoip.so.0,
  taken from (first match):
    1. $VOIP_LIBRARY_BUILD (a libvoip.so.0 built elsewhere);
    2. ../../build/libvoip.so.0 relative to this file (``make lib`` in the
       repository root builds it);
    3. ``go build -buildmode=c-shared ./capi`` in the repository root, when
       the Go sources are there and ``go`` is on PATH (or /usr/local/go/bin);
  and fails with a clear message otherwise.
* The wheel is platform-specific (it carries a native library): tagged
  py3-none-<platform>, since the Python code itself is version-independent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Optional

from setuptools import setup
from setuptools.command.build_py import build_py as _build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
LIBNAME = "libvoip.so.0"


def _go() -> Optional[str]:
    go = shutil.which("go")
    if go:
        return go
    for cand in ("/usr/local/go/bin/go", "/usr/lib/go/bin/go"):
        if os.access(cand, os.X_OK):
            return cand
    return None


def find_or_build_library(build_temp: str) -> str:
    env = os.environ.get("VOIP_LIBRARY_BUILD")
    if env:
        if not os.path.isfile(env):
            sys.exit(f"libvoip: VOIP_LIBRARY_BUILD={env!r} is not a file")
        return env
    built = os.path.join(ROOT, "build", LIBNAME)
    if os.path.isfile(built):
        return built
    go = _go()
    if go and os.path.isfile(os.path.join(ROOT, "go.mod")) and os.path.isdir(os.path.join(ROOT, "capi")):
        os.makedirs(build_temp, exist_ok=True)
        out = os.path.join(build_temp, LIBNAME)
        cmd = [go, "build", "-buildmode=c-shared",
               "-ldflags=-extldflags=-Wl,-soname," + LIBNAME, "-o", out, "./capi"]
        print("libvoip: building the library: " + " ".join(cmd), flush=True)
        env_vars = dict(os.environ, CGO_ENABLED="1")
        subprocess.run(cmd, cwd=ROOT, env=env_vars, check=True)
        return out
    sys.exit(
        "libvoip: cannot find or build libvoip.so.0.\n"
        f"  - set VOIP_LIBRARY_BUILD=/path/to/libvoip.so.0, or\n"
        f"  - run `make lib` in the repository root ({ROOT}), or\n"
        "  - install Go (and a C compiler) so that the package can build it.\n"
        "Note: this works from a source checkout (pip install ./bindings/python),\n"
        "not from an sdist copied away from the repository."
    )


class build_py(_build_py):
    def run(self) -> None:
        super().run()
        if self.dry_run:
            return
        build_temp = os.path.join(os.path.dirname(os.path.abspath(self.build_lib)), "voip-native")
        src = find_or_build_library(build_temp)
        dst_dir = os.path.join(self.build_lib, "voip")
        self.mkpath(dst_dir)
        dst = os.path.join(dst_dir, LIBNAME)
        print(f"libvoip: bundling {src} as {dst}", flush=True)
        shutil.copyfile(src, dst)
        os.chmod(dst, 0o755)


class BinaryDistribution(Distribution):
    """A distribution with native code: platlib, platform wheel."""

    def has_ext_modules(self) -> bool:
        return True


cmdclass = {"build_py": build_py}

try:
    try:
        from setuptools.command.bdist_wheel import bdist_wheel as _bdist_wheel
    except ImportError:
        from wheel.bdist_wheel import bdist_wheel as _bdist_wheel  # type: ignore

    class bdist_wheel(_bdist_wheel):  # type: ignore[misc,valid-type]
        def finalize_options(self) -> None:
            super().finalize_options()
            self.root_is_pure = False

        def get_tag(self):  # type: ignore[no-untyped-def]
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = bdist_wheel
except ImportError:  # no wheel support: BinaryDistribution still marks it
    pass

setup(cmdclass=cmdclass, distclass=BinaryDistribution)
