# Sourced by the package tests: "make dist"'s tarball in a scratch
# directory that is removed at exit.
#
# Needs: BUILDDIR.  Sets WORK (the scratch directory), VERSION and TARBALL.

# Creates $WORK and builds the dist tarball into it.  Runs "$@" (a
# cleanup function) and removes $WORK at exit.
package_prepare() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/jstack-package.XXXXXX")
    # shellcheck disable=SC2064
    trap "$*; rm -rf '$WORK'" EXIT
    VERSION=$(sed -n 's/^VERSION = //p' "$BUILDDIR/Makefile")
    make -C "$BUILDDIR" dist-gzip >"$WORK/dist.log" 2>&1 \
        || { cat "$WORK/dist.log"; return 1; }
    mv "$BUILDDIR/jstack-agent-$VERSION.tar.gz" "$WORK/"
    TARBALL=$WORK/jstack-agent-$VERSION.tar.gz
}

# Fails with a message if command $1 is missing.
package_need() {
    command -v "$1" >/dev/null || {
        echo "$1 is missing: run scripts/setup.sh (it installs $2)" >&2
        exit 1
    }
}
