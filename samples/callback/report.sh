#!/usr/bin/env bash
# Reports a waiting callback task of an fnflow execution with curl.
#
# Usage:
#   report.sh [options] FLOW EXECUTION   find the token in the execution's history
#   report.sh [options] -t TOKEN         report a token you already have
# Options:
#   -g URL     gateway (default $FNFLOW_GATEWAY or http://127.0.0.1:8080)
#   -o JSON    output to report (default {"status":"ok"})
#   -e ERROR   report the task failed with this error name instead
#   -c CAUSE   cause to report with -e
#   -w SECS    how long to wait for the task to be submitted (default 60)
#
# Like Alibaba's sample worker.py, it reads the token from the TaskSubmitted
# event; a real worker gets it from the work it is handed. Needs curl 7.76 or
# newer (--fail-with-body); no jq: the token is picked out with grep and sed.
set -euo pipefail

gateway=${FNFLOW_GATEWAY:-http://127.0.0.1:8080}
output='{"status":"ok"}'
error=''
cause='reported by report.sh'
wait_secs=60
token=''

usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts 'g:o:e:c:w:t:h' opt; do
	case $opt in
	g) gateway=$OPTARG ;;
	o) output=$OPTARG ;;
	e) error=$OPTARG ;;
	c) cause=$OPTARG ;;
	w) wait_secs=$OPTARG ;;
	t) token=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
gateway=${gateway%/}

# api METHOD ACTION NAME=VALUE... calls the gateway in Alibaba's RPC form and
# prints the JSON reply; on an HTTP error it prints the error body to stderr
# and fails.
api() {
	local method=$1 action=$2 reply
	shift 2
	local args=(-sS --fail-with-body)
	if [[ $method == GET ]]; then
		args+=(-G) # the parameters go into the query
	fi
	for param in "$@"; do
		args+=(--data-urlencode "$param")
	done
	if ! reply=$(curl "${args[@]}" "$gateway/?Action=$action&Version=2019-03-15"); then
		echo "$action failed: $reply" >&2
		return 1
	fi
	printf '%s\n' "$reply"
}

# latest_token prints the latest taskToken in a history, if any. If that task
# was reported already, the report below answers TaskAlreadyCompleted.
# EventDetail is a JSON object inside a JSON string, so its quotes arrive
# escaped: \"taskToken\":\"t1.…\". A token never holds a quote or backslash.
latest_token() {
	grep -o 'taskToken\\*"[[:space:]]*:[[:space:]]*\\*"[^"\\]*' |
		sed 's/.*"//' | tail -n 1
}

if [[ -z $token ]]; then
	[[ $# -eq 2 ]] || usage
	flow=$1 execution=$2
	for ((i = 0; i < wait_secs * 2; i++)); do
		if history=$(api GET GetExecutionHistory "FlowName=$flow" "ExecutionName=$execution" 2>/dev/null); then
			token=$(printf '%s' "$history" | latest_token || true)
			[[ -n $token ]] && break
		fi
		sleep 0.5
	done
	if [[ -z $token ]]; then
		echo "no task of $flow/$execution was submitted within ${wait_secs}s; last reply:" >&2
		api GET GetExecutionHistory "FlowName=$flow" "ExecutionName=$execution" >&2 || true
		exit 1
	fi
	echo "task token of $flow/$execution: …${token: -8}"
elif [[ $# -ne 0 ]]; then
	usage
fi

if [[ -n $error ]]; then
	echo "ReportTaskFailed $error"
	api POST ReportTaskFailed "TaskToken=$token" "Error=$error" "Cause=$cause"
else
	echo "ReportTaskSucceeded $output"
	api POST ReportTaskSucceeded "TaskToken=$token" "Output=$output"
fi
