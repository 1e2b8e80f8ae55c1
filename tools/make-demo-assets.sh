#!/usr/bin/env bash
# Makes the animations embedded in the imagekit CLI for `imagekit demo`: one animation (the spinning earth of the corpus's
# 1@2x.gif, from SDWebImage's tests, MIT) as GIF, WebP and APNG, 160x160, 44 frames of 90 ms.
# Needs Debian's gifsicle, imagemagick, webp and apngasm. Run once; the outputs are committed.
#   bash tools/make-demo-assets.sh Tests/ImageKit.Tests/Fixtures/corpus Sources/ImageKit.Cli/Assets
set -euo pipefail
corpus=${1:?corpus folder}
out=${2:?output folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

gifsicle --resize 160x160 --resize-method sample "$corpus/1@2x.gif" --loopcount=forever -O2 -o "$out/earth.gif"
convert "$out/earth.gif" -coalesce "$work/frame-%04d.png"
args=()
for f in "$work"/frame-*.png; do args+=(-d 90 -lossy -q 80 "$f"); done
img2webp -loop 0 "${args[@]}" -o "$out/earth.webp"
apngasm "$out/earth.apng" "$work"/frame-*.png 9 100 -l0 -z1 >/dev/null
ls -l "$out"
