"""Looking at sequences: an MP4 or GIF with boxes and ids drawn, and a contact sheet.

Works for generated and real sequences alike; a sequence without images (the MOT17
ground truth in ``../shared/data``, the embedded TUD sample) is drawn on a plain canvas of
its image size so that its boxes and ids can still be watched.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from synreal.errors import UserInputError
from synreal.tracking.motchallenge import MotSequence, MotTable, read_mot_file, read_sequence

VIDEO_SUFFIXES = (".mp4", ".gif")


@dataclass
class ShowResult:
    """Files written by ``show_sequence``."""

    video: Path
    sheet: Path | None
    frames: int


def id_color(track_id: int) -> tuple[int, int, int]:
    """A distinct, stable colour per id (golden-ratio hues)."""
    h = (track_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(h, 0.85, 1.0)
    return int(r * 255), int(g * 255), int(b * 255)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """PIL's bundled font at ``size`` (no system fonts needed)."""
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def draw_boxes(image: Image.Image, rows: MotTable, scale: float = 1.0, *, label_vis: bool = False) -> Image.Image:
    """Draw boxes and ids of one frame onto an RGB image (in place; also returned).

    Rows with a zero consider flag are drawn grey (ignored by evaluation); detections
    (id -1) are drawn white with their score.

    Args:
        image: the frame.
        rows: the boxes of this frame.
        scale: image pixels per box pixel (when the frame was resized).
        label_vis: add the visibility to the label.

    Returns:
        The same image.

    Example:
        >>> img = draw_boxes(Image.new("RGB", (64, 64)), MotTable.from_rows([[1, 3, 5, 5, 20, 40, 1, 1, 1]]))
        >>> img.getpixel((5, 20)) != (0, 0, 0)
        True
    """
    d = ImageDraw.Draw(image)
    font = _font(max(10, int(12 * max(scale, 0.6))))
    width = max(1, int(round(2 * max(scale, 0.5))))
    for i in range(len(rows)):
        x, y, w, h = (rows.box[i] * scale).tolist()
        tid = int(rows.id[i])
        if tid < 0:
            color, text = (255, 255, 255), f"{rows.conf[i]:.2f}"
        elif rows.conf[i] == 0 and rows.cls[i] != -1:
            color, text = (150, 150, 150), str(tid)
        else:
            color, text = id_color(tid), str(tid)
        if label_vis and rows.vis[i] >= 0:
            text += f" {rows.vis[i]:.2f}"
        d.rectangle([x, y, x + w, y + h], outline=color, width=width)
        tx, ty = x + 1, max(0.0, y - getattr(font, "size", 10) - 2)
        d.rectangle(d.textbbox((tx, ty), text, font=font), fill=(0, 0, 0))
        d.text((tx, ty), text, fill=color, font=font)
    return image


def _frame_source(seq: MotSequence, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    """Function frame -> RGB image at ``size`` (the sequence's image or a plain canvas)."""
    images = {int(p.stem): p for p in seq.images if p.stem.isdigit()}

    def get(frame: int) -> Image.Image:
        p = images.get(frame)
        if p is not None:
            with Image.open(p) as im:
                return im.convert("RGB").resize(size, Image.BILINEAR)
        canvas = Image.new("RGB", size, (38, 40, 44))
        d = ImageDraw.Draw(canvas)
        step = max(size) // 12
        for x in range(0, size[0], step):
            d.line([(x, 0), (x, size[1])], fill=(48, 50, 55))
        for y in range(0, size[1], step):
            d.line([(0, y), (size[0], y)], fill=(48, 50, 55))
        return canvas

    return get


def show_sequence(
    seq: str | Path | MotSequence,
    out: str | Path,
    *,
    tracks: str | Path | MotTable | None = None,
    sheet: str | Path | None | bool = True,
    fps: float | None = None,
    max_frames: int | None = 300,
    width: int | None = None,
    label_vis: bool = False,
) -> ShowResult:
    """Write a video (MP4 or GIF) of a sequence with boxes and ids, and a contact sheet.

    Args:
        seq: a sequence folder or a loaded sequence.
        out: ``.mp4`` or ``.gif`` file to write.
        tracks: draw these boxes (a tracker ``.txt`` or table) instead of the ground truth.
        sheet: contact-sheet path; True = ``<out stem>_sheet.jpg`` beside the video; False = none.
        fps: playback rate (default: the sequence's).
        max_frames: draw at most this many frames from the start (None: all).
        width: frame width in pixels (default: the image width, at most 960).
        label_vis: add the visibility to each ground-truth label.

    Returns:
        The files written and the number of frames.

    Raises:
        UserInputError: an unsupported suffix, a missing folder, or nothing to draw.

    Example:
        >>> show_sequence("runs/dance/dance-0000", "dance.gif")  # doctest: +SKIP
    """
    s = seq if isinstance(seq, MotSequence) else read_sequence(seq)
    out = Path(out)
    if out.suffix.lower() not in VIDEO_SUFFIXES:
        raise UserInputError(f"expected a .mp4 or .gif file name, found {out.name!r}", file=out)
    if isinstance(tracks, (str, Path)):
        rows = read_mot_file(tracks, "tracker", n_frames=s.info.seq_length)
    elif isinstance(tracks, MotTable):
        rows = tracks
    else:
        rows = s.gt if s.gt is not None else s.det
    if rows is None and not s.images:
        raise UserInputError("nothing to show: no gt/gt.txt, det/det.txt or images", file=s.path)
    rows = rows if rows is not None else MotTable.empty()
    n = s.info.seq_length if max_frames is None else min(s.info.seq_length, max_frames)
    w = width or min(s.info.im_width, 960)
    w -= w % 2
    scale = w / s.info.im_width
    h = int(round(s.info.im_height * scale))
    h -= h % 2
    get = _frame_source(s, (w, h))
    order = np.argsort(rows.frame, kind="stable")
    frames_sorted = rows.frame[order]
    bounds = np.searchsorted(frames_sorted, np.arange(1, n + 2))
    rate = fps or s.info.frame_rate
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet_frames = set(np.linspace(1, n, min(12, n)).round().astype(int).tolist())
    thumbs: dict[int, Image.Image] = {}

    def frame_image(f: int) -> Image.Image:
        img = get(f)
        draw_boxes(img, rows.select(order[bounds[f - 1] : bounds[f]]), scale, label_vis=label_vis)
        return img

    if out.suffix.lower() == ".mp4":
        import imageio.v2 as imageio

        writer = imageio.get_writer(out, fps=rate, codec="libx264", quality=7, macro_block_size=2, ffmpeg_log_level="error")
        try:
            for f in range(1, n + 1):
                img = frame_image(f)
                writer.append_data(np.asarray(img))
                if f in sheet_frames:
                    thumbs[f] = img
        finally:
            writer.close()
    else:
        frames = []
        for f in range(1, n + 1):
            img = frame_image(f)
            if f in sheet_frames:
                thumbs[f] = img
            frames.append(img.convert("P", palette=Image.Palette.ADAPTIVE, colors=128))
        frames[0].save(out, save_all=True, append_images=frames[1:], duration=int(round(1000 / rate)), loop=0)
    sheet_path = None
    if sheet:
        sheet_path = out.with_name(out.stem + "_sheet.jpg") if sheet is True else Path(sheet)
        contact_sheet([thumbs[f] for f in sorted(thumbs)], sorted(thumbs), sheet_path, title=s.name)
    return ShowResult(video=out, sheet=sheet_path, frames=n)


def contact_sheet(images: list[Image.Image], labels: list[int], out: str | Path, *, columns: int = 4, thumb_width: int = 320, title: str | None = None) -> Path:
    """Tile frames into one picture, each labelled with its frame number.

    Args:
        images: the frames.
        labels: frame numbers shown on the tiles.
        out: image file to write (``.jpg`` or ``.png``).
        columns: tiles per row.
        thumb_width: width of each tile in pixels.
        title: optional heading.

    Returns:
        The file written.

    Example:
        >>> contact_sheet([Image.new("RGB", (64, 36))] * 2, [1, 2], "/tmp/s.jpg")  # doctest: +SKIP
    """
    if not images:
        raise UserInputError("no frames to put on a contact sheet")
    tw = thumb_width
    th = int(round(images[0].height * tw / images[0].width))
    cols = min(columns, len(images))
    rows = -(-len(images) // cols)
    head = 22 if title else 0
    sheet = Image.new("RGB", (cols * tw + (cols + 1) * 4, rows * th + (rows + 1) * 4 + head), (20, 20, 22))
    d = ImageDraw.Draw(sheet)
    font = _font(13)
    if title:
        d.text((6, 4), title, fill=(230, 230, 230), font=font)
    for k, (img, lab) in enumerate(zip(images, labels)):
        r, c = divmod(k, cols)
        x, y = 4 + c * (tw + 4), head + 4 + r * (th + 4)
        sheet.paste(img.resize((tw, th), Image.BILINEAR), (x, y))
        d.rectangle(d.textbbox((x + 3, y + 3), f"frame {lab}", font=font), fill=(0, 0, 0))
        d.text((x + 3, y + 3), f"frame {lab}", fill=(255, 255, 255), font=font)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, quality=88)
    return out
