#!/usr/bin/python3
"""Helper for tools/make-reference-frames.sh (run with Debian's /usr/bin/python3 + python3-pil).

Sub-commands (all output frames are written as frame-NNNN.png, 8-bit RGBA, straight alpha):

  list MANIFEST CORPUS_DIR
      One tab-separated line per manifest entry:
      file format width height frame_count outcome default_is_first dispose0 lossy anmf_frames
  pillow FORMAT INPUT OUT_DIR
      Decode every frame with Pillow (gif | apng | webp) and write the composited canvas of each.
      For APNG the default image is dropped when it is not part of the animation
      (Pillow's `default_image` attribute), so the indices match the acTL frames.
      For WebP Pillow calls libwebp's own WebPAnimDecoder (the code behind anim_dump).
  webp-anim INPUT OUT_DIR
      Decode with libwebp's WebPAnimDecoder (libwebpdemux, called through ctypes with
      MODE_RGBA, straight alpha): the same decoder and compositing that libwebp's anim_dump
      example uses. Debian 12's `webp` package does not ship anim_dump. Works for stills too.
  webp-compose MANIFEST INPUT FRAMES_DIR OUT_DIR
      Cross-check for animated WebP: composite the frames that `webpmux -get frame N` + `dwebp`
      decoded (FRAMES_DIR/sub-NNNN.png) using the ANMF rect/dispose/blend from the manifest.
  apngdis-collect WORK_DIR OUT_DIR
      Rename apngdis output (fr0.png is the hidden default image when present) to frame-NNNN.png.
  mark-size-skip RESULTS FILE BYTES LIMIT
      Mark FILE as left out for size in the results table of make-reference-frames.sh.
  write-report MANIFEST RESULTS VERSIONS OUT_DIR LIMIT
      Write OUT_DIR/index.json and OUT_DIR/README.md from the results table.
  normalize DIR WIDTH HEIGHT
      Check every frame is WIDTH x HEIGHT, convert to RGBA, set fully transparent pixels to
      (0,0,0,0) and re-save. Exit 2 on a size mismatch.
  compare DIR_A DIR_B TOLERANCE [--gif-bg GIF] [--crop] [--frames N]
      Compare two frame folders (frame count, then per pixel: any channel difference above
      TOLERANCE; RGB is ignored where both alphas are 0). Exit 0 when they agree, 1 otherwise.
      --gif-bg: accept pixels that are fully transparent in DIR_A but fully opaque in DIR_B
        (counted and printed). Pillow 9.4 paints the GIF background colour (or, for
        out-of-range indices, some other colour) where browsers and ImageMagick leave the
        canvas clear: area never drawn by a frame, or disposed to background.
      --crop: DIR_B frames may be larger (Pillow grows the canvas for oversized GIF frames);
        compare their top-left DIR_A-sized part.
      --frames N: compare only the first N frames (DIR_B stopped early), counts not checked.
"""

import ctypes
import ctypes.util
import glob
import json
import os
import re
import sys

from PIL import Image

try:
    import numpy as np
except ImportError:  # python3-numpy is optional; compare/normalize then use pure Python
    np = None


def frame_path(out_dir, index):
    return os.path.join(out_dir, "frame-%04d.png" % index)


def frame_files(directory):
    return sorted(glob.glob(os.path.join(directory, "frame-[0-9][0-9][0-9][0-9].png")))


def webp_is_lossy(path):
    """True when any image chunk of the RIFF container is VP8 (lossy), not VP8L."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False

    def walk(start, end):
        pos = start
        while pos + 8 <= end:
            tag = data[pos:pos + 4]
            size = int.from_bytes(data[pos + 4:pos + 8], "little")
            body = pos + 8
            if tag == b"VP8 ":
                return True
            if tag == b"ANMF" and walk(body + 16, min(body + size, end)):
                return True
            pos = body + size + (size & 1)
        return False

    return walk(12, len(data))


def cmd_list(manifest_path, corpus_dir):
    with open(manifest_path, encoding="utf-8") as handle:
        entries = json.load(handle)
    for entry in entries:
        fmt = entry.get("format")
        frames = entry.get("frames") or []
        dispose0 = frames[0].get("dispose", "-") if frames else "-"
        default_first = entry.get("apng_default_image_is_first_frame")
        if fmt == "jpeg":
            lossy = True
        elif fmt == "webp":
            lossy = webp_is_lossy(os.path.join(corpus_dir, entry["file"]))
        else:
            lossy = False
        fields = [
            entry["file"], fmt, entry.get("width"), entry.get("height"), entry.get("frame_count"),
            entry.get("expected_outcome"),
            "null" if default_first is None else str(default_first).lower(),
            dispose0, str(lossy).lower(), len(frames) if fmt == "webp" else 0,
        ]
        print("\t".join("null" if f is None else str(f) for f in fields))


def cmd_pillow(fmt, src, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with Image.open(src) as im:
        im.load()
        total = getattr(im, "n_frames", 1)
        skip_default = fmt == "apng" and bool(getattr(im, "default_image", False))
        written = 0
        for index in range(total):
            if index:
                im.seek(index)
            im.load()
            if skip_default and index == 0:
                continue
            im.convert("RGBA").save(frame_path(out_dir, written))
            written += 1
    print(written)


class _WebPData(ctypes.Structure):
    _fields_ = [("bytes", ctypes.c_void_p), ("size", ctypes.c_size_t)]


class _WebPAnimDecoderOptions(ctypes.Structure):
    _fields_ = [("color_mode", ctypes.c_int), ("use_threads", ctypes.c_int),
                ("padding", ctypes.c_uint32 * 7)]


class _WebPAnimInfo(ctypes.Structure):
    _fields_ = [("canvas_width", ctypes.c_uint32), ("canvas_height", ctypes.c_uint32),
                ("loop_count", ctypes.c_uint32), ("bgcolor", ctypes.c_uint32),
                ("frame_count", ctypes.c_uint32), ("pad", ctypes.c_uint32 * 4)]


WEBP_DEMUX_ABI_VERSION = 0x0107  # libwebp 1.x demux.h
MODE_RGBA = 1                    # WEBP_CSP_MODE: straight (not premultiplied) RGBA


def cmd_webp_anim(src, out_dir):
    lib = ctypes.CDLL(ctypes.util.find_library("webpdemux") or "libwebpdemux.so.2")
    lib.WebPAnimDecoderOptionsInitInternal.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.WebPAnimDecoderNewInternal.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.WebPAnimDecoderNewInternal.restype = ctypes.c_void_p
    lib.WebPAnimDecoderGetInfo.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.WebPAnimDecoderHasMoreFrames.argtypes = [ctypes.c_void_p]
    lib.WebPAnimDecoderGetNext.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p),
                                           ctypes.POINTER(ctypes.c_int)]
    lib.WebPAnimDecoderDelete.argtypes = [ctypes.c_void_p]
    with open(src, "rb") as handle:
        payload = handle.read()
    buffer = ctypes.create_string_buffer(payload, len(payload))
    data = _WebPData(ctypes.cast(buffer, ctypes.c_void_p), len(payload))
    options = _WebPAnimDecoderOptions()
    if not lib.WebPAnimDecoderOptionsInitInternal(ctypes.byref(options), WEBP_DEMUX_ABI_VERSION):
        sys.exit("libwebpdemux ABI mismatch")
    options.color_mode = MODE_RGBA
    options.use_threads = 0
    decoder = lib.WebPAnimDecoderNewInternal(ctypes.byref(data), ctypes.byref(options),
                                             WEBP_DEMUX_ABI_VERSION)
    if not decoder:
        sys.exit("WebPAnimDecoderNew failed")
    try:
        info = _WebPAnimInfo()
        if not lib.WebPAnimDecoderGetInfo(decoder, ctypes.byref(info)):
            sys.exit("WebPAnimDecoderGetInfo failed")
        width, height = info.canvas_width, info.canvas_height
        os.makedirs(out_dir, exist_ok=True)
        written = 0
        while lib.WebPAnimDecoderHasMoreFrames(decoder):
            pixels = ctypes.c_void_p()
            timestamp = ctypes.c_int()
            if not lib.WebPAnimDecoderGetNext(decoder, ctypes.byref(pixels), ctypes.byref(timestamp)):
                sys.exit("WebPAnimDecoderGetNext failed at frame %d" % written)
            raw = ctypes.string_at(pixels, width * height * 4)
            Image.frombytes("RGBA", (width, height), raw).save(frame_path(out_dir, written))
            written += 1
    finally:
        lib.WebPAnimDecoderDelete(decoder)
    print(written)


def alpha_over(dst, src):
    """Straight-alpha 'source over destination' on uint8 RGBA arrays (float maths, rounded)."""
    sa = src[..., 3:4].astype(np.float64) / 255.0
    da = dst[..., 3:4].astype(np.float64) / 255.0
    out_a = sa + da * (1.0 - sa)
    safe = np.where(out_a > 0, out_a, 1.0)
    rgb = (src[..., :3] * sa + dst[..., :3] * da * (1.0 - sa)) / safe
    result = np.concatenate([rgb, out_a * 255.0], axis=-1)
    result = np.where(out_a > 0, result, 0.0)
    return np.clip(np.rint(result), 0, 255).astype(np.uint8)


def cmd_webp_compose(manifest_path, src, frames_dir, out_dir):
    if np is None:
        sys.exit("webp-compose needs python3-numpy")
    name = os.path.basename(src)
    with open(manifest_path, encoding="utf-8") as handle:
        entry = next(e for e in json.load(handle) if e["file"] == name)
    width, height = entry["width"], entry["height"]
    os.makedirs(out_dir, exist_ok=True)
    canvas = np.zeros((height, width, 4), np.uint8)
    previous = None
    for index, frame in enumerate(entry["frames"]):
        if previous is not None and previous["dispose"] == "background":
            px, py = previous["x"], previous["y"]
            canvas[py:py + previous["h"], px:px + previous["w"]] = 0
        sub = np.asarray(Image.open(os.path.join(frames_dir, "sub-%04d.png" % index)).convert("RGBA"))
        x, y, w, h = frame["x"], frame["y"], frame["w"], frame["h"]
        sub = sub[:h, :w]
        region = canvas[y:y + h, x:x + w]
        sub = sub[:region.shape[0], :region.shape[1]]
        if frame["blend"] == "over":
            canvas[y:y + sub.shape[0], x:x + sub.shape[1]] = alpha_over(region, sub)
        else:
            canvas[y:y + sub.shape[0], x:x + sub.shape[1]] = sub
        Image.fromarray(canvas.copy(), "RGBA").save(frame_path(out_dir, index))
        previous = frame
    print(len(entry["frames"]))


def cmd_apngdis_collect(work_dir, out_dir):
    found = {}
    for path in glob.glob(os.path.join(work_dir, "fr*.png")):
        match = re.fullmatch(r"fr(\d+)\.png", os.path.basename(path))
        if match:
            found[int(match.group(1))] = path
    # apngdis names the animation frames fr1..frN; fr0 is the default image when it is
    # not part of the animation.
    numbers = sorted(n for n in found if n >= 1)
    if numbers != list(range(1, len(numbers) + 1)):
        sys.exit("apngdis output numbering has gaps: %s" % sorted(found))
    os.makedirs(out_dir, exist_ok=True)
    for index, number in enumerate(numbers):
        os.replace(found[number], frame_path(out_dir, index))
    print(len(numbers))


def cmd_normalize(directory, width, height):
    bad = 0
    for path in frame_files(directory):
        with Image.open(path) as im:
            im.load()
            if im.size != (width, height):
                print("%s: %dx%d, expected %dx%d" % (os.path.basename(path), im.size[0], im.size[1],
                                                   width, height), file=sys.stderr)
                bad += 1
                continue
            rgba = im.convert("RGBA")
        if np is not None:
            arr = np.array(rgba)
            arr[arr[..., 3] == 0] = 0
            rgba = Image.fromarray(arr, "RGBA")
        else:
            rgba.putdata([p if p[3] else (0, 0, 0, 0) for p in rgba.getdata()])
        rgba.save(path)
    sys.exit(2 if bad else 0)


RESULT_FIELDS = ["file", "status", "tool", "frames", "lossy", "agreed", "disagreed", "note"]


def read_results(path):
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            parts += [""] * (len(RESULT_FIELDS) - len(parts))
            rows.append(dict(zip(RESULT_FIELDS, parts)))
    return rows


def write_results(path, rows):
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write("\t".join(row[f] for f in RESULT_FIELDS) + "\n")


def cmd_mark_size_skip(results, name, size, limit):
    rows = read_results(results)
    for row in rows:
        if row["file"] == name:
            row["status"] = "skipped"
            row["note"] = ("size: its frames take %.1f MB; largest folders are dropped to keep "
                           "the reference folder under %.0f MB" % (int(size) / 1e6, int(limit) / 1e6))
    write_results(results, rows)


README_HEAD = """# Reference frames for the animated-image conformance tests

Generated by `tools/make-reference-frames.sh`; do not edit by hand. Every file here was decoded
by tools that are independent of ImageKit and of SkiaSharp/Skia.

For each corpus file listed in `index.json`, the folder `<corpus file name>/` holds
`frame-0000.png`, `frame-0001.png`, ...: one PNG per animation frame (as many as the manifest
`frame_count`), each the **fully composited canvas** after that frame was drawn (dispose and blend
of earlier frames applied), at the manifest canvas size (`width` x `height`).

* 8-bit RGBA PNG (colour type 6), **straight (non-premultiplied) alpha**. Fully transparent pixels
  are stored as 0,0,0,0, so compare RGB only where alpha > 0.
* Pixel values as stored in the file: no colour management (ICC, gAMA, cHRM ignored, and those
  chunks are stripped from the reference PNGs), no EXIF orientation (JPEG and WebP stay as stored).
* APNG: frame indices are the acTL animation frames. When the default (IDAT) image is not part of
  the animation it is not included.
* 16-bit PNG/APNG samples are reduced to 8 bits by the tool.

## Regenerate

```
apt-get install imagemagick webp apngdis ffmpeg optipng python3-pil python3-numpy
bash tools/make-reference-frames.sh Tests/ImageKit.Tests/Fixtures/corpus Tests/ImageKit.Tests/Fixtures/reference
```

The script needs Debian's `/usr/bin/python3` (with python3-pil and python3-numpy) and the real
ImageMagick at `/usr/bin/convert`; `tools/reference_frames.py` is its helper. Output is
deterministic for the same package versions. `REFERENCE_LOG=/tmp/ref.log` keeps the log of every
tool run and comparison.

## Tools used (Debian 12 packages)

| tool | version |
|---|---|
"""

README_RULES = """
### Which decoder gives the frames, per format

The first tool in each list that returns the manifest frame count at the manifest canvas size is
the one whose frames are stored (`tool` in `index.json`); the others are used as cross-checks.

| format | tools, in order | compared with tolerance |
|---|---|---|
| GIF | ImageMagick `convert gif:- -alpha set -coalesce +repage PNG32:...`, then Pillow, then ffmpeg. For GIFs whose frame 0 disposes to "previous" Pillow comes first | 0 |
| APNG | `apngdis` (writes composited canvas-size frames; its `fr0` is the hidden default image when present and is dropped), then ffmpeg (`-f apng`), then Pillow | 2 |
| WebP, animated (ANMF) | libwebp's `WebPAnimDecoder` (libwebpdemux, `MODE_RGBA`), then ImageMagick `-coalesce`; also checked against a re-composition (our helper) of the frames that `webpmux -get frame N` + `dwebp` decode | 2 |
| WebP, still | `dwebp`, then `WebPAnimDecoder`, then ImageMagick | 0 |
| PNG (no acTL) | ImageMagick `convert png:- PNG32:...`, then ffmpeg, then Pillow | 1 |
| JPEG | ImageMagick `convert jpg:- PNG32:...` (no `-auto-orient`), then Pillow | 2 |

Tolerance = largest allowed difference of any channel between two tools (RGB not compared where
both alphas are 0). It absorbs rounding in alpha blending and 16-to-8-bit reduction; the lossy
decoders all use the same libjpeg-turbo / libwebp, so they agree exactly.

Rules:

* The frame count must equal the manifest `frame_count`, and frames must be the canvas size;
  otherwise the next tool is tried, and the file is left out when no tool fits.
* `decode` files: kept when at least one other tool agrees on every frame. When no other tool
  can decode the file with the right frame count, the file is kept but listed below as not
  cross-checked. When tools that did decode it all disagree, it is left out.
* `lenient` files: kept only when at least one other tool agrees and no tool that produced the
  right frame count disagrees (off-spec input has no single right answer otherwise).
* `partial`, `error` and `empty` files get no reference frames.

### Semantics, and where the tools differ

* **GIF "restore to background" and never-drawn canvas: transparent.** This is what browsers,
  Skia and Wuffs (without its HONOR_BACKGROUND_COLOR quirk) do. ImageMagick does it with
  `-alpha set`; without that option ImageMagick 6 turns the never-drawn area opaque in the
  background colour once a frame disposes to background on a GIF without a transparent index
  (see `background-color.gif`). Pillow 9.4 and ffmpeg paint the GIF background colour (opaque)
  instead, so when ImageMagick is the reference, pixels that are transparent in ImageMagick and
  opaque in the other tool are accepted (counted in the log); any other difference counts.
* **GIF "restore to previous" on frame 0** restores the empty transparent canvas. Such files
  (`dispose_prev_first_frame.gif`) are decoded with Pillow, and ImageMagick agrees.
* **GIF frames that stick out of the canvas** are clipped to the canvas (Pillow grows its canvas
  instead; its top-left canvas-size part is compared).
* **APNG:** Pillow 9.4 is only a fallback/cross-check: it multiplies alpha twice when it blends a
  semi-transparent frame with `APNG_BLEND_OP_OVER` (e.g. `normal.png`, `mode_16bit.png`) and
  mishandles `dispose_op_previous` in `animated-red-blue.apng` / `muybridge.apng`, where apngdis
  and ffmpeg agree with each other and with the GIF versions of the same animations (Wuffs
  states that their composited frames are identical).
* **Animated WebP:** `anim_dump` (libwebp's example tool) is not packaged in Debian 12, so the
  helper calls the same libwebp `WebPAnimDecoder` that anim_dump uses, through ctypes. Dispose to
  background clears to transparent; blending is libwebp's straight-alpha blend. Pillow is not
  used: it calls the same decoder but drops the alpha channel when the VP8X alpha flag is clear
  (wrong for `required.webp`, whose disposed areas are transparent).

### Notable cases (observed with the versions above)

* `alphabetAnim.gif`: pixel indices beyond the colour table. ImageMagick stops with "invalid
  colormap index", Pillow shows them grey and ffmpeg differently again; Skia maps them to
  transparent. Left out.
* `mode_16bit.png`: ffmpeg 5.1 cannot decode 16-bit APNG frames, and Pillow 9.4 blends wrongly
  (alpha 191 where a frame is blended over an opaque canvas), so apngdis is the only plausible
  result and nothing confirms it. Left out; apngdis gives (0,0,128,255) for the last frame.
* `bad_palette_index.webp`: out-of-range VP8L palette index. libwebp decodes it as transparent
  black (WebPAnimDecoder, RGBA), while dwebp, ImageMagick and Pillow write an RGB image for this
  alpha-less file, so the same pixels come out opaque black. Left out.
* `chunk_actl_after_idat.png`, `chunk_multi_actl.png`, `syntax_num_frames_invalid.png`: invalid
  APNGs that should show the default image only. apngdis, ffmpeg and Pillow do not agree on which
  image that is. Left out.
* `sample_big.gif` (259 frames of 1000x175): about 71 MB of RGBA PNG on its own; left out for
  size. Run the script with `REFERENCE_SIZE_LIMIT=200000000` to get it locally.

### Suggested tolerances for tests

Lossless files: compare every channel within 2 (blend rounding differs between decoders), RGB
only where alpha > 0. Files with `"lossy": true`: a larger tolerance (for example a mean absolute
difference of a few levels, or PSNR), since Skia's libjpeg-turbo / libwebp settings (IDCT,
chroma upsampling, dithering) may differ slightly from the tools used here.

## index.json

`{"<corpus file>": {"frames": N, "tool": "...", "lossy": bool, "agreed_with": [...]}}`, where
`tool` is one of `imagemagick`, `apngdis`, `libwebp_animdecoder`, `dwebp`, `pillow`, `ffmpeg`;
`lossy` is true for JPEG and for WebP files with any VP8 (lossy) image data, so tests should allow
a larger tolerance (the file's decoder may use another IDCT / upsampler), and `agreed_with`
lists the tools whose frames matched.
"""


def cmd_write_report(manifest_path, results, versions, out_dir, limit):
    with open(manifest_path, encoding="utf-8") as handle:
        manifest = {e["file"]: e for e in json.load(handle)}
    rows = read_results(results)
    included = sorted((r for r in rows if r["status"] == "included"), key=lambda r: r["file"].lower())
    skipped = sorted((r for r in rows if r["status"] != "included"), key=lambda r: r["file"].lower())

    index = {}
    for row in included:
        index[row["file"]] = {
            "frames": int(row["frames"]),
            "tool": row["tool"],
            "lossy": row["lossy"] == "true",
            "agreed_with": [t for t in row["agreed"].split(",") if t],
        }
    with open(os.path.join(out_dir, "index.json"), "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=2, sort_keys=True)
        handle.write("\n")

    used = 0
    for root, _, names in os.walk(out_dir):
        if root != out_dir:
            used += sum(os.path.getsize(os.path.join(root, n)) for n in names)
    frames_total = sum(int(r["frames"]) for r in included)

    def fmt_of(name):
        return manifest.get(name, {}).get("format", "?")

    lines = [README_HEAD]
    with open(versions, encoding="utf-8") as handle:
        for line in handle:
            name, _, version = line.rstrip("\n").partition("\t")
            lines.append("| %s | %s |\n" % (name, version))
    lines.append("\nGIF (animated and still), PNG and JPEG: ImageMagick; APNG: apngdis; animated WebP: "
                 "libwebp's WebPAnimDecoder (libwebpdemux); still WebP: dwebp. Pillow or ffmpeg only "
                 "where the preferred tool cannot decode the file (see `tool` in `index.json`). Frames "
                 "are recompressed losslessly with `optipng -o2 -strip all -nc -nb -np` (keeps 8-bit "
                 "RGBA).\n")
    lines.append(README_RULES)

    lines.append("\n## Contents\n\n%d corpus files have reference frames (%d frames, %.1f MB of PNG; "
                 "size limit %.0f MB).\n\n" % (len(included), frames_total, used / 1e6, int(limit) / 1e6))
    lines.append("| format | files | frames | by tool |\n|---|---|---|---|\n")
    for fmt in ["gif", "apng", "webp", "png", "jpeg"]:
        group = [r for r in included if fmt_of(r["file"]) == fmt]
        if not group:
            continue
        tools = {}
        for r in group:
            tools[r["tool"]] = tools.get(r["tool"], 0) + 1
        lines.append("| %s | %d | %d | %s |\n" % (
            fmt, len(group), sum(int(r["frames"]) for r in group),
            ", ".join("%s %d" % (t, n) for t, n in sorted(tools.items()))))

    unchecked = [r for r in included if not r["agreed"]]
    if unchecked:
        lines.append("\n### Kept but not cross-checked (no other tool decodes them with the manifest "
                     "frame count)\n\n| file | tool | note |\n|---|---|---|\n")
        for r in unchecked:
            lines.append("| `%s` | %s | %s |\n" % (r["file"], r["tool"], r["note"]))
    dissent = [r for r in included if r["disagreed"]]
    if dissent:
        lines.append("\n### Kept although one tool disagrees (another one agrees)\n\n"
                     "| file | tool | agreed | disagreed (largest channel difference) |\n|---|---|---|---|\n")
        for r in dissent:
            lines.append("| `%s` | %s | %s | %s |\n" % (r["file"], r["tool"], r["agreed"],
                                                      r["disagreed"].replace("|", "/")))

    lines.append("\n## Corpus files left out (%d)\n\n| file | format | expected_outcome | reason |\n"
                 "|---|---|---|---|\n" % len(skipped))
    for r in skipped:
        entry = manifest.get(r["file"], {})
        reason = r["note"]
        if r["disagreed"]:
            reason += ": " + r["disagreed"]
        lines.append("| `%s` | %s | %s | %s |\n" % (r["file"], entry.get("format", "?"),
                                                   entry.get("expected_outcome", "?"),
                                                   reason.replace("|", "/")))
    with open(os.path.join(out_dir, "README.md"), "w", encoding="utf-8") as handle:
        handle.write("".join(lines))


def load_rgba(path):
    with Image.open(path) as im:
        return im.convert("RGBA")


def cmd_compare(dir_a, dir_b, tolerance, options):
    files_a, files_b = frame_files(dir_a), frame_files(dir_b)
    if "--frames" in options:
        limit = int(options[options.index("--frames") + 1])
        files_a, files_b = files_a[:limit], files_b[:limit]
    elif len(files_a) != len(files_b):
        print("%d frames vs %d" % (len(files_a), len(files_b)))
        sys.exit(1)
    gif_bg = "--gif-bg" in options
    crop = "--crop" in options
    worst, worst_frame, bad_frames, accepted = 0, -1, 0, 0
    for index, (path_a, path_b) in enumerate(zip(files_a, files_b)):
        a, b = load_rgba(path_a), load_rgba(path_b)
        if crop and b.size[0] >= a.size[0] and b.size[1] >= a.size[1]:
            b = b.crop((0, 0) + a.size)
        if a.size != b.size:
            print("frame %d size %s vs %s" % (index, a.size, b.size))
            sys.exit(1)
        if np is not None:
            arr_a = np.asarray(a).astype(np.int16)
            arr_b = np.asarray(b).astype(np.int16)
            diff = np.abs(arr_a - arr_b)
            both_clear = (arr_a[..., 3] == 0) & (arr_b[..., 3] == 0)
            diff[both_clear] = 0
            if gif_bg:
                painted = (arr_a[..., 3] == 0) & (arr_b[..., 3] == 255)
                accepted += int(np.count_nonzero(painted & (diff.max(axis=-1) > tolerance)))
                diff[painted] = 0
            frame_max = int(diff.max()) if diff.size else 0
        else:
            frame_max = 0
            for pa, pb in zip(a.getdata(), b.getdata()):
                if pa[3] == 0 and pb[3] == 0:
                    continue
                if gif_bg and pa[3] == 0 and pb[3] == 255:
                    accepted += 1
                    continue
                frame_max = max(frame_max, max(abs(x - y) for x, y in zip(pa, pb)))
        if frame_max > tolerance:
            bad_frames += 1
        if frame_max > worst:
            worst, worst_frame = frame_max, index
    summary = "max channel diff %d" % worst
    if worst:
        summary += " (frame %d), %d of %d frames over tolerance %d" % (
            worst_frame, bad_frames, len(files_a), tolerance)
    else:
        summary += " over %d frames" % len(files_a)
    if accepted:
        summary += "; %d clear-vs-background-colour pixels accepted" % accepted
    print(summary)
    sys.exit(0 if worst <= tolerance else 1)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "list" and len(args) == 2:
        cmd_list(*args)
    elif command == "pillow" and len(args) == 3:
        cmd_pillow(*args)
    elif command == "webp-anim" and len(args) == 2:
        cmd_webp_anim(*args)
    elif command == "webp-compose" and len(args) == 4:
        cmd_webp_compose(*args)
    elif command == "apngdis-collect" and len(args) == 2:
        cmd_apngdis_collect(*args)
    elif command == "mark-size-skip" and len(args) == 4:
        cmd_mark_size_skip(*args)
    elif command == "write-report" and len(args) == 5:
        cmd_write_report(*args)
    elif command == "normalize" and len(args) == 3:
        cmd_normalize(args[0], int(args[1]), int(args[2]))
    elif command == "compare" and len(args) >= 3:
        cmd_compare(args[0], args[1], int(args[2]), args[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
