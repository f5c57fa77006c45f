#!/bin/bash
# The Debian package: "make dist"'s tarball builds with dpkg-buildpackage
# (the unit tier runs in dh_auto_test), lintian finds no error, the package
# installs with apt-get, the installed agent runs, systemd-analyze accepts
# its unit, man finds its page, and "apt-get purge" removes every file.
#
# The installed service must not start against this machine's Open
# vSwitch: a policy-rc.d that forbids every start is in place while the
# package is installed (and without systemd as PID 1 nothing starts
# anyway).  The machine is left as found: the package is purged and
# policy-rc.d restored at exit, also on failure.
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "not root: installing a package needs root"
    exit 77
fi
. "$SRCDIR/tests/lib/package.sh"
package_need dpkg-buildpackage dpkg-dev
package_need dh debhelper
package_need lintian lintian
package_need systemd-analyze systemd
package_need man man-db
if dpkg-query -W -f='${Status}' jstack-agent 2>/dev/null \
        | grep -q 'ok installed'; then
    echo "jstack-agent is already installed here; the test would remove it"
    exit 1
fi

policy=/usr/sbin/policy-rc.d
apt_options=(-y -q -o DPkg::Lock::Timeout=300)

# Puts back what the test changed: the package, policy-rc.d.
restore_machine() {
    if dpkg-query -W jstack-agent >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_options[@]}" \
            jstack-agent >/dev/null 2>&1 || true
    fi
    if [ -e "$WORK/policy-rc.d.saved" ]; then
        mv "$WORK/policy-rc.d.saved" "$policy"
    else
        rm -f "$policy"
    fi
}
package_prepare restore_machine

tar -xzf "$TARBALL" -C "$WORK"
(cd "$WORK/jstack-agent-$VERSION" \
    && dpkg-buildpackage -us -uc -b -j2) >"$WORK/build.log" 2>&1 \
    || { tail -50 "$WORK/build.log"; exit 1; }
grep -E '^[0-9]+ passed, 0 failed' "$WORK/build.log"
deb=$WORK/jstack-agent_${VERSION}_$(dpkg --print-architecture).deb
dpkg-deb -c "$deb"
lintian --fail-on error "$deb"

if [ -e "$policy" ]; then
    cp -p "$policy" "$WORK/policy-rc.d.saved"
fi
printf '#!/bin/sh\n# jstack-agent test: start nothing.\nexit 101\n' \
    >"$policy"
chmod 755 "$policy"
DEBIAN_FRONTEND=noninteractive apt-get install "${apt_options[@]}" "$deb"

/usr/sbin/jstack-agent --version | grep -q "^jstack-agent $VERSION "
unit=$(dpkg -L jstack-agent | grep '/systemd/system/jstack-agent.service$')
systemd-analyze verify "$unit"
# The hardening holds (systemd's exposure score, 0-100; 29 when written).
systemd-analyze security --offline=true --threshold=35 "$unit"
grep -q '^Type=notify$' "$unit"
test "$(man -w jstack-agent)" = /usr/share/man/man8/jstack-agent.8.gz
test -f /etc/default/jstack-agent
# Not started: no agent of the package is running.
! pgrep -x -f '/usr/sbin/jstack-agent .*' >/dev/null

files=$(dpkg -L jstack-agent | while read -r f; do
            [ -d "$f" ] || echo "$f"
        done)
DEBIAN_FRONTEND=noninteractive apt-get purge "${apt_options[@]}" jstack-agent
! dpkg-query -W jstack-agent >/dev/null 2>&1
left=0
for f in $files; do
    if [ -e "$f" ]; then
        echo "left behind: $f" >&2
        left=1
    fi
done
if [ -e /var/lib/jstack-agent ]; then
    echo "left behind: /var/lib/jstack-agent" >&2
    left=1
fi
test "$left" = 0
echo "DEB builds, installs, runs, verifies and purges cleanly"
