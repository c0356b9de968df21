#!/usr/bin/env bash
# The README's two commands must share one build: `cargo run --release` (normal and build
# dependencies) and `cargo test --release` (the same plus the dev-dependencies) must resolve
# every crate they have in common with the same features. Under resolver 3 a dev-dependency
# that turns on a feature of a shared crate (quick-xml → memchr `default`) gives that crate,
# and every crate above it (regex → naga_oil → bevy_shader → …), a second build. This lists
# the crates whose features differ and fails if there is one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

features() { # features EDGES: "name version features" for every crate, one line each
    cargo tree -e "$1" -f '{p} {f}' --prefix none 2>/dev/null | sed 's/ (\*)$//; s/ (proc-macro)//' | sort -u
}
build=$(features normal,build)
test=$(features normal,build,dev)
# Crates of the build whose feature line is not in the test's resolution.
differ=$(comm -23 <(printf '%s\n' "$build") <(printf '%s\n' "$test"))
if [ -n "$differ" ]; then
    echo "cargo test would rebuild these crates with other features than cargo build:"
    printf '%s\n' "$differ"
    echo "see the test's resolution with: cargo tree -e features,normal,build,dev -i CRATE"
    exit 1
fi
echo "cargo build and cargo test share one build: $(printf '%s\n' "$build" | wc -l) crate lines, same features"
