#!/usr/bin/env bash
# Build hhdesk.app and a .dmg on a Mac, in one command from the repository's top folder:
#
#     installers/macos/build_dmg.sh
#
# Needs: macOS 12 or later, Python 3.11 from python.org (universal2) or Homebrew (set PYTHON=/path/to/it),
# and the Xcode command line tools (xcode-select --install) for codesign, hdiutil and xcrun.
# Makes .venv/ (via `make dist`, which also runs the program's smoke test), dist/hhdesk.app, and
# dist/hhdesk-<version>-<arch>.dmg.
#
# Without a certificate the app is signed ad hoc: it runs on this Mac, and on others only after a right-click
# > Open (Gatekeeper). To sign and notarise for distribution, have ready (they are not in this repository):
#   1. A "Developer ID Application" certificate of the agency's or our Apple Developer account, in the login
#      keychain:  security find-identity -v -p codesigning  lists it.
#   2. Notarisation credentials stored once in the keychain under a profile name:
#        xcrun notarytool store-credentials hhdesk-notary \
#            --apple-id "<apple id e-mail>" --team-id "<TEAMID>" --password "<app-specific password>"
# then run:
#     SIGN_IDENTITY="Developer ID Application: <Organisation name> (<TEAMID>)" \
#     NOTARY_PROFILE=hhdesk-notary installers/macos/build_dmg.sh
# which signs every binary in the app with the hardened runtime and a secure timestamp, signs the app and
# the .dmg, submits the .dmg to Apple's notary service and waits, staples the ticket to it, and checks the
# result with spctl as Gatekeeper would.
#
# ARCH: the PySide6 and Python wheels are universal2; by default the app is thinned to this Mac's
# architecture (about half the size of Qt). ARCH=universal2 keeps both; ARCH=x86_64 or ARCH=arm64 picks one.
set -euo pipefail

cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
SIGN_IDENTITY=${SIGN_IDENTITY:--}
NOTARY_PROFILE=${NOTARY_PROFILE:-}
ARCH=${ARCH:-$(uname -m)}
ENTITLEMENTS=installers/macos/entitlements.plist

VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' hhdesk/__init__.py)
echo "hhdesk ${VERSION} for macOS (${ARCH})"

# 1. The one-folder program and hhdesk.app (the spec adds the BUNDLE step on macOS), and the smoke test
#    of the program inside the bundle's folder.
make dist PYTHON="${PYTHON}"
APP=dist/hhdesk.app
test -d "${APP}" || { echo "PyInstaller made no ${APP}" >&2; exit 1; }

# 2. Thin to one architecture (ditto drops the other slices of every universal binary it copies).
if [ "${ARCH}" != "universal2" ]; then
    rm -rf dist/thin && mkdir -p dist/thin
    ditto --arch "${ARCH}" "${APP}" "dist/thin/hhdesk.app"
    rm -rf "${APP}" && mv dist/thin/hhdesk.app "${APP}" && rmdir dist/thin
fi

# 3. Sign: every Mach-O file inside first (innermost first), then the app. Thinning invalidated the
#    signatures PyInstaller made, so this runs for ad hoc builds too.
SIGN_ARGS=(--force --sign "${SIGN_IDENTITY}")
if [ "${SIGN_IDENTITY}" != "-" ]; then
    SIGN_ARGS+=(--options runtime --timestamp --entitlements "${ENTITLEMENTS}")
fi
find "${APP}/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) -print0 |
    while IFS= read -r -d '' file; do
        if file -b "${file}" | grep -q "Mach-O"; then
            codesign "${SIGN_ARGS[@]}" "${file}"
        fi
    done
find "${APP}/Contents" -type d -name "*.framework" -print0 | sort -rz |
    while IFS= read -r -d '' framework; do codesign "${SIGN_ARGS[@]}" "${framework}"; done
codesign "${SIGN_ARGS[@]}" "${APP}"
codesign --verify --deep --strict --verbose=2 "${APP}"

# 4. The smoke test once more, now of the signed app as a user would start it.
"${APP}/Contents/MacOS/hhdesk" --smoke-test

# 5. The disk image: the app and a link to /Applications to drag it onto.
DMG="dist/hhdesk-${VERSION}-${ARCH}.dmg"
STAGING=$(mktemp -d)
trap 'rm -rf "${STAGING}"' EXIT
ditto "${APP}" "${STAGING}/hhdesk.app"
ln -s /Applications "${STAGING}/Applications"
rm -f "${DMG}"
hdiutil create -volname "hhdesk ${VERSION}" -srcfolder "${STAGING}" -fs HFS+ -format UDZO -ov "${DMG}"

# 6. Sign, notarise and staple the disk image (only with a Developer ID).
if [ "${SIGN_IDENTITY}" != "-" ]; then
    codesign --force --timestamp --sign "${SIGN_IDENTITY}" "${DMG}"
    if [ -n "${NOTARY_PROFILE}" ]; then
        xcrun notarytool submit "${DMG}" --keychain-profile "${NOTARY_PROFILE}" --wait
        xcrun stapler staple "${DMG}"
        xcrun stapler validate "${DMG}"
        spctl --assess --type open --context context:primary-signature --verbose=2 "${DMG}"
    else
        echo "Signed but not notarised: set NOTARY_PROFILE to notarise." >&2
    fi
fi

du -sh "${APP}" "${DMG}"
echo "Done: ${DMG}"
