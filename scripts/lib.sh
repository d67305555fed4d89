# Shared by the scripts: paths and the Python tools venv.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NORVALT_VENV:-$ROOT/.venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# Python tools (moto server, cfn-lint, cargo-lambda, zig) live in one venv,
# installed on first use. Pinned in scripts/requirements-*.txt. A tool whose
# pins clash with the others (checkov pins packaging<24, pytest needs >=24)
# gets a venv of its own: `ensure_venv checkov "$CHECKOV_VENV"`.
CHECKOV_VENV="${NORVALT_CHECKOV_VENV:-$ROOT/.venv-checkov}"
ensure_venv() {
  local requirements="$ROOT/scripts/requirements-$1.txt"
  local venv="${2:-$VENV}"
  local stamp="$venv/.installed-$1"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
  fi
  if [ ! -f "$stamp" ] || [ "$requirements" -nt "$stamp" ]; then
    echo "==> installing Python tools from $(basename "$requirements")"
    "$venv/bin/pip" install --quiet -r "$requirements"
    touch "$stamp"
  fi
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Dovecot's IMAP server from Debian, for the IMAP poller's tests.
ensure_dovecot() {
  command -v dovecot >/dev/null && return
  echo "==> installing dovecot-imapd (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dovecot-imapd >/dev/null
}

# Starts Dovecot on loopback in its own directory ($1) with test users
# (password "hemmelig"): plain IMAP on $2 and implicit TLS on $3, with a
# certificate for "localhost" from a test CA written to $1/ca.pem. Prints the
# PID. Mail lives in $1/home; nothing outside $1 is touched.
start_dovecot() {
  local dir=$1 plain_port=$2 tls_port=$3 user=nobody
  mkdir -p "$dir/run" "$dir/state" "$dir/home"
  # Dovecot will not deliver mail as root; as root, mail belongs to nobody.
  if [ "$(id -u)" -ne 0 ]; then user=$(id -un); fi
  chown "$user" "$dir/home" 2>/dev/null || true
  # A throwaway CA ($dir/ca.pem, what clients trust) and a server
  # certificate for "localhost" signed by it.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Norvalt test CA" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/key.pem" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days 2 -extfile "$dir/server.ext" -out "$dir/cert.pem" 2>/dev/null
  : >"$dir/passwd"
  for name in norvalt drammen bergen; do
    echo "$name:{PLAIN}hemmelig::::::" >>"$dir/passwd"
  done
  cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$dir/cert.pem
ssl_key = <$dir/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = $( [ "$(id -u)" -eq 0 ] && echo dovecot || id -un )
default_login_user = $( [ "$(id -u)" -eq 0 ] && echo dovenull || id -un )
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$user gid=$(id -gn "$user") home=$dir/home/%u
}
mail_location = maildir:~/Maildir
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $plain_port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $tls_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
  dovecot -F -c "$dir/dovecot.conf" >>"$dir/dovecot.out" 2>&1 &
  echo $!
}

# The dashboard's Node dependencies, from its lockfile, when missing or stale.
ensure_dashboard_deps() {
  local dir="$ROOT/dashboard" stamp="$ROOT/dashboard/node_modules/.norvalt-installed"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 or newer" >&2; return 1; }
    echo "==> installing the dashboard's Node dependencies (npm ci)"
    # Explicit returns: callers may run this where `set -e` is off (`if`, `||`).
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    touch "$stamp"
  fi
}

# Builds the dashboard (a static export in dashboard/out) when it is missing
# or older than its sources.
build_dashboard() {
  local dir="$ROOT/dashboard"
  if [ -f "$dir/out/index.html" ] && [ -z "$(find "$dir/src" "$dir/package-lock.json" "$dir/next.config.ts" \
      -newer "$dir/out/index.html" -print -quit 2>/dev/null)" ]; then
    return
  fi
  ensure_dashboard_deps || return 1
  echo "==> building the dashboard (next build)"
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/norvalt-dashboard-build.XXXXXX")
  (cd "$dir" && NEXT_TELEMETRY_DISABLED=1 npx --no-install next build >"$log" 2>&1) || {
    cat "$log" >&2
    rm -f "$log"
    return 1
  }
  rm -f "$log"
}

# Debian's Chromium for the dashboard's browser tests.
ensure_chromium() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return
  echo "==> installing chromium (Debian)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
}
