#!/bin/bash
# Makes Tests/ImageKit.Tests/Fixtures/orientation/: JPEGs with each EXIF orientation (1-8) and the upright pictures
# ImageMagick makes of them and of the corpus files that carry an orientation, for ExifOrientationTests.
# Needs Debian's ImageMagick 6 at /usr/bin/convert and python3. Run from the repository root.
set -euo pipefail
out=Tests/ImageKit.Tests/Fixtures/orientation
corpus=Tests/ImageKit.Tests/Fixtures/corpus
reference=Tests/ImageKit.Tests/Fixtures/reference
convert=/usr/bin/convert
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A 48 x 32 picture that no flip or turn maps onto itself: four colours in 16-pixel blocks (JPEG blocks stay clean),
# and a white bar in the top-left corner.
$convert -size 48x32 xc:'#d02020' \
  -fill '#20a040' -draw 'rectangle 32,0 47,15' \
  -fill '#2040d0' -draw 'rectangle 0,16 15,31' \
  -fill '#e0c020' -draw 'rectangle 16,16 47,31' \
  -fill white -draw 'rectangle 0,0 15,7' \
  -strip "$tmp/stored.png"
$convert "$tmp/stored.png" -sampling-factor 1x1 -quality 95 -strip "$tmp/stored.jpg"

for orientation in 1 2 3 4 5 6 7 8; do
  # An APP1 "Exif" segment right after SOI: a big-endian TIFF header and one IFD entry, 0x0112 Orientation (SHORT).
  python3 - "$tmp/stored.jpg" "$out/orientation-$orientation.jpg" "$orientation" <<'PY'
import struct, sys
source, target, orientation = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(source, 'rb').read()
assert data[:2] == b'\xff\xd8'
tiff = b'MM\x00\x2a' + struct.pack('>I', 8) + struct.pack('>H', 1) + struct.pack('>HHIHH', 0x0112, 3, 1, orientation, 0) + struct.pack('>I', 0)
payload = b'Exif\x00\x00' + tiff
open(target, 'wb').write(data[:2] + b'\xff\xe1' + struct.pack('>H', len(payload) + 2) + payload + data[2:])
PY
  $convert "$out/orientation-$orientation.jpg" -auto-orient -strip PNG32:"$out/orientation-$orientation.upright.png"
done

# A corpus JPEG: ImageMagick reads its orientation itself.
$convert "$corpus/right-orientation.jpeg" -auto-orient -strip PNG32:"$out/right-orientation.jpeg.upright.png"
# ImageMagick 6 does not read this WebP's orientation (6): its reference frame (as stored, decoded by independent
# tools) turned a quarter to the right.
$convert "$reference/6.webp/frame-0000.png" -rotate 90 -strip PNG32:"$out/6.webp.upright.png"
ls -l "$out"
