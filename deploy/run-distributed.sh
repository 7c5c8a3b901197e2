#!/usr/bin/env bash
# Runs Followups distributed on this machine: RabbitMQ, MongoDB (a local mongod, else the in-memory npm TEST engine), and capture, planner and notifier as separate processes. Ctrl-C stops everything it started.
# Usage: deploy/run-distributed.sh
# Env: CAPTURE_PORT (5081) PLANNER_PORT (5082) NOTIFIER_PORT (5083) MONGO_PORT (27017) READY_TIMEOUT (60 s)
# Logs: <repo>/data/logs/<service>.log; mongod data (when a mongod is installed): <repo>/data/mongo.
# Security: the token key all three services check is <repo>/data/signing.key (made on first run); Data Protection keys
# (webhook secrets at rest) are shared through <repo>/data/keys. Mint a token with the command printed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CAPTURE_PORT=${CAPTURE_PORT:-5081}
PLANNER_PORT=${PLANNER_PORT:-5082}
NOTIFIER_PORT=${NOTIFIER_PORT:-5083}
MONGO_PORT=${MONGO_PORT:-27017}
READY_TIMEOUT=${READY_TIMEOUT:-60}
DATA=$ROOT/data
LOGS=$DATA/logs
MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"

SERVICES=(AgreementCapture TaskPlanner Notifier)
declare -A PORT=([AgreementCapture]=$CAPTURE_PORT [TaskPlanner]=$PLANNER_PORT [Notifier]=$NOTIFIER_PORT)
declare -A PID=()

log() { echo "run-distributed.sh: $*" >&2; }
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
since() { local ms=$(($(now_ms) - $1)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

rabbit_started=false
mongo_started=""      # "" (not by us), "engine" or "mongod"
mongod_pidfile=$DATA/mongo/mongod.pid

stop_pid() {   # stop_pid <pid> <name>: TERM, up to 15 s, then KILL
  local pid=$1 name=$2
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$name (pid $pid) still running after 15 s; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true   # reaps our own children; harmless for mongod
  log "stopped $name (pid $pid)"
}

cleaned=false
cleanup() {
  $cleaned && return 0
  cleaned=true
  set +e
  trap '' INT TERM   # a second Ctrl-C must not interrupt the shutdown
  for s in "${SERVICES[@]}"; do
    [[ -n ${PID[$s]:-} ]] && kill -TERM "${PID[$s]}" 2>/dev/null   # all three at once, then wait for each
  done
  for s in "${SERVICES[@]}"; do
    [[ -n ${PID[$s]:-} ]] && stop_pid "${PID[$s]}" "$s"
  done
  case $mongo_started in
    engine) deploy/scripts/mongo-engine.sh stop "$MONGO_PORT" ;;
    mongod)
      if [[ -f $mongod_pidfile ]] && grep -qs mongod "/proc/$(<"$mongod_pidfile")/cmdline"; then
        stop_pid "$(<"$mongod_pidfile")" mongod
      fi ;;
  esac
  if $rabbit_started; then deploy/scripts/rabbitmq.sh stop; fi
}
trap cleanup EXIT
trap 'log "interrupted; stopping"; exit 130' INT
trap 'log "terminated; stopping"; exit 143' TERM

for s in "${SERVICES[@]}"; do
  if port_open "${PORT[$s]}"; then log "port ${PORT[$s]} ($s) is already in use; stop what listens there or set another port"; exit 1; fi
done
mkdir -p "$LOGS"

# 1. RabbitMQ (stopped at the end only if this script started it).
rabbit=$(deploy/scripts/rabbitmq.sh ensure)
[[ $rabbit == started ]] && rabbit_started=true
log "RabbitMQ: $rabbit"

# 2. MongoDB.
if port_open "$MONGO_PORT"; then
  log "something already answers on 127.0.0.1:$MONGO_PORT; using it as MongoDB and leaving it running"
elif command -v mongod >/dev/null; then
  mkdir -p "$DATA/mongo"
  log "starting mongod on 127.0.0.1:$MONGO_PORT (data $DATA/mongo, log $LOGS/mongod.log)"
  mongod --dbpath "$DATA/mongo" --bind_ip 127.0.0.1 --port "$MONGO_PORT" \
         --fork --logpath "$LOGS/mongod.log" --logappend --pidfilepath "$mongod_pidfile" >&2
  mongo_started=mongod
  for _ in $(seq 1 300); do port_open "$MONGO_PORT" && break; sleep 0.1; done
  port_open "$MONGO_PORT" || { log "mongod does not answer on $MONGO_PORT; see $LOGS/mongod.log"; exit 1; }
else
  cat >&2 <<EOF

!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  NO mongod FOUND: starting the npm MongoDB wire-protocol TEST ENGINE.    !!
!!  It keeps everything IN MEMORY and loses it all when it stops.           !!
!!  It is NOT MongoDB. NEVER use this setup for real data.                  !!
!!  Install MongoDB (mongod on PATH) or point the services at a real one.   !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

EOF
  mongo_started=engine   # set first: a failed start cleans up its own process, stop is harmless
  deploy/scripts/mongo-engine.sh start "$MONGO_PORT"
fi

# 3. One token key and one Data Protection key ring for all three services, made on first run and kept.
if [[ ! -s $DATA/signing.key ]]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$DATA/signing.key")
  log "made the token key $DATA/signing.key"
fi
mkdir -p "$DATA/keys"

# 4. Build once, then run each service from its output folder.
for s in "${SERVICES[@]}"; do
  log "building $s (Release)"
  dotnet build "services/$s/$s.csproj" -c Release -nologo -v quiet >&2
done

started_at=$(now_ms)
for s in "${SERVICES[@]}"; do
  bin=$ROOT/services/$s/bin/Release/net10.0
  (cd "$bin" && exec dotnet "Followups.$s.dll" \
      --urls="http://127.0.0.1:${PORT[$s]}" \
      --Bus:Transport=RabbitMq \
      --Storage:Provider=MongoDb \
      --Storage:MongoConnectionString="$MONGO_URL" \
      --Auth:SigningKeyFile="$DATA/signing.key" \
      --DataProtection:KeysDirectory="$DATA/keys") >"$LOGS/$s.log" 2>&1 </dev/null &
  PID[$s]=$!
  log "started $s (pid ${PID[$s]}, port ${PORT[$s]}, log $LOGS/$s.log)"
done

# 5. Wait until every /health/ready answers 200.
pending=("${SERVICES[@]}")
deadline=$((SECONDS + READY_TIMEOUT))
while ((${#pending[@]})); do
  still=()
  for s in "${pending[@]}"; do
    if ! kill -0 "${PID[$s]}" 2>/dev/null; then
      log "$s exited before it was ready; last lines of $LOGS/$s.log:"; tail -n 30 "$LOGS/$s.log" >&2; exit 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:${PORT[$s]}/health/ready" || true)
    if [[ $code == 200 ]]; then log "$s ready after $(since "$started_at")"; else still+=("$s"); fi
  done
  pending=("${still[@]}")
  ((${#pending[@]})) || break
  if ((SECONDS >= deadline)); then
    log "not ready after ${READY_TIMEOUT}s: ${pending[*]}"
    for s in "${pending[@]}"; do log "last lines of $LOGS/$s.log:"; tail -n 30 "$LOGS/$s.log" >&2; done
    exit 1
  fi
  sleep 0.5
done

cat <<EOF
Followups is running distributed (all ready $(since "$started_at") after start):
  capture   http://127.0.0.1:$CAPTURE_PORT   (POST/GET /api/v1/agreements)
  planner   http://127.0.0.1:$PLANNER_PORT   (GET /api/v1/tasks)
  notifier  http://127.0.0.1:$NOTIFIER_PORT   (PUT/GET /api/v1/organisations, GET /api/v1/notifications)
  MongoDB   $MONGO_URL$([[ $mongo_started == engine ]] && echo '   <- in-memory TEST ENGINE, not for real data')
  RabbitMQ  amqp://127.0.0.1:5672 (management http://127.0.0.1:15672)$($rabbit_started || echo ', not started by this script: left running')
  logs      $LOGS/
Every API call needs a token; mint one (roles: secretariat, member with --org, manager, admin):
  dotnet run --project services/Standalone -- token --role secretariat --Auth:SigningKeyFile=$DATA/signing.key
Ctrl-C stops everything this script started.
EOF

# 6. Stay up until Ctrl-C/TERM (the traps clean up) or until a service exits on its own.
set +e
wait -n "${PID[@]}"
rc=$?
set -e
for s in "${SERVICES[@]}"; do
  if ! kill -0 "${PID[$s]}" 2>/dev/null; then log "$s (pid ${PID[$s]}) exited with status $rc; stopping the rest. See $LOGS/$s.log"; fi
done
exit 1
