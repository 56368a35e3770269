#!/bin/sh
# The container's command. With no arguments, or only options (`--demo`), it runs
# `baton serve` on every address: one process, unless BATON_WORKERS asks for more, which
# `baton serve` refuses without a Redis URL. Any other command runs as given
# (`baton agent add you@example.com --name You`).
#
# Settings come from BATON_* variables (or a mounted baton.toml with --config); secrets from
# files (BATON_SECRET_KEY_FILE and any other BATON_<KEY>_FILE, or BATON_SECRETS_DIR); everything
# Baton writes goes under BATON_DATA_DIR.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    exec baton serve --host "${BATON_HOST:-0.0.0.0}" --port "${BATON_PORT:-8000}" "$@"
fi
exec "$@"
