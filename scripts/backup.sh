#!/usr/bin/env bash
# Scheduled backups of Kundencenter (docs/production.md, "Backup"), run by the units
# deploy/systemd/kundencenter-backup.service (nightly) and kundencenter-basebackup.service
# (weekly).
#
#   backup.sh dump BACKUPDIR
#       pg_dump -Fc of the database (DATABASE_URL, else the PG* variables) into
#       BACKUPDIR/kundencenter-YYYY-MM-DDTHHMM.dump, checked with pg_restore --list
#   backup.sh media BACKUPDIR
#       snapshot of KC_MEDIA_ROOT into BACKUPDIR/media-YYYY-MM-DDTHHMM/ (rsync; a file
#       unchanged since the previous snapshot is a hard link to it and takes no space)
#   backup.sh base SOURCE BACKUPDIR
#       base backup for point-in-time recovery: scripts/pitr.sh base-backup SOURCE (data
#       directory or connection string) into BACKUPDIR/base-YYYY-MM-DDTHHMM/
#
# Each writes under a .part name, syncs it to disk and renames it only when it is complete
# (and, for dump, readable), so a dated name always means a whole backup. dump and media
# then delete their backups older than KC_BACKUP_KEEP_DAYS (default 35), never the one just
# made. On any failure: exit status 1, and no .part is left behind.
set -euo pipefail
umask 077 # personal data: for the backup user only, also when run by hand

die() {
    echo "backup.sh: $*" >&2
    exit 1
}

keep_days="${KC_BACKUP_KEEP_DAYS:-35}"
[[ "$keep_days" =~ ^[0-9]+$ ]] || die "KC_BACKUP_KEEP_DAYS is not a number of days: $keep_days"
stamp="$(date +%Y-%m-%dT%H%M)"
part=""
trap '[[ -z "$part" ]] || rm -rf -- "$part"' EXIT

# start NAME: the final path NAME in the backup directory; $part is where it is written.
start() {
    final="$1"
    [[ -d "$(dirname "$final")" ]] || die "$(dirname "$final"): no such directory"
    [[ ! -e "$final" ]] || die "$final exists"
    part="$final.part"
}

# finish: $part to disk (a file by fsync, a directory with its file system), then renamed.
finish() {
    if [[ -d "$part" ]]; then sync -f "$part"; else sync "$part"; fi
    mv -T -- "$part" "$final"
    part=""
    sync "$(dirname "$final")"
    echo "$final ($(du -sh "$final" | cut -f1))"
}

# prune GLOB: delete the backups matching GLOB older than keep_days, never $final.
prune() {
    find "$(dirname "$final")" -mindepth 1 -maxdepth 1 -name "$1" ! -name '*.part' \
        ! -path "$final" ! -newermt "$keep_days days ago" -printf 'deleted %p\n' -exec rm -rf -- {} +
}

case "${1:-}" in
dump)
    [[ $# == 2 ]] || die "usage: backup.sh dump BACKUPDIR"
    database=()
    if [[ -n "${DATABASE_URL:-}" ]]; then
        url="$DATABASE_URL"
        [[ "$url" =~ ^postgres(ql)?:// ]] || die "DATABASE_URL is not a postgres:// URL"
        # A password goes to pg_dump by the environment: its arguments are visible in `ps`.
        if [[ "$url" =~ ^(postgres(ql)?://[^/@:]*):([^/@]*)@(.*)$ ]]; then
            PGPASSWORD="$(printf '%b' "${BASH_REMATCH[3]//%/\\x}")"
            export PGPASSWORD
            url="${BASH_REMATCH[1]}@${BASH_REMATCH[4]}"
        fi
        database=("--dbname=$url")
    elif [[ -z "${PGDATABASE:-}" ]]; then
        die "set DATABASE_URL, or PGDATABASE (with PGHOST, PGPORT, PGUSER as needed)"
    fi
    start "$2/kundencenter-$stamp.dump"
    pg_dump --format=custom --no-password "${database[@]}" --file="$part"
    pg_restore --list "$part" >/dev/null
    finish
    prune 'kundencenter-*.dump'
    ;;
media)
    [[ $# == 2 ]] || die "usage: backup.sh media BACKUPDIR"
    media="${KC_MEDIA_ROOT:-}"
    [[ -d "$media" ]] || die "KC_MEDIA_ROOT is not a directory: '$media'"
    start "$2/media-$stamp"
    previous="$(find "$2" -mindepth 1 -maxdepth 1 -type d -name 'media-*' ! -name '*.part' | sort | tail -1)"
    status=0
    rsync -a ${previous:+"--link-dest=$(realpath "$previous")"} "$media/" "$part/" || status=$?
    # 24: files vanished during the copy (deleted by the application meanwhile): harmless.
    [[ $status == 0 || $status == 24 ]] || die "rsync failed with status $status"
    touch "$part" # its age is the backup's age (rsync gave it the media directory's)
    finish
    prune 'media-*'
    ;;
base)
    [[ $# == 3 ]] || die "usage: backup.sh base DATADIR-OR-CONN BACKUPDIR"
    start "$3/base-$stamp"
    "$(dirname "$(realpath "$0")")/pitr.sh" base-backup "$2" "$part"
    finish
    ;;
*)
    die "usage: backup.sh dump|media|base ... (see the head of $0)"
    ;;
esac
