#!/usr/bin/env bash
# Starts/stops jongodb, an in-memory MongoDB wire-protocol TEST engine (npm package), on 127.0.0.1:<port> for tests and local runs.
# Usage: mongo-engine.sh start <port> | stop <port>
# Data lives only in the process memory; there is no storage flag. Binary flags: --host= --port= --database=
set -euo pipefail

PKG=@jongodb/memory-server-bin-linux-x64-gnu
VERSION=0.1.6
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PREFIX=${JONGODB_PREFIX:-$ROOT/.tools/jongodb}
BIN=$PREFIX/node_modules/$PKG/bin/jongodb

log() { echo "mongo-engine.sh: $*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd=${1:-}; port=${2:-}
[[ $cmd =~ ^(start|stop)$ && $port =~ ^[0-9]+$ ]] || { echo "usage: $0 start|stop <port>" >&2; exit 2; }
PIDFILE=/tmp/followups-mongo-engine-$port.pid
LOGFILE=/tmp/followups-mongo-engine-$port.log

if [[ $cmd == stop ]]; then
  if [[ -f $PIDFILE ]]; then
    pid=$(<"$PIDFILE")
    if grep -qs jongodb "/proc/$pid/cmdline"; then   # never kill a recycled PID
      kill "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"; log "stopped pid $pid (port $port)"
  else
    log "no $PIDFILE; nothing to stop"
  fi
  exit 0
fi

if [[ ! -x $BIN ]]; then
  log "installing $PKG@$VERSION into $PREFIX"
  if ! command -v npm >/dev/null; then   # a fresh Debian with only the .NET SDK has no Node.js
    log "installing Debian packages nodejs npm"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -y -qq install nodejs npm >&2 || { apt-get -qq update >&2 && apt-get -y -qq install nodejs npm >&2; }
  fi
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund "$PKG@$VERSION" >&2
fi
port_open "$port" && { log "port $port is already in use; not starting"; exit 1; }

cat >&2 <<EOF
************************************************************************
* WARNING: jongodb is an in-memory MongoDB TEST ENGINE, not MongoDB.   *
* Everything is lost when it stops. NEVER use it for real data.        *
************************************************************************
EOF
nohup "$BIN" --host=127.0.0.1 --port="$port" >"$LOGFILE" 2>&1 </dev/null &
echo $! >"$PIDFILE"
for _ in $(seq 1 200); do   # up to 10 s; it is normally ready in < 0.1 s
  port_open "$port" && { log "listening on mongodb://127.0.0.1:$port (pid $(<"$PIDFILE"), log $LOGFILE)"; exit 0; }
  kill -0 "$(<"$PIDFILE")" 2>/dev/null || break
  sleep 0.05
done
log "failed to start; see $LOGFILE"; cat "$LOGFILE" >&2
kill "$(<"$PIDFILE")" 2>/dev/null || true; rm -f "$PIDFILE"; exit 1
