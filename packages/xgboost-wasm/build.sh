#!/usr/bin/env bash
# Rebuilds XGBoost as WebAssembly: wasm/xgboost.wasm + wasm/xgboost.cjs (the emscripten loader).
#
#   packages/xgboost-wasm/build.sh            build into wasm/ (overwrites the committed files)
#   packages/xgboost-wasm/build.sh --check    build into build/out/ and compare with wasm/SHA256SUMS
#
# Sources: the xgboost sdist from PyPI (it carries the C++ sources and dmlc-core), pinned by
# version and SHA-256 below. Toolchain: Debian's emscripten 3.1.6 driving Debian's LLVM 19
# (apt-get install emscripten node-acorn clang-19 lld-19 llvm-19; see "toolchain" below).
# Patches: patches/*.patch, applied in order, each one documented in its header.
# Nothing else is downloaded. Work files go to build/ (ignored by git).
set -euo pipefail

XGB_VERSION=3.4.1
XGB_SDIST_SHA256=6968a4c71efdfa859df0dfcad0d99211c95c28c4ffd6aecff46efff77d18026a

# Compile flags. -fwasm-exceptions: XGBoost reports errors by throwing; the C API catches them
# and returns -1. Native wasm exception handling (Node >= 17) costs nothing on the normal path,
# unlike emscripten's JS-based -fexceptions, which routes every call that may throw through JS.
# -msimd128: let clang auto-vectorise with wasm SIMD (Node 16.4+).
# -mbulk-memory: memcpy/memmove/memset of unknown size become memory.copy/memory.fill
# instructions instead of calls (the big ones went out to JavaScript). -mnontrapping-fptoint:
# float->int conversions without the range-check branches. Both are in Node >= 12.
OPT_FLAGS="${XGB_WASM_OPT_FLAGS:--O3 -fwasm-exceptions -msimd128 -mbulk-memory -mnontrapping-fptoint}"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${XGB_WASM_WORK:-$HERE/build}"
JOBS="${JOBS:-$(nproc)}"
MODE=build
[[ "${1:-}" == "--check" ]] && MODE=check

OUT="${XGB_WASM_OUT:-$HERE/wasm}"   # XGB_WASM_OUT / XGB_WASM_OPT_FLAGS: for experiments only
[[ $MODE == check ]] && OUT="$WORK/out"

log() { printf '[xgboost-wasm build] %s\n' "$*" >&2; }

# --- toolchain ------------------------------------------------------------------------------
# Debian's emscripten 3.1.6 comes with clang 14; its driver runs just as well on Debian's
# clang/wasm-ld 19, whose code trains a few per cent faster here. A private emscripten config points
# it at LLVM 19 and keeps Debian's prebuilt system libraries (libc, libc++ with wasm
# exceptions, dlmalloc: the frozen cache in /usr/share/emscripten/cache, built by clang 14 and
# linked as ordinary wasm objects), so nothing is rebuilt or written outside build/.
LLVM_BIN="${XGB_WASM_LLVM_BIN:-/usr/lib/llvm-19/bin}"
if ! command -v emcc >/dev/null 2>&1 || [[ ! -x "$LLVM_BIN/clang" || ! -x "$LLVM_BIN/wasm-ld" || ! -x "$LLVM_BIN/llvm-ar" ]]; then
  log "toolchain missing: apt-get install -y emscripten node-acorn clang-19 lld-19 llvm-19"
  exit 2
fi
mkdir -p "$WORK"
cat > "$WORK/emscripten.config" <<CONFIG
LLVM_ROOT = '$LLVM_BIN'
BINARYEN_ROOT = '/usr'
NODE_JS = '$(command -v node)'
FROZEN_CACHE = True
CACHE = '/usr/share/emscripten/cache'
CONFIG
export EM_CONFIG="$WORK/emscripten.config"
# Debian's emscripten needs Debian's acorn (node-acorn), found through NODE_PATH.
if [[ -z "${NODE_PATH:-}" ]]; then
  ACORN_DIR="$(dpkg -L node-acorn 2>/dev/null | grep -m1 -E '/node_modules/acorn$|/nodejs/acorn$' || true)"
  export NODE_PATH="$(dirname "${ACORN_DIR:-/usr/share/nodejs/acorn}")"
fi
EMCC_VERSION="$(emcc --version | head -1)"
CLANG_VERSION="$(emcc -v 2>&1 | grep -m1 'clang version' || true)"
log "toolchain: $EMCC_VERSION / $CLANG_VERSION"

# --- sources --------------------------------------------------------------------------------
mkdir -p "$WORK/dl"
SDIST="$WORK/dl/xgboost-$XGB_VERSION.tar.gz"
if [[ ! -f "$SDIST" ]] || ! echo "$XGB_SDIST_SHA256  $SDIST" | sha256sum -c --quiet - 2>/dev/null; then
  log "downloading xgboost==$XGB_VERSION sdist from PyPI"
  PY="$(command -v python3)"
  # --ignore-requires-python: we only want the C++ sources, not to install the package.
  "$PY" -m pip download --quiet --no-deps --no-binary :all: --ignore-requires-python \
    --no-build-isolation "xgboost==$XGB_VERSION" -d "$WORK/dl" 2>/dev/null \
  || "$PY" -m pip download --quiet --no-deps --no-binary :all: --ignore-requires-python \
    "xgboost==$XGB_VERSION" -d "$WORK/dl"
fi
echo "$XGB_SDIST_SHA256  $SDIST" | sha256sum -c --quiet - || { log "sdist checksum mismatch"; exit 3; }

SRC="$WORK/src/xgboost-$XGB_VERSION"
PATCH_STAMP="$(cat "$HERE"/patches/*.patch | sha256sum | cut -c1-16)"
if [[ ! -f "$SRC/.casa-patched-$PATCH_STAMP" ]]; then
  log "extracting and patching sources"
  rm -rf "$WORK/src" && mkdir -p "$WORK/src"
  tar xzf "$SDIST" -C "$WORK/src"
  for p in "$HERE"/patches/*.patch; do
    log "  patch $(basename "$p")"
    patch -p1 --quiet -d "$SRC" < "$p"
  done
  touch "$SRC/.casa-patched-$PATCH_STAMP"
  rm -rf "$WORK/obj"
fi

# --- compile --------------------------------------------------------------------------------
OBJ="$WORK/obj"
# Objects from another compiler or other flags are not reused.
TOOLCHAIN_STAMP="$CLANG_VERSION | $OPT_FLAGS"
if [[ -d "$OBJ" && "$(cat "$OBJ/.casa-toolchain" 2>/dev/null)" != "$TOOLCHAIN_STAMP" ]]; then
  log "toolchain or flags changed: recompiling everything"
  rm -rf "$OBJ"
fi
mkdir -p "$OBJ"
echo "$TOOLCHAIN_STAMP" > "$OBJ/.casa-toolchain"
# Keep absolute build paths out of the binary (XGBoost's messages carry __FILE__).
PREFIX_MAP="-ffile-prefix-map=$SRC/cpp_src=xgboost -ffile-prefix-map=$OBJ=build"
CFLAGS_ALL="$OPT_FLAGS $PREFIX_MAP"
if [[ ! -f "$OBJ/Makefile" ]]; then
  log "configuring (emcmake cmake)"
  (cd "$OBJ" && emcmake cmake "$SRC/cpp_src" \
      -DCMAKE_BUILD_TYPE=Release \
      -DUSE_OPENMP=OFF \
      -DBUILD_STATIC_LIB=ON \
      -DADD_PKGCONFIG=OFF \
      -DCMAKE_CXX_FLAGS="$CFLAGS_ALL" \
      -DCMAKE_C_FLAGS="$CFLAGS_ALL" \
      -DCMAKE_CXX_FLAGS_RELEASE="-DNDEBUG" \
      -DCMAKE_C_FLAGS_RELEASE="-DNDEBUG" >"$WORK/configure.log" 2>&1) \
    || { tail -30 "$WORK/configure.log"; exit 4; }
fi
log "compiling with $JOBS jobs (log: $WORK/compile.log)"
if ! (cd "$OBJ" && make -j"$JOBS" >"$WORK/compile.log" 2>&1); then
  grep -A6 'error:' "$WORK/compile.log" | head -60 >&2
  exit 5
fi

# --- link -----------------------------------------------------------------------------------
# XGBoost's own objects (sorted, so the link order is stable) and dmlc-core as an archive.
mapfile -t OBJS < <(find "$OBJ/src/CMakeFiles/objxgboost.dir" -name '*.o' | LC_ALL=C sort)
LIBS=("${OBJS[@]}" "$OBJ/dmlc-core/libdmlc.a")
EXPORTS="$(grep -v '^\s*$' "$HERE/scripts/exports.txt" | paste -sd, -)"
mkdir -p "$OUT"
emcc $OPT_FLAGS -ffile-prefix-map="$HERE"=casa -c "$HERE/scripts/shim.c" -o "$WORK/shim.o"
log "linking $OUT/xgboost.{cjs,wasm}"
em++ $OPT_FLAGS $PREFIX_MAP -ffile-prefix-map="$HERE"=casa \
  "$WORK/shim.o" "${LIBS[@]}" \
  -o "$OUT/xgboost.cjs" \
  -sMODULARIZE=1 -sEXPORT_NAME=createXGBoostModule \
  -sENVIRONMENT=node \
  -sWASM_BIGINT=1 \
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 -sMAXIMUM_MEMORY=4GB \
  -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 \
  -sEXPORTED_FUNCTIONS="$EXPORTS" \
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString,stringToUTF8,lengthBytesUTF8 \
  >"$WORK/link.log" 2>&1 || { cat "$WORK/link.log" >&2; exit 6; }

# --- manifest -------------------------------------------------------------------------------
(cd "$OUT" && sha256sum xgboost.wasm xgboost.cjs > SHA256SUMS.new)
if [[ $MODE == check ]]; then
  if diff -u "$HERE/wasm/SHA256SUMS" "$OUT/SHA256SUMS.new"; then
    log "OK: the rebuild is byte-identical to the committed wasm/ files"
    exit 0
  fi
  log "MISMATCH: the rebuild differs from the committed wasm/ files (toolchain: $EMCC_VERSION)"
  exit 1
fi
mv "$OUT/SHA256SUMS.new" "$OUT/SHA256SUMS"
cat > "$OUT/BUILDINFO.json" <<JSON
{
  "xgboost_version": "$XGB_VERSION",
  "source": "PyPI sdist xgboost-$XGB_VERSION.tar.gz",
  "source_sha256": "$XGB_SDIST_SHA256",
  "patches": [$(for p in "$HERE"/patches/*.patch; do printf '"%s",' "$(basename "$p")"; done | sed 's/,$//')],
  "emcc": "$EMCC_VERSION",
  "clang": "$CLANG_VERSION",
  "compile_flags": "$OPT_FLAGS",
  "link_flags": "-sMODULARIZE -sENVIRONMENT=node -sWASM_BIGINT -sALLOW_MEMORY_GROWTH -sMAXIMUM_MEMORY=4GB"
}
JSON
log "done: $(cd "$OUT" && ls -l xgboost.wasm xgboost.cjs | awk '{print $5, $9}' | paste -sd' ')"
