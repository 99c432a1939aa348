# Shared by the scripts that start test servers (source it; bash only).

# install_packages LABEL CHECK PACKAGE...: when the command CHECK fails, install the Debian
# packages (root only). Parallel test workers (xdist) all start servers: a lock per LABEL lets
# one install while the others wait, and CHECK runs again under the lock. `apt-get update`
# only when the install fails (the package lists may be missing on a fresh machine).
# policy-rc.d (where present) keeps a package from starting its system-wide service; where one
# does start, it is left alone.
install_packages() {
    local label="$1" check="$2"
    shift 2
    if "$check"; then
        return 0
    fi
    if [[ "$(id -u)" != "0" ]]; then
        echo "$label: $* missing and only root can install it" >&2
        return 1
    fi
    exec 9>"/tmp/kc-$label-install.lock"
    flock 9
    if ! "$check"; then
        echo "$label: installing $*" >&2
        local apt=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" >&2 \
            || { "${apt[@]}" update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" install "$@" >&2; }
    fi
    flock -u 9
    exec 9>&-
    "$check"
}
