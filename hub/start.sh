#!/bin/sh
# Start the class server on this machine: the gradebook's PostgreSQL, then JupyterHub (foreground).
# Run as root from the repository root (`make hub` does both): hub/start.sh
# Users are system users: OVP_HUB_STUDENTS and OVP_HUB_INSTRUCTORS (comma-separated) name them.
# Everything the hub keeps is under OVP_HUB_DIR (default /srv/ovp-hub); see hub/README.md.
# It refuses to start (hub/lockdown.py) unless the repository's solutions/, tests/ and .git can be
# closed to the users, no listed user's home is readable by others, and the exchange is safe.
set -eu
VENV=${VENV:-.venv}
export OVP_HUB_DIR=${OVP_HUB_DIR:-/srv/ovp-hub}
PG_PORT=${OVP_HUB_PG_PORT:-5433}
if [ "$(id -u)" != 0 ]; then
	echo "hub/start.sh: run as root (each user's JupyterLab runs as that system user)" >&2
	exit 1
fi
if [ -z "${OVP_HUB_STUDENTS:-}${OVP_HUB_INSTRUCTORS:-}" ]; then
	echo "hub/start.sh: set OVP_HUB_STUDENTS and OVP_HUB_INSTRUCTORS (comma-separated system users), e.g." >&2
	echo "    make hub OVP_HUB_STUDENTS=ada,bob OVP_HUB_INSTRUCTORS=eve" >&2
	exit 1
fi
for name in $(echo "${OVP_HUB_STUDENTS:-},${OVP_HUB_INSTRUCTORS:-}" | tr ',' ' '); do
	id "$name" >/dev/null 2>&1 || { echo "hub/start.sh: $name is not a system user (useradd -m $name)" >&2; exit 1; }
done
mkdir -p "$OVP_HUB_DIR"
chmod 755 "$OVP_HUB_DIR"
python3 hub/lockdown.py
(umask 077; python3 hub/pgcluster.py start "$OVP_HUB_DIR/postgres" --port "$PG_PORT" > "$OVP_HUB_DIR/gradebook_url")
echo "gradebook: PostgreSQL on 127.0.0.1:$PG_PORT (its db_url is in $OVP_HUB_DIR/gradebook_url, root only;"
echo "each instructor's JupyterLab gets it in its own nbgrader configuration)"
REPO=$(pwd)
cd "$OVP_HUB_DIR"
exec "$REPO/$VENV/bin/jupyterhub" -f "$REPO/hub/jupyterhub_config.py"
