#!/bin/sh
# Runs a validation tool, failing with a clear message when it is not installed.
# Usage: run-tool.sh TOOL [ARGS...]
tool="$1"
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "FAIL: '$tool' is not installed; script/bootstrap installs it (Debian package)" >&2
  exit 1
fi
exec "$@"
