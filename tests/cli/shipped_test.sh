#!/bin/sh
# Every shipped scenario holds its expectations, as `make demo` shows them
# (the two 200,000-contact ones are left to `make demo`: minutes each under
# the sanitizers).
set -u
crmsim="$1"
scenarios="$2"
files=$(ls "$scenarios"/*.yaml | grep -v -- '-200k\.yaml$')
# shellcheck disable=SC2086
"$crmsim" validate -q -j 2 $files
