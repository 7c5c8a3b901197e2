#!/usr/bin/env bash
# Installs (Debian package), starts and stops a local RabbitMQ node rabbit@localhost (guest/guest, AMQP 5672, management 15672) without systemd.
# Usage: rabbitmq.sh ensure | stop | stop-if-started | status
#   ensure prints "started" (and writes $MARKER) or "already-running" on stdout; stop-if-started stops only when $MARKER exists.
set -euo pipefail

NODE=rabbit@localhost
MARKER=${RABBITMQ_STARTED_MARKER:-/tmp/followups-rabbitmq.started}
START_TIMEOUT=${RABBITMQ_START_TIMEOUT:-120}

log() { echo "rabbitmq.sh: $*" >&2; }
ctl() { (cd /tmp && rabbitmqctl -n "$NODE" "$@"); }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

install_pkg() {
  command -v rabbitmq-server >/dev/null && return 0
  log "installing Debian package rabbitmq-server"
  local apt=(apt-get -y -qq -o DPkg::Lock::Timeout=600)
  export DEBIAN_FRONTEND=noninteractive
  # Try with the current package lists first; run 'apt-get update' once only if that fails.
  "${apt[@]}" install rabbitmq-server >&2 || { "${apt[@]}" update >&2 && "${apt[@]}" install rabbitmq-server >&2; }
}

ensure() {
  install_pkg
  # Offline enable works whether or not a node is running (takes effect at next boot; ~1 s).
  grep -qsw rabbitmq_management /etc/rabbitmq/enabled_plugins ||
    (cd /tmp && rabbitmq-plugins --offline enable rabbitmq_management >&2)
  if port_open 5672; then
    log "something already answers on 5672; not starting another node"
    echo already-running; return 0
  fi
  log "starting $NODE"
  (cd /tmp && RABBITMQ_NODENAME=$NODE rabbitmq-server -detached)
  local deadline=$((SECONDS + START_TIMEOUT))
  until port_open 5672 && port_open 15672; do
    ((SECONDS < deadline)) || { log "not listening after ${START_TIMEOUT}s; see /var/log/rabbitmq/"; exit 1; }
    sleep 0.2
  done
  ctl -q await_startup >&2
  touch "$MARKER"
  log "started $NODE (marker $MARKER)"
  echo started
}

stop() {
  # 'shutdown' waits until the Erlang VM has exited; --idempotent-like: ignore a node that is not running.
  if ctl -q ping >/dev/null 2>&1; then ctl -q shutdown >&2; log "stopped $NODE"; else log "$NODE not running"; fi
  rm -f "$MARKER"
}

case "${1:-}" in
  ensure) ensure ;;
  stop) stop ;;
  stop-if-started)
    if [[ -f $MARKER ]]; then stop; else log "not started by us (no $MARKER); leaving it running"; fi ;;
  status) ctl status ;;
  *) echo "usage: $0 ensure|stop|stop-if-started|status" >&2; exit 2 ;;
esac
