"""Checking an uploaded file and making it safe to keep: what ``domain/attachments.py`` rules,
applied to real files.

- The kind comes from the first bytes (:func:`hotline.domain.attachments.sniff`).
- An image is decoded in full by Pillow, turned upright, and encoded again without any
  of its metadata: EXIF (GPS position, camera, time), XMP, ICC, comments are gone, and
  whatever else the file carried after or inside its pixels is not copied. A thumbnail
  (JPEG, at most 320 px) is made at the same time.
- A video or recording must be the container its head claims, from start to end (the
  boxes of an MP4 chain to the last byte; a WAV's RIFF size is the file's), with no
  markup at its head and no ZIP archive glued to its end.
- A PDF must start with ``%PDF-``, end with ``%%EOF`` and name no script, launch action
  or embedded file, in its text or in any compressed stream.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from hotline.domain import attachments as rules
from hotline.domain.attachments import AttachmentTooLarge, AttachmentTypeRefused, Kind

#: Largest picture accepted, in pixels (a 50-megapixel phone photo; a decompression bomb
#: declares far more).
MAX_PIXELS = 60_000_000
THUMB_SIZE = (320, 320)
_TAIL = 65_557  # a ZIP's end record is within its last 64 KiB + 22 bytes


@dataclass(frozen=True)
class Checked:
    """A file ready to store: its kind, its bytes (re-encoded for an image, else the
    upload itself) with their SHA-256 and size, and an image's thumbnail."""

    kind: Kind
    sha256: str
    size: int
    content: bytes | None  # an image's new bytes; None: store ``source`` as it is
    source: BinaryIO
    thumbnail: bytes | None


def check(source: BinaryIO, *, limit: int) -> Checked:
    """Check one upload (a seekable binary file) and make it safe; raise
    ``attachment.too_large`` or ``attachment.type_not_allowed`` otherwise."""
    size = source.seek(0, io.SEEK_END)
    rules.check_file_size(size, limit)
    source.seek(0)
    kind = rules.sniff(source.read(rules.HEAD_BYTES))
    if kind.is_image:
        content, thumbnail = _reencode(source, kind)
        digest = hashlib.sha256(content).hexdigest()
        return Checked(kind, digest, len(content), content, source, thumbnail)
    _check_container(source, kind, size)
    return Checked(kind, _sha256(source), size, None, source, None)


def _sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while block := source.read(1024 * 1024):
        digest.update(block)
    return digest.hexdigest()


def _refused(message: str) -> AttachmentTypeRefused:
    return AttachmentTypeRefused("attachment.type_not_allowed", message)


# ------------------------------------------------------------------ images

_PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def _reencode(source: BinaryIO, kind: Kind) -> tuple[bytes, bytes]:
    """The picture again, upright and without metadata, in its own format; and its thumbnail."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    source.seek(0)
    try:
        with Image.open(source, formats=[_PILLOW_FORMATS[kind.media_type]]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise AttachmentTooLarge(
                    "attachment.too_large",
                    f"图片像素过大（{image.width}×{image.height}），请缩小后上传",
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _refused(f"图片无法解码（文件损坏或并非{kind.label}）") from exc
    except Image.DecompressionBombError as exc:
        raise AttachmentTooLarge("attachment.too_large", "图片像素过大，请缩小后上传") from exc
    clean = _without_metadata(upright, kind)
    out = io.BytesIO()
    if kind.media_type == "image/jpeg":
        clean.save(out, "JPEG", quality=90)
    elif kind.media_type == "image/png":
        clean.save(out, "PNG")
    else:
        clean.save(out, "WEBP", quality=90)
    return out.getvalue(), thumbnail_of(clean)


def _without_metadata(image, kind: Kind):  # type: ignore[no-untyped-def]
    """A new image of the same pixels and nothing else (no info, EXIF, ICC, text chunks)."""
    from PIL import Image

    mode = image.mode
    if kind.media_type == "image/jpeg" and mode not in ("L", "RGB"):
        mode = "RGB"  # CMYK, YCbCr…: what every browser shows
    elif mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        mode = "RGBA" if "A" in mode else "RGB"
    pixels = image.convert(mode) if mode != image.mode else image
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    if pixels.mode == "P":
        clean.putpalette(pixels.getpalette() or [])
        if isinstance(pixels.info.get("transparency"), int | bytes):
            clean.info["transparency"] = pixels.info["transparency"]
    return clean


def thumbnail_of(image) -> bytes:  # type: ignore[no-untyped-def]
    from PIL import Image

    small = image.copy()
    small.thumbnail(THUMB_SIZE)
    if small.mode != "RGB":
        background = Image.new("RGB", small.size, (255, 255, 255))
        rgba = small.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        small = background
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


# ------------------------------------------------------------------ other containers


def _check_container(source: BinaryIO, kind: Kind, size: int) -> None:
    source.seek(0)
    head = source.read(1024)
    source.seek(max(0, size - _TAIL))
    tail = source.read()
    rules.refuse_polyglot(head, tail)
    if kind.media_type in ("video/mp4", "video/quicktime", "video/3gpp", "audio/mp4"):
        _check_boxes(source, size)
    elif kind.media_type == "audio/wav":
        _check_riff(head, size)
    elif kind.media_type == "audio/mpeg":
        _check_mp3(source, head)
    elif kind.media_type == "application/pdf":
        _check_pdf(source, tail)


def _check_boxes(source: BinaryIO, size: int) -> None:
    """The top-level boxes of an ISO media file, from ``ftyp`` to the last byte."""
    at, boxes = 0, 0
    while at < size:
        source.seek(at)
        header = source.read(16)
        if len(header) < 8:
            raise _refused("视频/音频文件结构不完整")
        length, name = int.from_bytes(header[:4], "big"), header[4:8]
        if not all(32 <= b < 127 for b in name) or (boxes == 0 and name != b"ftyp"):
            raise _refused("视频/音频文件结构异常（含有非媒体数据）")
        if length == 1:
            length = int.from_bytes(header[8:16], "big")
        elif length == 0:
            length = size - at
        if length < 8 or at + length > size:
            raise _refused("视频/音频文件结构不完整")
        at, boxes = at + length, boxes + 1
        if boxes > 10_000:
            raise _refused("视频/音频文件结构异常")


def _check_riff(head: bytes, size: int) -> None:
    declared = int.from_bytes(head[4:8], "little") + 8
    if declared not in (size, size - 1):  # a pad byte may follow
        raise _refused("WAV 录音文件结构异常（长度与文件不符）")


def _check_mp3(source: BinaryIO, head: bytes) -> None:
    """After an ID3 tag (its size is in 7-bit bytes) comes the first audio frame."""
    if not head.startswith(b"ID3"):
        return
    tag = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(head[6:10]))
    source.seek(tag)
    if not rules.is_mp3_frame(source.read(4)):
        raise _refused("MP3 录音文件结构异常")


_STREAM_MAX = 64 * 1024 * 1024  # decompressed bytes scanned per PDF at most


def _check_pdf(source: BinaryIO, tail: bytes) -> None:
    if b"%%EOF" not in tail[-2048:]:
        raise _refused("PDF 文件不完整（缺少文件结尾）")
    source.seek(0)
    text = source.read()
    rules.refuse_active_pdf(text)
    budget = _STREAM_MAX
    start = text.find(b"stream")
    while start != -1 and budget > 0:
        body = start + 6 + (2 if text[start + 6 : start + 8] == b"\r\n" else 1)
        end = text.find(b"endstream", body)
        if end == -1:
            break
        inflater = zlib.decompressobj()
        try:
            plain = inflater.decompress(text[body:end], budget)
        except zlib.error:
            plain = b""  # not Flate (images, other filters): nothing to read as names
        rules.refuse_active_pdf(plain)
        budget -= len(plain)
        start = text.find(b"stream", end + 9)
