#!/usr/bin/env bash
# Runs every test of Followups. Installs and starts what the tests need when it is missing (RabbitMQ from Debian's
# package; the MongoDB wire-protocol test engine from npm, which the tests start on free ports) and stops what it started.
# Extra arguments go to `dotnet test`. Set FOLLOWUPS_TEST_MONGO to a connection string to run the storage contract
# against a real MongoDB as well.
set -euo pipefail
cd "$(dirname "$0")/.."

rabbit=$(deploy/scripts/rabbitmq.sh ensure)
cleanup() { if [[ $rabbit == started ]]; then deploy/scripts/rabbitmq.sh stop; fi; }
trap cleanup EXIT

# Install the engine once up front, so parallel test classes do not race to install it.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 27999)
deploy/scripts/mongo-engine.sh start "$port" 2>/dev/null && deploy/scripts/mongo-engine.sh stop "$port" 2>/dev/null

# The browser tests drive Debian's chromium through Playwright (never a browser downloaded by `playwright install`).
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
fi

# The soak (category Soak, tests/Followups.EndToEnd/SoakTests.cs) is never part of this run: it is not skipped and
# counted as passed, it is filtered out. Run it on its own: see docs/reliability.md.
filter="Category!=Soak"
if [[ -z ${FOLLOWUPS_TEST_MONGO:-} ]]; then
  echo "tests/run.sh: FOLLOWUPS_TEST_MONGO is not set: the storage contract runs on LiteDB and the Mongo wire test engine, not on a real MongoDB." >&2
  filter="$filter&Category!=RealMongo"
fi

dotnet test Followups.sln -c Release --filter "$filter" --logger "console;verbosity=normal" "$@"
