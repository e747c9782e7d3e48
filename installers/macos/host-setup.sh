#!/usr/bin/env bash
# Make this Mac the agency's hhdesk host, in one command, as an administrator:
#
#     sudo installers/macos/host-setup.sh --org "Example Health Home" --admin jsmith \
#         --join-file /Volumes/USB/agency.hhjoin
#
# It downloads nothing: PostgreSQL 15 or newer must be installed first, from EDB's macOS installer
# (/Library/PostgreSQL/<N>), Postgres.app (/Applications/Postgres.app) or Homebrew (postgresql@<N>). The
# steps, each announced with its name (installers/README.md has the checklist of what to look for):
#   root          refuses to go on unless run with sudo
#   filevault     FileVault must be on (fdesetup status), unless --allow-unencrypted-disk "<reason>" is
#                 given (hhdesk writes it to the audit log)
#   postgresql    finds the newest installed PostgreSQL >= 15 and its programs
#   hhdesk-setup  `hhdesk host setup`: the cluster (initdb as the service account), TLS, the launchd daemon
#                 org.hhdesk.host (starts at boot, restarts after a crash), the application firewall, the
#                 agency, the join file, and the nightly backup (the launchd daemon org.hhdesk.host-backup)
set -euo pipefail

DATA_DIR="/Library/Application Support/hhdesk/host"
PORT=5432
HHDESK="${HHDESK:-/Applications/hhdesk.app/Contents/MacOS/hhdesk}"
ORG="" ADMIN="" JOIN_FILE="" IMPORT="" ALLOW_UNENCRYPTED=""

usage() {
    echo "usage: sudo $0 --org NAME --admin USER --join-file FILE [--data-dir DIR] [--port N]" >&2
    echo "       [--import STORE.hhdesk] [--allow-unencrypted-disk REASON]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --org) ORG="$2"; shift 2 ;;
        --admin) ADMIN="$2"; shift 2 ;;
        --join-file) JOIN_FILE="$2"; shift 2 ;;
        --data-dir) DATA_DIR="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --import) IMPORT="$2"; shift 2 ;;
        --allow-unencrypted-disk) ALLOW_UNENCRYPTED="$2"; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$ORG" ] && [ -n "$ADMIN" ] && [ -n "$JOIN_FILE" ] || usage

step() { printf '\n==> [%s] %s\n' "$1" "$2"; }
fail() { echo "host-setup: $*" >&2; exit 1; }

step root "Checking that this runs as root"
[ "$(id -u)" = 0 ] || fail "run it with sudo (it registers system services)."
[ -x "$HHDESK" ] || fail "hhdesk is not installed at $HHDESK (set HHDESK=/path/to/hhdesk)."

step filevault "Checking that FileVault encrypts the startup disk"
FILEVAULT="$(fdesetup status)"
case "$FILEVAULT" in
    *"FileVault is On."*) echo "FileVault is on." ;;
    *)
        if [ -n "$ALLOW_UNENCRYPTED" ]; then
            echo "WARNING: FileVault is not on ($FILEVAULT); going on because: $ALLOW_UNENCRYPTED" >&2
        else
            fail "FileVault is not on ($FILEVAULT). Turn it on in System Settings > Privacy & Security > FileVault, or run again with --allow-unencrypted-disk \"<reason>\"."
        fi ;;
esac

step postgresql "Finding PostgreSQL 15 or newer"
PG_BIN=""
PG_MAJOR=0
for candidate in /Library/PostgreSQL/*/bin /Applications/Postgres.app/Contents/Versions/*/bin \
        /opt/homebrew/opt/postgresql@*/bin /usr/local/opt/postgresql@*/bin; do
    [ -x "$candidate/pg_ctl" ] && [ -x "$candidate/postgres" ] || continue
    major="$("$candidate/pg_ctl" --version | sed -E 's/.*\(PostgreSQL\) ([0-9]+).*/\1/')"
    if [ "$major" -ge 15 ] && [ "$major" -gt "$PG_MAJOR" ]; then
        PG_BIN="$candidate"
        PG_MAJOR="$major"
    fi
done
[ -n "$PG_BIN" ] || fail "no PostgreSQL 15 or newer found: install it from EDB's macOS installer, Postgres.app or Homebrew first."
echo "PostgreSQL $PG_MAJOR in $PG_BIN"

step hhdesk-setup "Setting up the database service, the agency, the join file and the nightly backup"
SETUP_ARGS=(host setup --data-dir "$DATA_DIR" --org "$ORG" --admin "$ADMIN" --join-file "$JOIN_FILE" --port "$PORT")
[ -n "$IMPORT" ] && SETUP_ARGS+=(--import "$IMPORT")
[ -n "$ALLOW_UNENCRYPTED" ] && SETUP_ARGS+=(--allow-unencrypted-disk "$ALLOW_UNENCRYPTED")
HHDESK_PG_BIN="$PG_BIN" "$HHDESK" "${SETUP_ARGS[@]}"

echo
echo "Done. Copy $JOIN_FILE to each workstation and read the fingerprint above aloud when it joins."
