#!/usr/bin/env bash
# Backs a folder up into a .tar.gz and keeps only the newest few.
#   backup.sh [-k N] <source folder> <backup folder>
# The archive is <backup folder>/<source name>-<UTC YYYYmmdd-HHMMSS>.tar.gz
# and holds the source folder by its own name; its path is printed. Of
# that source's archives, the newest N (3) are kept; nothing else is
# touched. Exit status: 0 done, 1 the source is not a folder, 2 usage.
set -euo pipefail

usage() {
  echo "usage: backup.sh [-k N] <source folder> <backup folder>" >&2
  exit 2
}

keep=3
while getopts ":k:" option; do
  case $option in
    k) keep=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 2 ]] || usage
[[ $keep =~ ^[1-9][0-9]*$ ]] || usage

source_dir=${1%/}
backups=$2
if [[ ! -d $source_dir ]]; then
  echo "backup.sh: $source_dir is not a folder" >&2
  exit 1
fi

name=$(basename -- "$source_dir")
mkdir -p -- "$backups"
archive="$backups/$name-$(date -u +%Y%m%d-%H%M%S).tar.gz"
tar -C "$(dirname -- "$source_dir")" -czf "$archive" -- "$name"
echo "$archive"

# Oldest first by name (the time in it); all but the newest $keep go.
find "$backups" -maxdepth 1 -type f -name "$name-*.tar.gz" -print0 |
  sort -z | head -z -n "-$keep" | xargs -0 -r rm --
