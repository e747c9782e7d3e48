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
#   hhdesk-setup  `hhdesk host setup`: the cluster (initdb as the service account), TLS, roles, the join
#                 file, and the nightly backup (a launchd daemon, org.hhdesk.host-backup)
#   launchd       hands the running server over to launchd: /Library/LaunchDaemons/org.hhdesk.postgresql.plist
#                 starts it at boot, as the service account, and again whenever it stops
#   firewall      lets the PostgreSQL server accept connections through the macOS application firewall
set -euo pipefail

DATA_DIR="/Library/Application Support/hhdesk/host"
CLUSTER_DIR=""
PORT=5432
HHDESK="${HHDESK:-/Applications/hhdesk.app/Contents/MacOS/hhdesk}"
ACCOUNT="${HHDESK_SERVICE_ACCOUNT:-_postgres}"
ORG="" ADMIN="" JOIN_FILE="" IMPORT="" ALLOW_UNENCRYPTED=""
LABEL="org.hhdesk.postgresql"
PLIST="/Library/LaunchDaemons/$LABEL.plist"

usage() {
    echo "usage: sudo $0 --org NAME --admin USER --join-file FILE [--data-dir DIR] [--cluster-dir DIR]" >&2
    echo "       [--port N] [--import STORE.hhdesk] [--allow-unencrypted-disk REASON]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --org) ORG="$2"; shift 2 ;;
        --admin) ADMIN="$2"; shift 2 ;;
        --join-file) JOIN_FILE="$2"; shift 2 ;;
        --data-dir) DATA_DIR="$2"; shift 2 ;;
        --cluster-dir) CLUSTER_DIR="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        --import) IMPORT="$2"; shift 2 ;;
        --allow-unencrypted-disk) ALLOW_UNENCRYPTED="$2"; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$ORG" ] && [ -n "$ADMIN" ] && [ -n "$JOIN_FILE" ] || usage
CLUSTER_DIR="${CLUSTER_DIR:-$DATA_DIR/cluster}"

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
# EDB's installer makes the account postgres; macOS itself ships _postgres, which Postgres.app and
# Homebrew leave unused. Either is an unprivileged account that cannot log in.
if ! id "$ACCOUNT" >/dev/null 2>&1; then
    id postgres >/dev/null 2>&1 && ACCOUNT=postgres || fail "no service account $ACCOUNT or postgres on this Mac."
fi

step hhdesk-setup "Setting up hhdesk's database, the certificate, the join file and the nightly backup"
SETUP_ARGS=(host setup --data-dir "$DATA_DIR" --org "$ORG" --admin "$ADMIN" --join-file "$JOIN_FILE" --port "$PORT")
[ -n "$IMPORT" ] && SETUP_ARGS+=(--import "$IMPORT")
[ -n "$ALLOW_UNENCRYPTED" ] && SETUP_ARGS+=(--allow-unencrypted-disk "$ALLOW_UNENCRYPTED")
HHDESK_PG_BIN="$PG_BIN" HHDESK_SERVICE_ACCOUNT="$ACCOUNT" "$HHDESK" "${SETUP_ARGS[@]}"

step launchd "Handing the server to launchd, so it starts at boot and after any stop"
[ -f "$CLUSTER_DIR/PG_VERSION" ] || fail "no cluster in $CLUSTER_DIR (pass --cluster-dir)."
"$HHDESK" host stop --data-dir "$DATA_DIR"
launchctl bootout "system/$LABEL" 2>/dev/null || true   # an earlier setup's daemon
"$(dirname "$0")/render-daemon-plist.sh" "$PG_BIN/postgres" "$CLUSTER_DIR" "$ACCOUNT" \
    "$DATA_DIR/postgresql.log" > "$PLIST.new"
chown root:wheel "$PLIST.new"
chmod 644 "$PLIST.new"   # launchd ignores a daemon's file that others can change
plutil -lint "$PLIST.new" >/dev/null
mv "$PLIST.new" "$PLIST"
touch "$DATA_DIR/postgresql.log"
chown "$ACCOUNT" "$DATA_DIR/postgresql.log"
chmod 600 "$DATA_DIR/postgresql.log"
launchctl bootstrap system "$PLIST"
for _ in $(seq 1 30); do
    "$PG_BIN/pg_isready" --quiet --host 127.0.0.1 --port "$PORT" && break
    sleep 1
done
"$PG_BIN/pg_isready" --host 127.0.0.1 --port "$PORT" || fail "the server did not start under launchd: see $DATA_DIR/postgresql.log"

step firewall "Letting the PostgreSQL server through the application firewall"
SOCKETFILTERFW=/usr/libexec/ApplicationFirewall/socketfilterfw
"$SOCKETFILTERFW" --add "$PG_BIN/postgres"
"$SOCKETFILTERFW" --unblockapp "$PG_BIN/postgres"
"$SOCKETFILTERFW" --getglobalstate

echo
echo "Done. Copy $JOIN_FILE to each workstation and read the fingerprint above aloud when it joins."
