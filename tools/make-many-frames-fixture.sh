#!/usr/bin/env bash
# Makes Tests/ImageKit.Tests/Fixtures/generated/many-frames-400.gif and .webp (lossless): 400 frames of 24 x 24 in four
# solid colours, 40 ms each, looping forever. Small in bytes and long in frames, so that what an image keeps per frame
# stands out in KeptImageMemoryTests. Needs ImageMagick 6 with WebP (Debian's imagemagick); the output is byte-for-byte
# reproducible (sha256 10e8cce0… for the GIF, e3361012… for the WebP, with 6.9.11-60).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/ImageKit.Tests/Fixtures/generated/many-frames-400
mkdir -p "$(dirname "$out")"
colours=(red lime blue yellow)
frames=()
for i in $(seq 0 399); do
  frames+=("xc:${colours[$((i % 4))]}")
done
convert -delay 4 -loop 0 -size 24x24 "${frames[@]}" "$out.gif"
convert -delay 4 -loop 0 -size 24x24 "${frames[@]}" -define webp:lossless=true "$out.webp"
sha256sum "$out.gif" "$out.webp"
