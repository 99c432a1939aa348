#!/usr/bin/env bash
# Point-in-time recovery for Kundencenter's PostgreSQL (docs/production.md). Run it as the
# user that owns the cluster (Debian: `sudo -u postgres scripts/pitr.sh ...`).
#
#   pitr.sh settings ARCHIVEDIR
#       print the postgresql.conf lines that archive every WAL file into ARCHIVEDIR
#       (needs a restart: archive_mode)
#   pitr.sh archive-wal PATH DEST
#       the archive_command: copy one WAL file, never overwrite a different one
#   pitr.sh base-backup DATADIR-OR-CONN BACKUPDIR
#       pg_basebackup of the running cluster (its data directory, e.g.
#       /var/lib/postgresql/15/main, or a connection string) into the new BACKUPDIR:
#       tar format, gzip, with the WAL needed to make it consistent (-X stream)
#   pitr.sh restore BACKUPDIR ARCHIVEDIR NEWDATADIR "TARGET-TIME"
#       unpack the base backup into the new NEWDATADIR and set it up to replay the archived
#       WAL up to TARGET-TIME (e.g. "2026-11-28 10:13:00 Europe/Berlin"), then promote.
#       Archiving stays off in the restored cluster, so a trial restore never writes into
#       the archive; start it, check it, then switch over (see docs/production.md).
#
# PG_BINDIR selects the PostgreSQL binaries (default: the newest /usr/lib/postgresql/*/bin,
# which must match the server's major version).
set -euo pipefail

die() {
    echo "pitr.sh: $*" >&2
    exit 1
}

# No single quotes in what goes into postgresql.auto.conf between single quotes.
quotable() {
    [[ "$1" != *"'"* ]] || die "no single quotes allowed: $1"
}

# A path that goes into a shell command between double quotes (archive_command runs in sh):
# nothing that sh would expand or that ends the quotes.
shell_quotable() {
    quotable "$1"
    [[ "$1" != *[\"\$\`\\]* ]] || die "no \", \$, \` or \\ allowed: $1"
}

bindir="${PG_BINDIR:-$(find /usr/lib/postgresql -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -1)}"
bindir="${bindir:-/usr/bin}"

case "${1:-}" in
settings)
    [[ $# == 2 ]] || die "usage: pitr.sh settings ARCHIVEDIR"
    archive="$(realpath -m "$2")" script="$(realpath "$0")"
    shell_quotable "$archive"
    shell_quotable "$script"
    cat <<EOF
wal_level = replica
archive_mode = on
archive_command = '"$script" archive-wal "%p" "$archive/%f"'
archive_timeout = 300   # at most 5 minutes of commits wait in an unfinished WAL file
EOF
    ;;
archive-wal)
    [[ $# == 3 ]] || die "usage: pitr.sh archive-wal PATH DEST"
    src="$2" dest="$3"
    if [[ -e "$dest" ]]; then
        # Archived before, but the server did not learn it (crash): fine if identical.
        cmp -s "$src" "$dest" || die "$dest exists and differs: not overwriting it"
        exit 0
    fi
    cp "$src" "$dest.part"
    sync "$dest.part"
    mv "$dest.part" "$dest" # atomic: the archive never holds half a WAL file
    # PostgreSQL recycles the WAL file once we exit 0: the rename must survive a power cut.
    sync "$(dirname "$dest")"
    ;;
base-backup)
    [[ $# == 3 ]] || die "usage: pitr.sh base-backup DATADIR-OR-CONN BACKUPDIR"
    source="$2" backup="$3"
    if [[ -f "$source/postmaster.pid" ]]; then
        # postmaster.pid: line 4 the port, line 5 the socket directory
        port="$(sed -n 4p "$source/postmaster.pid")"
        socket="$(sed -n 5p "$source/postmaster.pid")"
        source="host=${socket:-localhost} port=$port"
    elif [[ -d "$source" ]]; then
        die "$source: no running cluster (postmaster.pid missing)"
    fi
    [[ ! -e "$backup" ]] || die "$backup exists: a base backup goes into a new directory"
    "$bindir/pg_basebackup" -d "$source" -D "$backup" -Ft -z -X stream --checkpoint=fast
    echo "base backup in $backup ($(du -sh "$backup" | cut -f1)), keep it with the WAL archive"
    ;;
restore)
    [[ $# == 5 ]] || die "usage: pitr.sh restore BACKUPDIR ARCHIVEDIR NEWDATADIR TARGET-TIME"
    backup="$2" archive="$(realpath -m "$3")" data="$4" target="$5"
    shell_quotable "$archive"
    quotable "$target"
    [[ -f "$backup/base.tar.gz" ]] || die "$backup/base.tar.gz missing"
    [[ -d "$archive" ]] || die "$archive: no WAL archive"
    [[ ! -e "$data" || -z "$(ls -A "$data")" ]] || die "$data is not empty"
    mkdir -p "$data"
    chmod 0700 "$data"
    tar -xzf "$backup/base.tar.gz" -C "$data"
    if [[ -f "$backup/pg_wal.tar.gz" ]]; then
        tar -xzf "$backup/pg_wal.tar.gz" -C "$data/pg_wal"
    fi
    # Later lines in postgresql.auto.conf win over earlier ones and over postgresql.conf.
    cat >>"$data/postgresql.auto.conf" <<EOF
# pitr.sh restore $(date -Iseconds)
restore_command = 'cp "$archive/%f" "%p"'
recovery_target_time = '$target'
recovery_target_action = 'promote'
archive_mode = 'off'
EOF
    touch "$data/recovery.signal"
    echo "restored into $data; start it and it replays WAL up to $target, then promotes"
    echo "it stops with FATAL if the archive does not reach $target (see its log)"
    ;;
*)
    die "usage: pitr.sh settings|archive-wal|base-backup|restore ... (see the head of $0)"
    ;;
esac
