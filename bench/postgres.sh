#!/usr/bin/env bash
# Runs a command against fnflow in its production shape on this machine:
# PostgreSQL 15, a Temporal server on it, and `fnflow worker` and
# `fnflow gateway` as processes of their own (docs/benchmarks.md, "The
# production shape: PostgreSQL").
#
#   bench/postgres.sh                  # bench/fnflow-bench against the stack
#   WORKERS=2 bench/postgres.sh -- CMD ARGS...
#
# CMD runs with TEMPORAL_ADDRESS, NAMESPACE, GATEWAY_URL, ACCESS_KEY_ID,
# ACCESS_KEY_SECRET, PIDS (the Temporal server's, each worker's and the
# gateway's, comma-separated) and FUNCTION_ADDR (where the workers' bindings
# expect fnflow-bench's function, services/fnflow-bench/functions/step,
# unless FUNCTIONS says otherwise) in its environment; its exit status is the
# script's. Everything the script started is stopped and its temporary
# directory removed when it ends, however it ends.
#
# Settings (environment):
#   WORKERS         fnflow worker processes (1)
#   HISTORY_SHARDS  Temporal history shards (4)
#   FUNCTIONS       bindings file the workers run with (--functions); when empty, one
#                   binding fnflow-bench's function at FUNCTION_ADDR
#   SCENARIOS       fnflow-bench --scenarios, when no CMD is given (throughput)
#   CONCURRENCY     fnflow-bench --concurrency, when no CMD is given (10,50)
#   JSON            fnflow-bench --json, when no CMD is given
#                   (bench/results/postgres-WORKERS-workers.json)
set -euo pipefail
export GOTOOLCHAIN=local

workers=${WORKERS:-1}
shards=${HISTORY_SHARDS:-4}
# Paths the caller gives are the caller's, and so is the command's directory.
caller=$PWD
functions=${FUNCTIONS:+$(realpath "$FUNCTIONS")}
json=$(realpath -m "${JSON:-$(dirname "$0")/results/postgres-$workers-workers.json}")
cd "$(dirname "$0")/.."
namespace=default
task_queue=fnflow
pg_bin=/usr/lib/postgresql/15/bin

if ! [[ $workers =~ ^[1-9][0-9]*$ ]]; then
	echo "postgres.sh: WORKERS must be a positive number, not '$workers'" >&2
	exit 2
fi
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
	echo "postgres.sh: HISTORY_SHARDS must be a positive number, not '$shards'" >&2
	exit 2
fi
if [[ $# -gt 0 ]]; then
	if [[ $1 != -- || $# -lt 2 ]]; then
		echo "usage: bench/postgres.sh [-- COMMAND [ARGS...]]" >&2
		exit 2
	fi
	shift
fi

# step NAME says what the stack is doing and how long it has taken so far.
started=${EPOCHREALTIME/./}
step() {
	local tenths=$(((${EPOCHREALTIME/./} - started) / 100000))
	printf 'postgres.sh: %4d.%ds  %s\n' $((tenths / 10)) $((tenths % 10)) "$1" >&2
}

if [[ ! -x $pg_bin/postgres ]]; then
	step "installing PostgreSQL 15 (Debian's postgresql)"
	apt-get update && apt-get install -y postgresql
fi

work=$(mktemp -d -t fnflow-postgres.XXXXXX)
# The postgres user only has to reach its data directory, not read the rest
# (the token key, the access keys, the database password).
chmod 711 "$work"
mkdir -p "$work/bin" "$work/logs" "$work/temporal"
server_pid= gateway_pid= worker_pids=() command_pid= ready=

# stop PID... ends the processes with SIGTERM, as an orchestrator would, and
# kills those that have not ended 15 s later.
stop() {
	local pid
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "$@"; do
		for _ in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	# A stack that did not come up says why; once it is up, the command speaks
	# for itself.
	if [[ $status -ne 0 && -z $ready ]]; then
		for log in "$work"/logs/*.log; do
			[[ -s $log ]] || continue
			echo "--- last lines of $(basename "$log")" >&2
			tail -n 15 "$log" >&2
		done
	fi
	# Clients first, so that nothing calls a server that is going away.
	[[ -n $command_pid ]] && stop "$command_pid"
	[[ -n $gateway_pid ]] && stop "$gateway_pid"
	[[ ${#worker_pids[@]} -gt 0 ]] && stop "${worker_pids[@]}"
	[[ -n $server_pid ]] && stop "$server_pid"
	if [[ -f $work/pgdata/postmaster.pid ]]; then
		runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pgdata" -m fast -w stop >/dev/null || true
	fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port VAR sets VAR to a port on 127.0.0.1 that nothing listens on and
# that this script has not handed out yet. It draws below Linux's ephemeral
# range (32768 and up), where outgoing connections take their ports.
taken_ports=" "
free_port() {
	local port
	while :; do
		port=$((10000 + RANDOM % 22000))
		[[ $taken_ports == *" $port "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			taken_ports+="$port "
			printf -v "$1" %s "$port"
			return
		fi
	done
}
for port in pg frontend frontend_http frontend_membership history history_membership \
	matching matching_membership worker worker_membership gateway function; do
	free_port "${port}_port"
done

# wait_for WHAT SECONDS COMMAND... runs COMMAND every tenth of a second until
# it succeeds, and fails the script if SECONDS pass first.
wait_for() {
	local what=$1 seconds=$2
	shift 2
	local deadline=$((SECONDS + seconds))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			echo "postgres.sh: $what not ready after ${seconds}s" >&2
			return 1
		fi
		sleep 0.1
	done
}

step "building fnflow and, from the go.temporal.io/server that go.mod pins, temporal-server and temporal-sql-tool"
go build -o "$work/bin/fnflow" ./cmd/fnflow
# The server's commands import modules fnflow does not (their CLI library),
# so go.sum lacks those. A copy of go.mod and go.sum, in a module of its own,
# builds them with every module at fnflow's versions and leaves the repository
# as it is.
mkdir "$work/tools-module"
cp go.mod go.sum "$work/tools-module/"
(
	cd "$work/tools-module"
	go mod edit -module fnflow-bench-temporal-tools
	go build -mod=mod -o "$work/bin/temporal-server" go.temporal.io/server/cmd/server
	go build -mod=mod -o "$work/bin/temporal-sql-tool" go.temporal.io/server/cmd/tools/sql
)
temporal_module=$(go list -m -f '{{.Dir}}' go.temporal.io/server)
if [[ $# -eq 0 ]]; then
	go build -o "$work/bin/fnflow-bench" ./bench/fnflow-bench
fi

step "starting PostgreSQL 15"
pg_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
install -d -o postgres -g postgres -m 700 "$work/pgdata"
install -o postgres -g postgres -m 600 /dev/null "$work/pgdata.password"
echo "$pg_password" >"$work/pgdata.password"
runuser -u postgres -- "$pg_bin/initdb" --pgdata "$work/pgdata" --username temporal \
	--pwfile "$work/pgdata.password" --auth scram-sha-256 --encoding UTF8 --no-locale \
	>"$work/logs/initdb.log"
rm "$work/pgdata.password"
# fsync and synchronous_commit keep their defaults (on): a commit is on disk,
# as in production. TCP on loopback only, no Unix socket.
install -o postgres -g postgres -m 600 /dev/null "$work/logs/postgresql.log"
runuser -u postgres -- "$pg_bin/pg_ctl" --pgdata "$work/pgdata" --wait \
	--log "$work/logs/postgresql.log" \
	-o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=''" \
	start >/dev/null

step "creating the temporal and temporal_visibility databases"
sql_tool() {
	SQL_PASSWORD=$pg_password "$work/bin/temporal-sql-tool" --plugin postgres12 \
		--endpoint 127.0.0.1 --port "$pg_port" --user temporal "$@"
}
for database in temporal visibility; do
	name=temporal
	[[ $database == visibility ]] && name=temporal_visibility
	{
		sql_tool --database "$name" create-database
		sql_tool --database "$name" setup-schema --version 0.0
		sql_tool --database "$name" update-schema \
			--schema-dir "$temporal_module/schema/postgresql/v12/$database/versioned"
	} >>"$work/logs/schema.log" 2>&1
done

step "starting the Temporal server ($shards history shards)"
cat >"$work/temporal/dynamicconfig.yaml" <<'EOF'
# Each callback -> next step hop waits for a transfer-queue read, which the
# default of 20 reads/s per shard delays by up to ~50 ms: the value of
# docker-compose.yml.
history.transferProcessorMaxPollRPS:
  - value: 200
# MNS queues give each message's delivery activity its MNS priority, 1 to 16;
# matching knows 5 levels by default and would clip them (docs/integrations.md).
matching.priorityLevels:
  - value: 16
EOF
# datastore NAME DATABASE CONNECTIONS prints one PostgreSQL datastore.
datastore() {
	cat <<EOF
    $1:
      sql:
        pluginName: postgres12
        databaseName: $2
        connectAddr: 127.0.0.1:$pg_port
        connectProtocol: tcp
        user: temporal
        password: "$pg_password"
        maxConns: $3
        maxIdleConns: $3
        maxConnLifetime: 1h
EOF
}
# service NAME prints one service of the server, on the ports drawn for it;
# all four run in the one process and find each other through membership on
# loopback.
service() {
	local grpc=${1}_port membership=${1}_membership_port
	cat <<EOF
  $1:
    rpc:
      grpcPort: ${!grpc}
      membershipPort: ${!membership}
      bindOnLocalHost: true
EOF
}
{
	cat <<EOF
log:
  stdout: true
  level: info
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: $shards
  datastores:
EOF
	datastore default temporal 20
	datastore visibility temporal_visibility 10
	cat <<EOF
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
EOF
	service frontend
	echo "      httpPort: $frontend_http_port"
	service history
	service matching
	service worker
	cat <<EOF
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$frontend_port
dcRedirectionPolicy:
  policy: noop
archival:
  history:
    state: disabled
  visibility:
    state: disabled
namespaceDefaults:
  archival:
    history:
      state: disabled
    visibility:
      state: disabled
publicClient:
  hostPort: 127.0.0.1:$frontend_port
dynamicConfigClient:
  filepath: $work/temporal/dynamicconfig.yaml
  pollInterval: 10s
EOF
} >"$work/temporal/config.yaml"
chmod 600 "$work/temporal/config.yaml"
"$work/bin/temporal-server" --config-file "$work/temporal/config.yaml" --allow-no-auth start \
	>"$work/logs/temporal-server.log" 2>&1 &
server_pid=$!
temporal_http=http://127.0.0.1:$frontend_http_port/api/v1
# The frontend's HTTP API answers once the frontend serves requests, which an
# open gRPC port does not prove.
wait_for "the Temporal frontend" 120 curl -fsS "$temporal_http/cluster-info"

step "registering the namespace $namespace"
# With the retention of docker-compose.yml (720 h): how long DescribeExecution
# can still see an execution after it ended. A fresh server can answer a
# moment before it accepts namespace calls, so this is retried until the
# namespace is there.
register_namespace() {
	curl -fsS "$temporal_http/namespaces/$namespace" ||
		curl -fsS -X POST "$temporal_http/namespaces" -H 'Content-Type: application/json' \
			-d "{\"namespace\":\"$namespace\",\"workflowExecutionRetentionPeriod\":\"2592000s\"}"
}
wait_for "registering the namespace" 60 register_namespace

step "starting $workers fnflow worker(s) and the gateway"
token_key=$(head -c 32 /dev/urandom | base64)
access_key_id=bench
access_key_secret=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')
if [[ -z $functions ]]; then
	functions=$work/functions.yaml
	printf 'functions:\n  - resource: services/fnflow-bench/functions/step\n    http: {url: "http://127.0.0.1:%s/invoke"}\n' "$function_port" >"$functions"
fi
for i in $(seq "$workers"); do
	FNFLOW_TOKEN_KEY=$token_key "$work/bin/fnflow" worker \
		--temporal-address "127.0.0.1:$frontend_port" --namespace "$namespace" --task-queue "$task_queue" \
		${functions:+--functions "$functions"} \
		>"$work/logs/worker-$i.log" 2>&1 &
	worker_pids+=($!)
done
# Signed requests, as a gateway others can reach must have them: the load
# pays for the signature checks a production gateway makes.
FNFLOW_TOKEN_KEY=$token_key FNFLOW_ACCESS_KEYS="$access_key_id:$access_key_secret" \
	"$work/bin/fnflow" gateway \
	--temporal-address "127.0.0.1:$frontend_port" --namespace "$namespace" --task-queue "$task_queue" \
	--addr "127.0.0.1:$gateway_port" \
	>"$work/logs/gateway.log" 2>&1 &
gateway_pid=$!
gateway_url=http://127.0.0.1:$gateway_port
wait_for "the gateway" 60 curl -fsS "$gateway_url/readyz"

# workers_polling succeeds once every worker polls the flows' task queue.
workers_polling() {
	local pollers
	pollers=$(curl -fsS "$temporal_http/namespaces/$namespace/task-queues/$task_queue" |
		grep -o '"identity":"[^"]*"' | sort -u | wc -l)
	[[ $pollers -ge $workers ]]
}
wait_for "the workers" 60 workers_polling
for pid in "${worker_pids[@]}"; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "postgres.sh: a worker exited" >&2
		exit 1
	fi
done

pids=$(IFS=,; echo "$server_pid,${worker_pids[*]},$gateway_pid")
ready=yes
step "ready: Temporal 127.0.0.1:$frontend_port, gateway $gateway_url, PIDs $pids"

export TEMPORAL_ADDRESS=127.0.0.1:$frontend_port NAMESPACE=$namespace GATEWAY_URL=$gateway_url
export ACCESS_KEY_ID=$access_key_id ACCESS_KEY_SECRET=$access_key_secret PIDS=$pids FUNCTION_ADDR=127.0.0.1:$function_port
if [[ $# -eq 0 ]]; then
	mkdir -p "$(dirname "$json")"
	set -- "$work/bin/fnflow-bench" --temporal-address "$TEMPORAL_ADDRESS" --namespace "$NAMESPACE" \
		--gateway "$GATEWAY_URL" --access-key-id "$ACCESS_KEY_ID" --access-key-secret "$ACCESS_KEY_SECRET" \
		--pids "$PIDS" --function-addr "$FUNCTION_ADDR" --scenarios "${SCENARIOS:-throughput}" \
		--concurrency "${CONCURRENCY:-10,50}" --json "$json"
fi
# In the background, so that a signal to this script is handled at once
# (bash runs traps only between foreground commands) and stops the command too.
(cd "$caller" && exec "$@") &
command_pid=$!
status=0
wait "$command_pid" || status=$?
command_pid=
step "the command exited with status $status; stopping"
exit "$status"
