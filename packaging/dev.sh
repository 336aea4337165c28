#!/usr/bin/env bash
# The two newcomer commands (see README):
#   packaging/dev.sh run   install dependencies, build, and run the main job
#   packaging/dev.sh test  install dependencies, build, and run every test
# Environment: BUILD_DIR (default build), JOBS (default: number of cores), CTEST_ARGS (extra ctest args).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-}"
case "$mode" in run|test|build) ;; *) echo "usage: packaging/dev.sh run|test|build" >&2; exit 2 ;; esac

bash packaging/install-deps.sh

BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j "$JOBS"

case "$mode" in
  build) ;;
  test)
    # Every test; `gpu` tests skip cleanly without a CUDA device. Slow ones are labelled `slow`.
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" ${CTEST_ARGS:-}
    ;;
  run)
    if [ -x "$BUILD_DIR/ui/tessera" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
      exec "$BUILD_DIR/ui/tessera" "${@:2}"
    fi
    # Without a desktop (or before the UI is built): chat with the one trained model we ship with
    # the fixtures, in the terminal.
    model="${TESSERA_MODEL:-../shared/fixtures/text/stories260K.gguf}"
    if [ ! -f "$model" ]; then
      echo "no model: set TESSERA_MODEL=/path/to/model.gguf" >&2
      exit 1
    fi
    exec "$BUILD_DIR/app/tessera-cli" generate -m "$model" -p "${PROMPT:-Once upon a time}" -n "${N:-64}" --temp 0
    ;;
esac
