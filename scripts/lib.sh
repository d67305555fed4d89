# Shared by the scripts: paths and the Python tools venv.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NORVALT_VENV:-$ROOT/.venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# Python tools (moto server, cfn-lint, cargo-lambda, zig) live in one venv,
# installed on first use. Pinned in scripts/requirements-*.txt.
ensure_venv() {
  local requirements="$ROOT/scripts/requirements-$1.txt"
  local stamp="$VENV/.installed-$1"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
  fi
  if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ]; then
    echo "==> installing Python tools from $(basename "$requirements")"
    "$VENV/bin/pip" install --quiet -r "$requirements"
    touch "$stamp"
  fi
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
