#!/bin/bash
# The RPM package: rpm/jstack-agent.spec builds with rpmbuild from "make
# dist"'s tarball and the OVS source tarball (the unit tier runs in
# %check), and the package holds the agent, its unit, its man page and its
# sysconfig file, with the systemd scriptlets.
#
# This is Debian's rpm: the BuildRequires are not in rpm's database, so
# the build runs with --nodeps.  The package is built, not installed.
set -eu
if [ "$(id -u)" != 0 ]; then
    echo "not root: the package tests run as root only"
    exit 77
fi
. "$SRCDIR/tests/lib/package.sh"
package_need rpmbuild rpm
ovs_tarball=/usr/src/openvswitch/openvswitch.tar.gz
test -f "$ovs_tarball" || { echo "$ovs_tarball is missing"; exit 1; }

package_prepare :
top=$WORK/rpmbuild
mkdir -p "$top/SOURCES"
mv "$TARBALL" "$top/SOURCES/"
cp "$ovs_tarball" "$top/SOURCES/openvswitch.tar.gz"
rpmbuild --nodeps --define "_topdir $top" -bb "$SRCDIR/rpm/jstack-agent.spec" \
    >"$WORK/build.log" 2>&1 || { tail -50 "$WORK/build.log"; exit 1; }
grep -E '^[0-9]+ passed, 0 failed' "$WORK/build.log"

rpm=$(ls "$top"/RPMS/*/jstack-agent-"$VERSION"-*.rpm)
rpm -qpl "$rpm" | tee "$WORK/files"
grep -qx /usr/sbin/jstack-agent "$WORK/files"
grep -qx /usr/lib/systemd/system/jstack-agent.service "$WORK/files"
grep -qx '/usr/share/man/man8/jstack-agent.8\(.gz\)\?' "$WORK/files"
grep -qx /etc/sysconfig/jstack-agent "$WORK/files"
rpm -qp --configfiles "$rpm" | grep -qx /etc/sysconfig/jstack-agent
rpm -qp --scripts "$rpm" | tee "$WORK/scripts"
grep -q 'systemctl.*preset.*jstack-agent.service' "$WORK/scripts"
grep -q 'systemctl.*disable --now.*jstack-agent.service' "$WORK/scripts"
grep -q 'systemctl.*try-restart.*jstack-agent.service' "$WORK/scripts"
echo "RPM builds and lists the agent, unit, man page and sysconfig file"
