"""Attachments (附件): which files a ticket may carry, told by their bytes, never their names.

A citizen's photo, a short video, a call recording or a PDF travels with a ticket. What
the hotline accepts is an allow-list of kinds, each recognised from the first bytes of
the file (its magic number): not from the file's name, not from the ``Content-Type`` the
client sent. Anything else, a polyglot (a file that is two kinds at once) or an unknown
kind, is refused with ``attachment.type_not_allowed``. Sizes are limited per file and
per ticket. Names are cleaned so that they are harmless in a header, a path or a page.

Pure functions over bytes and numbers; reading files and re-encoding images is done in
``services/tickets/media.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from hotline.domain.errors import DomainError, Invalid, NotFound


class AttachmentTooLarge(DomainError):
    """A file over the per-file limit, or a ticket that has no room left (413)."""

    status = 413


class AttachmentTypeRefused(DomainError):
    """A kind of file not on the allow-list, or not what its first bytes claim (415)."""

    status = 415


class AttachmentStoreDown(DomainError):
    """The attachments' storage could not be written or read (503); nothing was recorded."""

    status = 503


class NoFile(Invalid):
    """An upload without a file (422)."""


class AttachmentNotFound(NotFound):
    """No such attachment, or one on a ticket the asker may not see (404)."""


@dataclass(frozen=True)
class Kind:
    """One kind of file on the allow-list."""

    media_type: str
    extension: str
    family: str  # image | video | audio | document
    label: str

    @property
    def is_image(self) -> bool:
        return self.family == "image"


JPEG = Kind("image/jpeg", ".jpg", "image", "JPEG 图片")
PNG = Kind("image/png", ".png", "image", "PNG 图片")
WEBP = Kind("image/webp", ".webp", "image", "WebP 图片")
MP4 = Kind("video/mp4", ".mp4", "video", "MP4 视频")
QUICKTIME = Kind("video/quicktime", ".mov", "video", "MOV 视频")
THREE_GP = Kind("video/3gpp", ".3gp", "video", "3GP 视频")
M4A = Kind("audio/mp4", ".m4a", "audio", "M4A 录音")
MP3 = Kind("audio/mpeg", ".mp3", "audio", "MP3 录音")
AMR = Kind("audio/amr", ".amr", "audio", "AMR 录音")
WAV = Kind("audio/wav", ".wav", "audio", "WAV 录音")
PDF = Kind("application/pdf", ".pdf", "document", "PDF 文件")

KINDS: tuple[Kind, ...] = (JPEG, PNG, WEBP, MP4, QUICKTIME, THREE_GP, M4A, MP3, AMR, WAV, PDF)
BY_MEDIA_TYPE = {kind.media_type: kind for kind in KINDS}
FAMILY_LABELS = {"image": "图片", "video": "视频", "audio": "录音", "document": "文件"}
ALLOWED_TEXT = "JPEG/PNG/WebP 图片、MP4/MOV/3GP 视频、MP3/M4A/AMR/WAV 录音、PDF 文件"

#: ISO base media (``ftyp``) brands by kind; HEIF/HEIC and AVIF photos (``heic``,
#: ``mif1``, ``avif``…) are not among them: they are refused with a hint to send JPEG.
_FTYP_BRANDS: dict[bytes, Kind] = {
    **dict.fromkeys(
        (
            b"isom",
            b"iso2",
            b"iso4",
            b"iso5",
            b"iso6",
            b"mp41",
            b"mp42",
            b"avc1",
            b"dash",
            b"MSNV",
            b"M4V ",
            b"M4VH",
            b"M4VP",
            b"f4v ",
            b"mmp4",
        ),
        MP4,
    ),  # fmt: skip
    b"qt  ": QUICKTIME,
    **dict.fromkeys((b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3g2a", b"3g2b", b"3gg6"), THREE_GP),
    **dict.fromkeys((b"M4A ", b"M4B "), M4A),
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")

#: How many first bytes :func:`sniff` needs.
HEAD_BYTES = 64


def sniff(head: bytes) -> Kind:
    """The kind of a file from its first bytes (:data:`HEAD_BYTES` of them).

    Raises :class:`AttachmentTypeRefused` for anything not on the allow-list.
    """
    kind = _kind_of(head)
    if kind is None:
        raise AttachmentTypeRefused(
            "attachment.type_not_allowed",
            f"不支持的文件类型（按文件内容识别）。可上传：{ALLOWED_TEXT}",
        )
    return kind


def _kind_of(head: bytes) -> Kind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        return AMR
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            raise AttachmentTypeRefused(
                "attachment.type_not_allowed",
                "暂不支持 HEIC/HEIF 格式的照片，请在手机上选择“兼容性最佳”或转为 JPEG 后上传",
            )
        return _FTYP_BRANDS.get(brand)
    if head.startswith(b"ID3") or is_mp3_frame(head[:4]):
        return MP3
    return None


def is_mp3_frame(header: bytes) -> bool:
    """Whether four bytes are an MPEG audio layer III frame header (sync, version,
    layer, a real bitrate and sample rate)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


#: Text a browser or an interpreter would read as markup or script, in a file's head.
_MARKUP = (b"<html", b"<script", b"<!doctype", b"<svg", b"<?xml", b"<body", b"<iframe", b"<?php")
#: The end-of-central-directory record of a ZIP archive (a JAR, an APK, an Office file).
ZIP_END = b"PK\x05\x06"


def refuse_polyglot(head: bytes, tail: bytes) -> None:
    """Refuse a file that is also something else: markup in its first kilobyte, or a ZIP
    archive glued to its end (the classic GIFAR/JPEG+ZIP trick)."""
    lowered = head.lower()
    if any(marker in lowered for marker in _MARKUP) or ZIP_END in tail:
        raise AttachmentTypeRefused(
            "attachment.type_not_allowed", "文件内容可疑（同时含有其他格式的数据），已拒收"
        )


#: PDF names that make a document act (run script, open files, carry other files).
_ACTIVE_PDF = frozenset(
    {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia", b"XFA"}
)
_PDF_NAME = re.compile(rb"/([A-Za-z0-9#]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")


def refuse_active_pdf(text: bytes) -> None:
    """Refuse a PDF (its bytes, or a decompressed stream of it) that names script,
    launch actions or embedded files, also when the name is written with ``#xx`` escapes."""
    for match in _PDF_NAME.finditer(text):
        name = match.group(1)
        if b"#" in name:
            name = _HEX.sub(lambda m: bytes([int(m.group(1), 16)]), name)
        if name in _ACTIVE_PDF:
            raise AttachmentTypeRefused(
                "attachment.type_not_allowed",
                "PDF 含有脚本、启动操作或嵌入文件，已拒收（请打印为普通 PDF 后上传）",
            )


# ------------------------------------------------------------------ names

_UNSAFE = re.compile(r'[<>:"/\\|?*;\'`$&%{}\[\]]+')
MAX_NAME_CHARS = 80


def safe_name(name: str | None, kind: Kind) -> str:
    """A harmless file name: the last part of any path, no control or direction
    characters, no characters special to shells, headers or Windows, at most 80
    characters, and the extension of the kind the bytes are (``发票.exe`` that is a
    PDF becomes ``发票.pdf``)."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" or ch == " ")
    stem = text.rsplit(".", 1)[0] if "." in text else text
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:MAX_NAME_CHARS].strip(" ._")
    return (stem or FAMILY_LABELS[kind.family]) + kind.extension


# ------------------------------------------------------------------ limits


def human_size(size: int) -> str:
    """``512 KB``, ``20 MB``."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value >= 10 or value.is_integer() else f"{value:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


def check_file_size(size: int, limit: int) -> None:
    if size > limit:
        raise AttachmentTooLarge(
            "attachment.too_large",
            f"文件过大（{human_size(size)}），单个附件不能超过 {human_size(limit)}",
            limit=limit,
        )
    if size == 0:
        raise AttachmentTypeRefused("attachment.type_not_allowed", "文件为空")


def check_ticket_room(
    *, files: int, total: int, adding: list[int], max_files: int, max_total: int
) -> None:
    """Refuse files that would take a ticket over its number or total size of attachments."""
    if files + len(adding) > max_files:
        raise AttachmentTooLarge(
            "attachment.ticket_full",
            f"每张工单最多 {max_files} 个附件，本工单已有 {files} 个",
            limit=max_files,
        )
    if total + sum(adding) > max_total:
        raise AttachmentTooLarge(
            "attachment.ticket_full",
            f"本工单附件总大小将超过 {human_size(max_total)}（已有 {human_size(total)}）",
            limit=max_total,
        )


def listed(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A ticket's attachments, oldest first, from its history as the API shows it: each
    with the history entry that brought it (``seq``, ``action``) and who sent it."""
    return [
        {**item, "seq": entry["seq"], "action": entry["action"], "uploaded_by": entry["actor"]}
        for entry in history
        for item in entry.get("attachments") or ()
    ]


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in UTF-8 (RFC 6266)."""
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
