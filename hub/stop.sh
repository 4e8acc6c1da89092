#!/bin/sh
# Stop what hub/start.sh started: JupyterHub (which stops every user's server and its proxy), then
# the gradebook's PostgreSQL. Run as root from the repository root: hub/stop.sh
set -u
OVP_HUB_DIR=${OVP_HUB_DIR:-/srv/ovp-hub}
if [ -f "$OVP_HUB_DIR/jupyterhub.pid" ]; then
	pid=$(cat "$OVP_HUB_DIR/jupyterhub.pid")
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
fi
if [ -f "$OVP_HUB_DIR/proxy.pid" ]; then
	kill -TERM "$(cat "$OVP_HUB_DIR/proxy.pid")" 2>/dev/null
fi
python3 hub/pgcluster.py stop "$OVP_HUB_DIR/postgres"
