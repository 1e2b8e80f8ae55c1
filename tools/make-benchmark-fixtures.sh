#!/usr/bin/env bash
# Makes the benchmark inputs from a corpus GIF (flightAnim.gif, an early aeroplane film, from Skia's test images,
# BSD-3-Clause): a 480x360, 60-frame animated GIF and the same frames as a lossy animated WebP.
# Needs Debian's gifsicle, imagemagick and webp. Run once; the outputs are committed.
#   bash tools/make-benchmark-fixtures.sh Tests/ImageKit.Tests/Fixtures/corpus Tests/ImageKit.Benchmarks/Fixtures
set -euo pipefail
corpus=${1:?corpus folder}
out=${2:?output folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# GIF: all 60 frames scaled to 480x360 (gifsicle keeps the GIF's own frame optimisation and disposal).
gifsicle --resize 480x360 --resize-method sample -O2 "$corpus/flightAnim.gif" -o "$out/flight-480x360.gif"

# WebP: the coalesced frames of that GIF, 60 ms each, lossy quality 75, looping forever.
convert "$out/flight-480x360.gif" -coalesce "$work/frame-%04d.png"
args=()
for f in "$work"/frame-*.png; do args+=(-d 60 -lossy -q 75 "$f"); done
img2webp -loop 0 "${args[@]}" -o "$out/flight-480x360.webp"
ls -l "$out"
