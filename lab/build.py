#!/usr/bin/env python3
"""Builds the lab: the engine compiled to WebAssembly, in one self-contained page.

Usage:
  lab/build.py                 rebuild docs/lab.html (needs Debian's emscripten: ./install-deps.sh --lab)
  lab/build.py --out PAGE      write the page elsewhere (the tests compare it with docs/lab.html)
  lab/build.py --module JS     also keep the module alone (lab.js), for node
  lab/build.py --check PAGE    exit 1 unless PAGE was built from the sources as they are now
                               (compares the digest the page carries; needs no emscripten)
  lab/build.py --list          print the files the page is built from

The page carries a SHA-256 digest of every file it is built from: the lab's own
sources and page, the engine's sources it compiles and every header they
include (found by following their #include lines), and the data sets it embeds.
Objects are built by ninja in $LAB_BUILD_DIR (default build-lab/), so a second
run recompiles only what changed.
"""
import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The C++ the module is built from: the engine's sources the page needs (no
# OpenBLAS, MPI, LAPACK or Graphviz there) and the lab's own.
SOURCES = [
    "autograd/format.cpp", "autograd/gradcheck.cpp", "autograd/kernels.cpp", "autograd/storage.cpp",
    "autograd/tape.cpp", "autograd/tensor_ops.cpp",
    "nn/dataset.cpp", "nn/linear.cpp", "nn/losses.cpp", "nn/mlp.cpp", "nn/optimizer.cpp",
    "nn/training.cpp", "nn/fit.cpp",
    "io/csv.cpp", "io/file.cpp", "io/labelled.cpp", "io/model_format.cpp", "io/model_io.cpp",
    "io/text.cpp",
    "reference/check.cpp", "reference/example_4321.cpp", "reference/hand_backprop.cpp",
    "reference/scalar_network.cpp",
    "viz/backprop_view.cpp", "viz/graph_export.cpp", "viz/html_view.cpp", "viz/op_text.cpp",
    "viz/rule_text.cpp",
    "lab/bindings.cpp", "lab/datasets.cpp", "lab/explain.cpp", "lab/explorer.cpp",
    "lab/training.cpp",
]
# The step-through page's parts, which viz/embed_page.py turns into a header.
STEP_PAGE = ["viz/page/index.html", "viz/page/style.css", "viz/page/app.js"]
PAGE = ["lab/page/index.html", "lab/page/style.css", "lab/page/app.js"]
DATA = {"breast_cancer": "data/breast_cancer.csv", "digits": "data/digits.csv"}
TOOLS = ["lab/build.py", "viz/embed_page.py"]

# A release build (NDEBUG, as the README's first command builds); no path of the
# clone gets into the page. The committed page is checked by its sources' digest,
# not its bytes: em++ 3.1.6 may emit different code for the same source.
CXXFLAGS = ["-std=c++20", "-O3", "-DNDEBUG", "-fwasm-exceptions", "-DFMT_HEADER_ONLY", "-Wall",
            "-Wextra", "-Wpedantic", "-Werror", f"-ffile-prefix-map={ROOT}/="]
LDFLAGS = ["-O3", "-fwasm-exceptions", "-sSINGLE_FILE=1", "-sMODULARIZE=1", "-sEXPORT_NAME=createLab",
           "-sALLOW_MEMORY_GROWTH=1", "-sENVIRONMENT=web,node", "-sFILESYSTEM=0",
           "-sEXPORTED_FUNCTIONS=_lab_call,_lab_grid,_malloc,_free",
           "-sEXPORTED_RUNTIME_METHODS=HEAPF64,UTF8ToString,stringToUTF8,lengthBytesUTF8"]
# Headers of other packages, reached through a folder of links to them alone:
# -I/usr/include would put glibc's headers before the WebAssembly sysroot's.
SYSTEM_HEADERS = {"fmt": "/usr/include/fmt", "nlohmann": "/usr/include/nlohmann"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
DIGEST_SLOT = "@SOURCES_DIGEST@"


def closure():
    """The sources and every header of ours they include, transitively; sorted."""
    seen, todo = set(), list(SOURCES)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in INCLUDE.findall((ROOT / path).read_text(encoding="utf-8")):
            if (ROOT / name).is_file():
                todo.append(name)
    return sorted(seen)


def inputs():
    return sorted(set(closure() + STEP_PAGE + PAGE + list(DATA.values()) + TOOLS))


def digest():
    h = hashlib.sha256()
    for path in inputs():
        h.update(path.encode() + b"\0")
        h.update((ROOT / path).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def check(page):
    text = Path(page).read_text(encoding="utf-8", errors="replace")
    found = re.search(r'<meta name="tapegrad-lab-sources" content="([0-9a-f]{64})">', text)
    want = digest()
    if not found:
        print(f"{page}: carries no sources digest; rebuild it with lab/build.py")
        return 1
    if found.group(1) != want:
        print(f"{page} is stale: it was built from other sources than these (digest "
              f"{found.group(1)[:12]}, now {want[:12]}); rebuild it with lab/build.py "
              f"(./install-deps.sh --lab installs emscripten)")
        return 1
    print(f"{page} is current ({len(inputs())} sources, digest {want[:12]})")
    return 0


def ninja_file(build):
    gen = build / "gen"
    inc = build / "include"
    lines = [
        "# Generated by lab/build.py: do not edit.",
        f"cxxflags = {' '.join(CXXFLAGS)} -I{ROOT} -I{inc} -I{gen}",
        "rule cxx",
        "  command = em++ $cxxflags -MD -MF $out.d -c $in -o $out",
        "  depfile = $out.d",
        "  deps = gcc",
        "  description = em++ $in",
        "rule embed",
        f"  command = python3 {ROOT / 'viz/embed_page.py'} $in $out",
        "  description = embed $out",
        "rule link",
        f"  command = em++ {' '.join(LDFLAGS)} $in -o $out",
        "  description = link $out",
        f"build {gen}/viz/html_view_page.hpp: embed {' '.join(str(ROOT / p) for p in STEP_PAGE)}",
    ]
    objects = []
    for src in SOURCES:
        obj = build / "obj" / (src.replace("/", "_") + ".o")
        objects.append(str(obj))
        lines.append(f"build {obj}: cxx {ROOT / src} || {gen}/viz/html_view_page.hpp")
    lines.append(f"build {build}/lab.js: link {' '.join(objects)}")
    return "\n".join(lines) + "\n"


def build_module(build):
    if not shutil.which("em++"):
        sys.exit("lab/build.py: em++ not found; ./install-deps.sh --lab installs Debian's emscripten")
    build.mkdir(parents=True, exist_ok=True)
    inc = build / "include"
    inc.mkdir(exist_ok=True)
    for name, target in SYSTEM_HEADERS.items():
        link = inc / name
        if not link.exists():
            link.symlink_to(target)
    (build / "gen" / "viz").mkdir(parents=True, exist_ok=True)
    text = ninja_file(build)
    ninja = build / "build.ninja"
    if not ninja.exists() or ninja.read_text() != text:
        ninja.write_text(text)
    env = dict(os.environ)
    # Debian's emscripten runs its JavaScript optimiser with the system's node modules.
    env["NODE_PATH"] = "/usr/share/nodejs"
    env.setdefault("EM_CACHE", str(Path("/usr/share/emscripten/cache")))
    jobs = os.environ.get("LAB_JOBS", "2")
    if subprocess.run(["ninja", "-C", str(build), "-j", jobs], env=env).returncode != 0:
        sys.exit("lab/build.py: the WebAssembly build failed (see above)")
    return build / "lab.js"


def script_safe(text):
    # Nothing inside a <script> may close it early.
    return text.replace("</script", "<\\/script")


def make_page(module_js, out):
    page = (ROOT / "lab/page/index.html").read_text(encoding="utf-8")
    parts = {
        '<link rel="stylesheet" href="style.css">':
            "<style>\n" + (ROOT / "lab/page/style.css").read_text(encoding="utf-8") + "</style>",
        '<script src="lab.js"></script>':
            "<script>\n" + script_safe(module_js.read_text(encoding="utf-8")) + "\n</script>",
        '<script src="app.js"></script>':
            "<script>\n" + script_safe((ROOT / "lab/page/app.js").read_text(encoding="utf-8")) + "</script>",
    }
    for tag, inline in parts.items():
        if page.count(tag) != 1:
            sys.exit(f"lab/build.py: lab/page/index.html must contain {tag!r} exactly once")
        page = page.replace(tag, inline)
    data = "".join(
        f'<script type="text/csv" id="data-{name}" data-name="{Path(path).name}">\n'
        + script_safe((ROOT / path).read_text(encoding="utf-8")) + "</script>\n"
        for name, path in DATA.items())
    for slot, value in (("@DATA@", data), (DIGEST_SLOT, digest())):
        if page.count(slot) != 1:
            sys.exit(f"lab/build.py: lab/page/index.html must contain {slot} exactly once")
        page = page.replace(slot, value)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs/lab.html"))
    parser.add_argument("--module")
    parser.add_argument("--check")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        print("\n".join(inputs()))
        return 0
    if args.check:
        return check(args.check)
    build = Path(os.environ.get("LAB_BUILD_DIR", ROOT / "build-lab")).resolve()
    build.mkdir(parents=True, exist_ok=True)
    # One build at a time in a folder (until this process exits): two links
    # writing one module corrupt it.
    lock = open(build / ".lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    module = build_module(build)
    if args.module:
        Path(args.module).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(module, args.module)
    make_page(module, Path(args.out).resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
