#!/bin/sh
# Install what the class server needs, where it is missing (Debian, as root):
#   Debian's nodejs and npm, configurable-http-proxy (npm), Debian's postgresql;
#   jupyterhub and the PostgreSQL driver (psycopg) into the course's environment.
# Run from the repository root: hub/setup.sh [VENV]. Without root or apt-get it only says what is
# missing and exits 0 (the end-to-end test then skips with that reason).
set -eu
VENV=${1:-.venv}
missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	else
		echo "hub: missing Debian packages:$missing (as root: apt-get install$missing)"
		exit 0
	fi
fi
if ! command -v configurable-http-proxy >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		npm install -g --silent configurable-http-proxy@5
	else
		echo "hub: configurable-http-proxy is missing (as root: npm install -g configurable-http-proxy@5)"
		exit 0
	fi
fi
"$VENV/bin/python" -c "import jupyterhub, psycopg" 2>/dev/null || \
	"$VENV/bin/python" -m pip install --quiet "jupyterhub>=5,<7" "psycopg[binary]>=3.1"
