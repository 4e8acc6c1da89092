#!/bin/sh
# Stop what hub/start.sh started: JupyterHub and its proxy, then the gradebook's PostgreSQL. The users'
# servers and kernels keep running (the hub sets cleanup_servers = False, so a restart does not
# interrupt a class); `hub/stop.sh --servers` stops the listed users' servers too.
# While an autograde runs (`nbgrader autograde` or `ovp-instructor autograde`, by anyone), it warns,
# names the processes and stops nothing: stopping PostgreSQL would fail every grade not yet written.
# `--force` stops anyway. Run as root from the repository root: hub/stop.sh [--servers] [--force]
set -u
OVP_HUB_DIR=${OVP_HUB_DIR:-/srv/ovp-hub}
force=0
servers=0
for arg in "$@"; do
	case "$arg" in
	--force) force=1 ;;
	--servers) servers=1 ;;
	*) echo "hub/stop.sh: unknown option $arg (expected --servers, --force)" >&2; exit 2 ;;
	esac
done
grading=$(ps -eww -o pid=,user=,args= | grep -E '(nbgrader|ovp-instructor) autograde( |$)' | grep -v -e 'grep -E')
if [ -n "$grading" ]; then
	echo "hub/stop.sh: grading is running; stopping the gradebook now would lose its grades:" >&2
	echo "$grading" | sed 's/^/    /' >&2
	if [ "$force" != 1 ]; then
		echo "hub/stop.sh: nothing stopped; wait for it to finish, or run hub/stop.sh --force" >&2
		exit 1
	fi
	echo "hub/stop.sh: --force: stopping anyway" >&2
fi
if [ -f "$OVP_HUB_DIR/jupyterhub.pid" ]; then
	pid=$(cat "$OVP_HUB_DIR/jupyterhub.pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
fi
if [ -f "$OVP_HUB_DIR/proxy.pid" ]; then
	kill -TERM "$(cat "$OVP_HUB_DIR/proxy.pid")" 2>/dev/null
fi
if [ "$servers" = 1 ]; then
	for name in $(echo "${OVP_HUB_STUDENTS:-},${OVP_HUB_INSTRUCTORS:-}" | tr ',' ' '); do
		pkill -TERM -u "$name" -f jupyterhub-singleuser 2>/dev/null
	done
fi
python3 hub/pgcluster.py stop "$OVP_HUB_DIR/postgres"
