#!/bin/sh
# Install the Debian packages vssdoctor's build and tests need, when missing.
# One clear line when that is not possible (not root, no apt-get).
set -u
PKGS="build-essential pkg-config ntfs-3g ntfs-3g-dev libregf-dev libregf-utils
libevtx-dev libevtx-utils libbfio-dev libvhdi-dev libvhdi-utils libewf-dev
ewf-tools libvmdk-dev libqcow-dev libjansson-dev libxml2-dev libxml2-utils
nettle-dev check qemu-utils valgrind strace clang llvm libclang-rt-14-dev
python3 python3-jsonschema python3-junitparser python3-samba
libbde-dev libbde-utils libdislocker0-dev dislocker libpng-dev chromium
libvshadow-dev libvshadow-utils libhivex-dev"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "vssdoctor: deps: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "vssdoctor: deps: missing packages:$missing (run 'make deps' as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "vssdoctor: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
apt-get update -qq >"$log" 2>&1 ||
	{ cat "$log" >&2; rm -f "$log"; echo "vssdoctor: deps: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1 ||
	{ cat "$log" >&2; rm -f "$log"; echo "vssdoctor: deps: apt-get install$missing failed" >&2; exit 1; }
rm -f "$log"
