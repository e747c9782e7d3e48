#!/usr/bin/env bash
# Print org.hhdesk.postgresql.plist with its @NAMES@ filled in (host-setup.sh installs the result):
#
#     render-daemon-plist.sh POSTGRES_PROGRAM CLUSTER_DIR ACCOUNT LOG_FILE
#
# Each value is escaped for XML (& < >) and then for sed's replacement text (\ & |), so a folder such as
# "/Volumes/Smith & Jones/hhdesk" stays exactly that.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 POSTGRES_PROGRAM CLUSTER_DIR ACCOUNT LOG_FILE" >&2; exit 2; }
TEMPLATE="$(cd "$(dirname "$0")" && pwd)/org.hhdesk.postgresql.plist"
escape() {
    printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' | sed -e 's/[\\&|]/\\&/g'
}
sed -e "s|@POSTGRES@|$(escape "$1")|" \
    -e "s|@CLUSTER_DIR@|$(escape "$2")|" \
    -e "s|@ACCOUNT@|$(escape "$3")|" \
    -e "s|@LOG@|$(escape "$4")|" "$TEMPLATE"
