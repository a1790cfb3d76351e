# Sourced by the scripts: configure once, then build incrementally in the one build directory all
# stages share (Ninja, ccache). casework_build [targets...]
BUILD_DIR="${CASEWORK_BUILD_DIR:-$PWD/build}"

casework_build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  if [ $# -gt 0 ]; then
    cmake --build "$BUILD_DIR" --target "$@"
  else
    cmake --build "$BUILD_DIR"
  fi
}
