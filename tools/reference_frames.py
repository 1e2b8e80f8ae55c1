#!/usr/bin/python3
"""Helper for tools/make-reference-frames.sh (run with Debian's /usr/bin/python3 + python3-pil).

Sub-commands (all output frames are written as frame-NNNN.png, 8-bit RGBA, straight alpha):

  list MANIFEST CORPUS_DIR
      One tab-separated line per manifest entry:
      file format width height frame_count outcome default_is_first dispose0 lossy
  pillow FORMAT INPUT OUT_DIR
      Decode every frame with Pillow (gif | apng | webp) and write the composited canvas of each.
      For APNG the default image is dropped when it is not part of the animation
      (Pillow's `default_image` attribute), so the indices match the acTL frames.
      For WebP Pillow calls libwebp's own WebPAnimDecoder (the code behind anim_dump).
  webp-compose MANIFEST INPUT FRAMES_DIR OUT_DIR
      Cross-check for animated WebP: composite the frames that `webpmux -get frame N` + `dwebp`
      decoded (FRAMES_DIR/sub-NNNN.png) using the ANMF rect/dispose/blend from the manifest.
  apngdis-collect WORK_DIR OUT_DIR
      Rename apngdis output (fr0.png is the hidden default image when present) to frame-NNNN.png.
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
            dispose0, str(lossy).lower(),
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


def load_rgba(path):
    with Image.open(path) as im:
        return im.convert("RGBA")


def cmd_compare(dir_a, dir_b, tolerance, options):
    files_a, files_b = frame_files(dir_a), frame_files(dir_b)
    if "--frames" in options:
        limit = int(options[options.index("--frames") + 1])
        files_a, files_b = files_a[:limit], files_b[:limit]
    elif len(files_a) != len(files_b):
        print("frame count %d vs %d" % (len(files_a), len(files_b)))
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
    print("frames=%d max_diff=%d worst_frame=%d frames_over_tolerance=%d background_pixels_accepted=%d"
          % (len(files_a), worst, worst_frame, bad_frames, accepted))
    sys.exit(0 if worst <= tolerance else 1)


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "list" and len(args) == 2:
        cmd_list(*args)
    elif command == "pillow" and len(args) == 3:
        cmd_pillow(*args)
    elif command == "webp-compose" and len(args) == 4:
        cmd_webp_compose(*args)
    elif command == "apngdis-collect" and len(args) == 2:
        cmd_apngdis_collect(*args)
    elif command == "normalize" and len(args) == 3:
        cmd_normalize(args[0], int(args[1]), int(args[2]))
    elif command == "compare" and len(args) >= 3:
        cmd_compare(args[0], args[1], int(args[2]), args[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
