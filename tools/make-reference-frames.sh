#!/usr/bin/env bash
# Generate reference frames for the animated-image conformance tests with independent decoders
# (never SkiaSharp, never ImageKit).
#
#   bash tools/make-reference-frames.sh CORPUS_DIR OUT_DIR
#   e.g. bash tools/make-reference-frames.sh Tests/ImageKit.Tests/Fixtures/corpus \
#                                            Tests/ImageKit.Tests/Fixtures/reference
#
# For every corpus file whose manifest expected_outcome is "decode" or "lenient" it writes
# OUT_DIR/<file name>/frame-0000.png, frame-0001.png, ...: each frame fully composited at the
# manifest canvas size, as 8-bit RGBA PNG with straight alpha (fully transparent pixels are
# stored as 0,0,0,0). It also writes OUT_DIR/index.json and OUT_DIR/README.md (tools, versions,
# rules and the list of files left out, with the reason for each).
#
# Decoders (Debian 12 packages: imagemagick webp apngdis ffmpeg optipng python3-pil python3-numpy):
#   gif   ImageMagick `convert -alpha set -coalesce` (Pillow first when frame 0 disposes to
#         "previous"); checked against Pillow and ffmpeg.
#   apng  apngdis (composited canvas-size frames); checked against ffmpeg and Pillow.
#   webp  animated: libwebp's WebPAnimDecoder (what anim_dump uses; anim_dump itself is not in
#         Debian 12), checked against ImageMagick and against a re-composition of the frames
#         that webpmux + dwebp decode; still: dwebp, checked against WebPAnimDecoder and IM.
#   png   ImageMagick `convert PNG32:`, checked against ffmpeg and Pillow.
#   jpeg  ImageMagick `convert PNG32:` (no -auto-orient), checked against Pillow.
# A file gets references only when its frame count equals the manifest frame_count and the
# frames match the canvas size. A "lenient" file also needs at least one other tool to agree and
# none to disagree; a "decode" file needs one agreeing tool, or no other tool able to decode it
# (then it is marked as not cross-checked). Environment: REFERENCE_SIZE_LIMIT (bytes, default
# 40000000): the largest folders are dropped until the output fits; PYTHON (default
# /usr/bin/python3, Debian's, which has python3-pil); REFERENCE_LOG (file to keep the log in).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 CORPUS_DIR OUT_DIR" >&2
    exit 2
fi
CORPUS=$(cd "$1" && pwd)
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HELPER="$TOOLS_DIR/reference_frames.py"
PY=${PYTHON:-/usr/bin/python3}
LIMIT=${REFERENCE_SIZE_LIMIT:-40000000}
CONVERT=/usr/bin/convert   # the real ImageMagick 6 binary, not a wrapper earlier in PATH
TOOL_TIMEOUT=600

missing=()
[ -x "$CONVERT" ] || missing+=(imagemagick)
for bin in dwebp webpmux apngdis ffmpeg optipng timeout; do
    command -v "$bin" >/dev/null || missing+=("$bin")
done
"$PY" -c 'import PIL, numpy' 2>/dev/null || missing+=(python3-pil/python3-numpy)
if [ ${#missing[@]} -gt 0 ]; then
    echo "missing: ${missing[*]}" >&2
    echo "install: apt-get install imagemagick webp apngdis ffmpeg optipng python3-pil python3-numpy" >&2
    exit 1
fi
[ -f "$CORPUS/manifest.json" ] || { echo "no manifest.json in $CORPUS" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
LOG="$WORK/log.txt"

# Remove earlier output: only our own files (folders holding nothing but frame-NNNN.png,
# index.json, README.md). Anything else in OUT_DIR stops the script, so a wrong OUT_DIR is safe.
for entry in "$OUT"/* "$OUT"/.[!.]*; do
    [ -e "$entry" ] || continue
    name=$(basename "$entry")
    if [ -d "$entry" ] && [ -z "$(find "$entry" -mindepth 1 ! -name 'frame-[0-9][0-9][0-9][0-9].png' -print -quit)" ]; then
        continue
    fi
    case "$name" in index.json|README.md) continue ;; esac
    echo "$OUT holds $name, which this script did not write; choose an empty or earlier output folder" >&2
    exit 1
done
find "$OUT" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
rm -f "$OUT/index.json" "$OUT/README.md"

frames_in() { find "$1" -maxdepth 1 -name 'frame-[0-9][0-9][0-9][0-9].png' 2>/dev/null | wc -l; }

# ---- decoders: each writes DIR/frame-NNNN.png and returns the tool's exit status -------------
run_imagemagick() { # file fmt dir
    local extra=()
    case "$2" in gif|webp) extra=(-alpha set -coalesce) ;; esac
    # stdin + explicit coder: no file-name interpretation by ImageMagick, content decides
    local coder=$2
    [ "$coder" = jpeg ] && coder=jpg
    timeout "$TOOL_TIMEOUT" "$CONVERT" "$coder:-" "${extra[@]}" +repage -strip \
        "PNG32:$3/frame-%04d.png" <"$1"
}
run_pillow() { timeout "$TOOL_TIMEOUT" "$PY" "$HELPER" pillow "$2" "$1" "$3" >/dev/null; }
run_ffmpeg() {
    local demux=()
    case "$2" in gif) demux=(-f gif) ;; apng) demux=(-f apng) ;; esac
    timeout "$TOOL_TIMEOUT" ffmpeg -nostdin -v error "${demux[@]}" -i "$1" -fps_mode passthrough \
        -pix_fmt rgba -f image2 -start_number 0 "$3/frame-%04d.png"
}
run_apngdis() { # apngdis writes next to its input: work on a copy
    local tmp="$3.apngdis"
    mkdir -p "$tmp"
    cp "$1" "$tmp/in.png"
    (cd "$tmp" && timeout "$TOOL_TIMEOUT" apngdis in.png fr >/dev/null) || return 1
    "$PY" "$HELPER" apngdis-collect "$tmp" "$3" >/dev/null
}
run_dwebp() { timeout "$TOOL_TIMEOUT" dwebp -quiet "$1" -o "$3/frame-0000.png"; }
run_animdecoder() { timeout "$TOOL_TIMEOUT" "$PY" "$HELPER" webp-anim "$1" "$3" >/dev/null; }
run_compose() { # cross-check only: webpmux extracts each ANMF frame, dwebp decodes, we composite
    local sub="$3.sub" n=$4 i
    mkdir -p "$sub"
    for ((i = 0; i < n; i++)); do
        webpmux -get frame $((i + 1)) "$1" -o "$sub/f.webp" >/dev/null 2>&1 || return 1
        dwebp -quiet "$sub/f.webp" -o "$sub/sub-$(printf %04d "$i").png" || return 1
    done
    "$PY" "$HELPER" webp-compose "$CORPUS/manifest.json" "$1" "$sub" "$3" >/dev/null
}

tool_label() {
    case "$1" in
        imagemagick) echo imagemagick ;; pillow) echo pillow ;; ffmpeg) echo ffmpeg ;;
        apngdis) echo apngdis ;; dwebp) echo dwebp ;; animdecoder) echo libwebp_animdecoder ;;
        compose) echo webpmux+dwebp_recomposited ;;
    esac
}

# ---- per file ---------------------------------------------------------------------------------
process() { # file fmt width height count outcome dispose0 lossy anmf
    local file=$1 fmt=$2 width=$3 height=$4 count=$5 outcome=$6 dispose0=$7 lossy=$8 anmf=$9
    local src="$CORPUS/$file" dir="$WORK/f/$file"
    local candidates=() checks=() tolerance=0 tool rc n size
    mkdir -p "$dir"
    case "$fmt" in
        gif)
            if [ "$dispose0" = previous ]; then candidates=(pillow imagemagick ffmpeg)
            else candidates=(imagemagick pillow ffmpeg); fi
            tolerance=0 ;;
        apng) candidates=(apngdis ffmpeg pillow); tolerance=2 ;;
        webp)
            if [ "$anmf" -gt 0 ]; then candidates=(animdecoder imagemagick); checks=(compose); tolerance=2
            else candidates=(dwebp animdecoder imagemagick); tolerance=0; fi ;;
        png) candidates=(imagemagick ffmpeg pillow); tolerance=1 ;;
        jpeg) candidates=(imagemagick pillow); tolerance=2 ;;
        *) echo -e "$file\tskipped\t\t0\t$lossy\t\t\tunsupported format $fmt" >>"$RESULTS"; return ;;
    esac

    # run every tool; "ok" = exit 0 and the manifest frame count
    declare -A status=() counts=()
    for tool in "${candidates[@]}" "${checks[@]}"; do
        mkdir -p "$dir/$tool"
        rc=0
        case "$tool" in
            compose) run_compose "$src" "$fmt" "$dir/$tool" "$anmf" >>"$LOG" 2>&1 || rc=$? ;;
            *) "run_$tool" "$src" "$fmt" "$dir/$tool" >>"$LOG" 2>&1 || rc=$? ;;
        esac
        n=$(frames_in "$dir/$tool")
        counts[$tool]="$n"
        if [ "$rc" -eq 0 ] && [ "$n" -eq "$count" ] && [ "$n" -gt 0 ]; then status[$tool]=ok
        elif [ "$rc" -ne 0 ]; then status[$tool]="fails (exit $rc), $n frame(s)"
        else status[$tool]="$n frame(s)"; fi
    done

    # primary = first candidate with the right count and canvas size
    local primary="" why=()
    for tool in "${candidates[@]}"; do
        if [ "${status[$tool]}" = ok ]; then
            size=$("$PY" -c 'import sys; from PIL import Image; print("%dx%d" % Image.open(sys.argv[1]).size)' \
                "$dir/$tool/frame-0000.png")
            if [ "$size" = "${width}x${height}" ]; then primary=$tool; break; fi
            why+=("$(tool_label "$tool"): canvas $size")
        else
            why+=("$(tool_label "$tool"): ${status[$tool]}")
        fi
    done
    if [ -z "$primary" ]; then
        local joined
        joined=$(IFS=';'; echo "${why[*]}")
        echo -e "$file\tskipped\t\t0\t$lossy\t\t\tno tool gives $count frame(s) at ${width}x${height} (${joined//;/; })" >>"$RESULTS"
        return
    fi

    # cross-check against every other tool that produced the right frame count
    for tool in "${candidates[@]}" "${checks[@]}"; do
        [ "$tool" = "$primary" ] && continue
        [ "${status[$tool]}" = ok ] && continue
        case " ${why[*]} " in *"$(tool_label "$tool"):"*) continue ;; esac
        why+=("$(tool_label "$tool"): ${status[$tool]}")
    done
    local agreed=() disagreed=() options=() result
    [ "$fmt" = gif ] && options+=(--crop)
    [ "$fmt" = gif ] && [ "$primary" = imagemagick ] && options+=(--gif-bg)
    for tool in "${candidates[@]}" "${checks[@]}"; do
        [ "$tool" = "$primary" ] && continue
        [ "${status[$tool]}" = ok ] || continue
        if result=$("$PY" "$HELPER" compare "$dir/$primary" "$dir/$tool" "$tolerance" "${options[@]}" 2>&1); then
            agreed+=("$(tool_label "$tool")")
        else
            disagreed+=("$(tool_label "$tool"): ${result}")
        fi
        echo "$file: $primary vs $tool: $result" >>"$LOG"
    done

    local note="" agreed_s disagreed_s
    agreed_s=$(IFS=,; echo "${agreed[*]}")
    disagreed_s=$(IFS=';'; echo "${disagreed[*]}")
    local failed_s=""
    [ ${#why[@]} -gt 0 ] && failed_s=" ($(IFS=';'; echo "${why[*]}" | sed 's/;/; /g'))"
    if [ ${#agreed[@]} -eq 0 ] && [ ${#disagreed[@]} -gt 0 ]; then
        echo -e "$file\tskipped\t$(tool_label "$primary")\t$count\t$lossy\t\t$disagreed_s\ttools disagree with $(tool_label "$primary")$failed_s" >>"$RESULTS"
        return
    fi
    if [ "$outcome" = lenient ] && { [ ${#agreed[@]} -eq 0 ] || [ ${#disagreed[@]} -gt 0 ]; }; then
        local reason="lenient file: only $(tool_label "$primary") gives $count frame(s)"
        [ ${#disagreed[@]} -gt 0 ] && reason="lenient file: tools disagree with $(tool_label "$primary")"
        echo -e "$file\tskipped\t$(tool_label "$primary")\t$count\t$lossy\t$agreed_s\t$disagreed_s\t$reason$failed_s" >>"$RESULTS"
        return
    fi
    [ ${#agreed[@]} -eq 0 ] && note="not cross-checked: no other tool gives $count frame(s)$failed_s"

    mkdir -p "$OUT/$file"
    cp "$dir/$primary"/frame-[0-9][0-9][0-9][0-9].png "$OUT/$file/"
    if ! "$PY" "$HELPER" normalize "$OUT/$file" "$width" "$height" >>"$LOG" 2>&1; then
        rm -rf "${OUT:?}/$file"
        echo -e "$file\tskipped\t$(tool_label "$primary")\t$count\t$lossy\t\t\tframe size differs from ${width}x${height}" >>"$RESULTS"
        return
    fi
    echo -e "$file\tincluded\t$(tool_label "$primary")\t$count\t$lossy\t$agreed_s\t$disagreed_s\t$note" >>"$RESULTS"
    rm -rf "$dir"
}

total=0
while IFS=$'\t' read -r file fmt width height count outcome default_first dispose0 lossy anmf; do
    total=$((total + 1))
    case "$outcome" in
        decode|lenient) ;;
        *) echo -e "$file\tskipped\t\t0\t$lossy\t\t\texpected_outcome $outcome" >>"$RESULTS"; continue ;;
    esac
    echo "[$total] $file ($fmt, $outcome)" >&2
    process "$file" "$fmt" "$width" "$height" "$count" "$outcome" "$dispose0" "$lossy" "$anmf"
done < <("$PY" "$HELPER" list "$CORPUS/manifest.json" "$CORPUS")

# ---- compress (lossless; keeps 8-bit RGBA: no colour-type/bit-depth/palette reduction) ------
echo "optipng ..." >&2
find "$OUT" -mindepth 2 -name 'frame-*.png' -print0 |
    xargs -0 -r -n 16 -P "$(nproc)" optipng -quiet -o2 -strip all -nc -nb -np

# ---- size budget: drop the largest folders until the total fits ------------------------------
while :; do
    used=$(find "$OUT" -mindepth 2 -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    [ "$used" -le "$LIMIT" ] && break
    largest=$(for d in "$OUT"/*/; do
        printf '%s\t%s\n' "$(find "$d" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')" "$(basename "$d")"
    done | sort -rn | head -1)
    name=${largest#*$'\t'}
    bytes=${largest%%$'\t'*}
    rm -rf "${OUT:?}/$name"
    "$PY" "$HELPER" mark-size-skip "$RESULTS" "$name" "$bytes" "$LIMIT"
done

# ---- index.json + README.md ---------------------------------------------------------------------
VERSIONS="$WORK/versions.txt"
{
    echo "imagemagick	$("$CONVERT" -version | head -1 | sed 's/^Version: //; s/ https:.*//') (Debian imagemagick-6.q16 $(dpkg-query -W -f '${Version}' imagemagick-6.q16 2>/dev/null))"
    echo "webp	dwebp $(dwebp -version), webpmux $(webpmux -version) (Debian webp $(dpkg-query -W -f '${Version}' webp 2>/dev/null))"
    echo "libwebpdemux (WebPAnimDecoder)	$(dpkg-query -W -f '${Version}' libwebpdemux2 2>/dev/null || echo unknown)"
    echo "apngdis	$(apngdis 2>&1 | grep -m1 'APNG Disassembler' | sed 's/^ *//') (Debian $(dpkg-query -W -f '${Version}' apngdis 2>/dev/null))"
    echo "ffmpeg	$(ffmpeg -version | head -1 | cut -d' ' -f3) (Debian ffmpeg)"
    echo "pillow	Pillow $("$PY" -c 'import PIL; print(PIL.__version__)') (Debian python3-pil $(dpkg-query -W -f '${Version}' python3-pil 2>/dev/null)), Python $("$PY" -c 'import platform; print(platform.python_version())')"
    echo "optipng	$(optipng -v | head -1)"
} >"$VERSIONS"
"$PY" "$HELPER" write-report "$CORPUS/manifest.json" "$RESULTS" "$VERSIONS" "$OUT" "$LIMIT"
# REFERENCE_LOG=path keeps the per-tool log (tool errors and every comparison result)
[ -n "${REFERENCE_LOG:-}" ] && cp "$LOG" "$REFERENCE_LOG"
echo "done: $(du -sh "$OUT" | cut -f1) in $OUT" >&2
