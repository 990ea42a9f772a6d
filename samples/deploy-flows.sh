#!/usr/bin/env bash
# Creates or updates flows through an fnflow gateway, the way
# `fnflow dev --flows DIR` deploys them at start: each FILE.yaml becomes the
# flow named FILE.
#
# Usage: deploy-flows.sh [-g URL] DIR_OR_FILE...
#   -g URL   gateway (default $FNFLOW_GATEWAY or http://127.0.0.1:8080)
set -euo pipefail

shopt -s nullglob

gateway=${FNFLOW_GATEWAY:-http://127.0.0.1:8080}

usage() {
	sed -n '2,7s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

while getopts 'g:h' opt; do
	case $opt in
	g) gateway=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -gt 0 ]] || usage
gateway=${gateway%/}

# flow ACTION FILE sends the file as the flow's definition; curl reads and
# form-encodes it (Definition@FILE). Prints the reply; fails on an HTTP error.
flow() {
	curl -sS -w '\n%{http_code}' "$gateway/?Action=$1&Version=2019-03-15" \
		--data-urlencode "Name=$(basename "$2" .yaml)" \
		--data-urlencode "Definition@$2" \
		--data-urlencode "Type=FDL"
}

files=()
for arg in "$@"; do
	if [[ -d $arg ]]; then
		files+=("$arg"/*.yaml)
	else
		files+=("$arg")
	fi
done

for file in "${files[@]}"; do
	name=$(basename "$file" .yaml)
	reply=$(flow CreateFlow "$file")
	status=${reply##*$'\n'} body=${reply%$'\n'*}
	if [[ $status == 409 && $body == *FlowAlreadyExists* ]]; then
		reply=$(flow UpdateFlow "$file")
		status=${reply##*$'\n'} body=${reply%$'\n'*}
		action=updated
	else
		action=created
	fi
	if [[ $status != 2* ]]; then
		echo "$file: HTTP $status $body" >&2
		exit 1
	fi
	echo "$action flow $name from $file"
done
