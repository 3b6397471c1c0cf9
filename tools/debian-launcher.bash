# The body of the launchers tools/debian-pythons.sh writes; sourced by each with MPBENCH_ROOT,
# MPBENCH_REAL (the interpreter's path inside the root) and MPBENCH_CACHE set.
#
# Rule: every step execs, so the interpreter keeps the launcher's pid: signals reach it and its
# exit status is the launcher's. $0 is the path the launcher was run by: its own, or a venv's
# link to it. Inside the root that same path is run again, and there $MPBENCH_CACHE/bin holds
# plain links to the interpreters ($MPBENCH_CACHE/inroot-bin bound over it): sys.executable is
# the launcher's path on both sides, and a process the interpreter starts (spawn, forkserver,
# a venv's python) runs the real binary with no shell in between.

mpbench_marker=/etc/mpbench-debian-root

if [ -e "$mpbench_marker" ]; then
    # Inside the root already (a child of a launched interpreter, or a venv's python).
    exec -a "$0" "$MPBENCH_REAL" "$@"
fi

mpbench_checkout() {
    # The nearest folder above the working directory that holds .git (a checkout or worktree).
    local dir="$PWD"
    while [ "$dir" != "/" ] && [ -n "$dir" ]; do
        [ -e "$dir/.git" ] && { echo "$dir"; return 0; }
        dir="$(dirname "$dir")"
    done
    return 0
}

mpbench_binds() {
    # Host folders bound at the same path: /tmp, the cache's venvs, the checkout around the
    # working directory, those recorded at setup ($MPBENCH_CACHE/binds), $MPBENCH_DEBIAN_BINDS.
    echo /tmp
    echo "$MPBENCH_CACHE/venvs"
    mpbench_checkout
    [ -r "$MPBENCH_CACHE/binds" ] && cat "$MPBENCH_CACHE/binds"
    [ -n "${MPBENCH_DEBIAN_BINDS:-}" ] && tr ':' '\n' <<<"$MPBENCH_DEBIAN_BINDS"
    return 0
}

if [ -z "${MPBENCH_LAUNCHER_IN_NS:-}" ]; then
    # Step 1, on the host: a private mount namespace (as an unprivileged user, a user namespace
    # too), then this same script again in it.
    [ -d "$MPBENCH_ROOT/usr" ] || {
        echo "mpbench launcher: no Debian root at $MPBENCH_ROOT; run tools/debian-pythons.sh" >&2
        exit 127
    }
    mpbench_userns=()
    [ "$(id -u)" -eq 0 ] || mpbench_userns=(--user --map-root-user)
    MPBENCH_LAUNCHER_IN_NS="$PWD" exec unshare "${mpbench_userns[@]}" --mount \
        --propagation private -- /bin/bash "$0" "$@"
fi

# Step 2, in the private namespace: bind, chroot, cd back, exec this script inside the root.
mpbench_cwd="$MPBENCH_LAUNCHER_IN_NS"
unset MPBENCH_LAUNCHER_IN_NS
mpbench_bind() {
    # mpbench_bind KIND PATH: KIND is --bind or --rbind; a missing host path is skipped.
    [ -e "$2" ] || return 0
    local target="$MPBENCH_ROOT$2"
    if [ -d "$2" ]; then mkdir -p "$target"; else [ -e "$target" ] || : > "$target"; fi
    mount "$1" "$2" "$target"
}
mpbench_bind --bind /proc
mpbench_bind --rbind /sys
mpbench_bind --rbind /dev
while read -r mpbench_path; do
    [ -n "$mpbench_path" ] && mpbench_bind --rbind "$mpbench_path"
done < <(mpbench_binds | sort -u)
mount --bind "$MPBENCH_CACHE/inroot-bin" "$MPBENCH_ROOT$MPBENCH_CACHE/bin"
# The host's network setup (name service, pip's index and its CA bundle): pip works the same inside.
for mpbench_file in /etc/resolv.conf /etc/hosts /etc/pip.conf /etc/ssl/certs/ca-certificates.crt; do
    mpbench_bind --bind "$mpbench_file"
done
# A container's marker files: the fingerprint inside the root still sees the container.
for mpbench_file in /.dockerenv /run/.containerenv; do
    mpbench_bind --bind "$mpbench_file"
done
exec chroot "$MPBENCH_ROOT" /bin/bash -c '
    cd -- "$1" 2>/dev/null || {
        echo "mpbench launcher: $1 is not bound into the Debian root: run from a git checkout or" \
             "/tmp, or add a folder above it to MPBENCH_DEBIAN_BINDS" >&2
        exit 126
    }
    shift; exec "$@"' mpbench-enter "$mpbench_cwd" "$0" "$@"
