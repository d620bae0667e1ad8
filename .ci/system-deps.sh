#!/bin/sh
# Install the Debian packages the real-component tests need, when root and when missing.
# poppler-data: the CMap files pdftotext/pdffonts need to read CJK (CID) text; with
# --no-install-recommends poppler-utils does not pull it in. fonts-droid-fallback: the CJK
# TrueType font label PDFs embed (docs/labeling.md). libreoffice-calc-nogui: the asset register
# test converts a sheet with soffice (docs/operations.md).
PKGS="iproute2 iputils-ping snmpd snmp lldpd nmap tcpdump postgresql graphviz poppler-utils poppler-data zbar-tools chromium fonts-noto-cjk fonts-droid-fallback libzbar0 libreoffice-calc-nogui"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: not root, cannot install:$missing (the tests that need them will skip)" >&2
  exit 0
fi
echo "system-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
  || echo "system-deps: apt-get failed; tests needing$missing will skip" >&2
# snmpd/lldpd/postgresql daemons started by the package are not used by the tests.
for s in snmpd lldpd postgresql; do service "$s" stop >/dev/null 2>&1 || true; done
exit 0
