#!/usr/bin/env bash
# Starts or stops an extra, private RabbitMQ node (its own name, ports and data folder) beside any other, for tests
# that stop and restart the broker without disturbing anyone else's. Needs Debian's rabbitmq-server (rabbitmq.sh ensure installs it).
# Usage: rabbitmq-node.sh start <name> <amqp-port> <management-port> <distribution-port> | stop <name> | stop-app <name> | start-app <name>
set -euo pipefail

cmd=${1:-}; name=${2:-}
[[ $cmd =~ ^(start|stop|stop-app|start-app)$ && $name =~ ^[a-z0-9-]+$ ]] || { echo "usage: $0 start <name> <amqp-port> <mgmt-port> <dist-port> | stop|stop-app|start-app <name>" >&2; exit 2; }
node="$name@localhost"
base=/tmp/followups-rabbit-$name
ctl() { (cd /tmp && rabbitmqctl -n "$node" "$@"); }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case $cmd in
  start)
    amqp=${3:?amqp port}; mgmt=${4:?management port}; dist=${5:?distribution port}
    mkdir -p "$base/mnesia" "$base/log"
    chown -R rabbitmq:rabbitmq "$base" 2>/dev/null || true
    (cd /tmp && RABBITMQ_NODENAME=$node RABBITMQ_NODE_PORT=$amqp RABBITMQ_DIST_PORT=$dist \
      RABBITMQ_MNESIA_BASE=$base/mnesia RABBITMQ_LOG_BASE=$base/log \
      RABBITMQ_SERVER_START_ARGS="-rabbitmq_management tcp_config [{port,$mgmt}]" \
      rabbitmq-server -detached)
    for _ in $(seq 1 600); do port_open "$amqp" && port_open "$mgmt" && break; sleep 0.1; done
    ctl -q await_startup >&2
    echo "rabbitmq-node.sh: $node on amqp $amqp, management $mgmt" >&2 ;;
  stop) ctl -q shutdown >&2 || true; rm -rf "$base" ;;
  # Stopping the RabbitMQ application keeps the Erlang node (and its data) but closes every connection: a broker outage.
  stop-app) ctl -q stop_app >&2 ;;
  start-app) ctl -q start_app >&2; ctl -q await_startup >&2 ;;
esac
