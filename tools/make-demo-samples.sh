#!/usr/bin/env bash
# Makes the sample animations `imagekit demo` serves from its loopback server, drawn here from nothing (no third-party
# pictures): a bouncing ball (GIF, restore-to-background), a spinner with transparency (lossless animated WebP) and a
# pulsing disc with alpha (APNG). Needs Debian's imagemagick, webp and apngasm. Run once; the outputs are committed.
#   bash tools/make-demo-samples.sh Sources/ImageKit.Cli/Assets
set -euo pipefail
out=${1:?output folder}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
calc() { printf '%.0f' "$(echo "$1" | bc -l)"; } # rounds a bc -l expression to an integer

# bounce.gif: 120x120, 24 frames of 40 ms, a ball falling and bouncing on a floor.
for i in $(seq 0 23); do
  y=$(calc "110 - 14 - 80 * (1 - (2*$i/24 - 1)^2)")
  convert -size 120x120 xc:'#1d2b53' -fill '#ff004d' -draw "circle 60,$y 60,$((y+14))" \
    -fill '#c2c3c7' -draw "rectangle 0,112 120,120" "$work/bounce-$(printf %02d "$i").png"
done
convert -delay 4 -loop 0 "$work"/bounce-*.png -layers Optimize "$out/bounce.gif"

# spinner.webp: 96x96, 12 frames of 80 ms, twelve spokes on transparency, the bright one moving round.
for i in $(seq 0 11); do
  args=()
  for k in $(seq 0 11); do
    a="$k*3.14159265/6"
    x1=$(calc "48 + 18*c($a)"); y1=$(calc "48 + 18*s($a)")
    x2=$(calc "48 + 40*c($a)"); y2=$(calc "48 + 40*s($a)")
    d=$(( (i - k + 12) % 12 ))
    alpha=$(echo "scale=2; 1 - $d/13" | bc)
    args+=(-stroke "rgba(41,173,255,$alpha)" -draw "line $x1,$y1 $x2,$y2")
  done
  convert -size 96x96 xc:none -strokewidth 7 "${args[@]}" "PNG32:$work/spin-$(printf %02d "$i").png"
done
frames=()
for f in "$work"/spin-*.png; do frames+=(-d 80 -lossless "$f"); done
img2webp -loop 0 "${frames[@]}" -o "$out/spinner.webp"

# pulse.apng: 100x100, 16 frames of 60 ms, a translucent disc growing and shrinking.
for i in $(seq 0 15); do
  r=$(calc "18 + 24 * s($i*3.14159265/16)")
  convert -size 100x100 xc:none -fill 'rgba(0,228,54,0.75)' -draw "circle 50,50 50,$((50+r))" \
    -fill 'rgba(255,236,39,0.9)' -draw "circle 50,50 50,$((50+r/3))" "PNG32:$work/pulse-$(printf %02d "$i").png"
done
apngasm "$out/pulse.apng" "$work"/pulse-*.png 6 100 -l0 -z1 >/dev/null
ls -l "$out"
