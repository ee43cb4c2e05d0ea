"""Small files of every kind an attachment may be, and some it may not, made in memory."""

from __future__ import annotations

import io
import struct
import zlib

#: Where the test photo was taken (Baiyun, Guangzhou): it must never be stored.
GPS = {1: "N", 2: (23.0, 9.0, 27.5), 3: "E", 4: (113.0, 16.0, 12.25)}


def jpeg_with_gps(
    size: tuple[int, int] = (640, 480), colour: tuple[int, int, int] = (210, 60, 40)
) -> bytes:
    """A photo as a phone sends it: EXIF with camera, orientation (6: turn 90°) and GPS."""
    from PIL import ExifTags, Image

    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):  # some structure, so it is not one flat colour
        image.paste((255, 255, 255), (x, 0, x + 8, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    exif[0x0110] = "TP-1"
    exif[0x0112] = 6
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def png(text_chunk: str = "Author: 张三 13800138000") -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text_chunk)
    out = io.BytesIO()
    Image.new("RGBA", (200, 120), (20, 120, 220, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _box(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + name + payload


def mp4(brand: bytes = b"isom") -> bytes:
    """An ISO media file's top-level boxes: ftyp, moov, mdat (enough for the checks)."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isomiso2avc1mp41")
    return ftyp + _box(b"moov", b"\x00" * 32) + _box(b"mdat", bytes(range(256)) * 8)


def m4a() -> bytes:
    return mp4(b"M4A ")


def heic() -> bytes:
    return mp4(b"heic")


def wav(seconds: float = 0.1) -> bytes:
    frames = int(8000 * seconds)
    data = b"\x00\x01" * frames
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def amr() -> bytes:
    return b"#!AMR\n" + b"\x3c" + b"\x00" * 31


def mp3() -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10
    return tag + frame * 4


def pdf(extra: bytes = b"") -> bytes:
    """A one-page PDF; ``extra`` goes into the catalogue's dictionary."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (4, xref))
    return out.getvalue()


def pdf_with_hidden_script() -> bytes:
    """A PDF whose script hides in a compressed stream, its name written with #xx escapes."""
    hidden = zlib.compress(b"<< /S /J#61vaScript /JS (app.alert(1)) >>")
    stream = b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(hidden)
    base = pdf()
    return base.replace(b"xref\n", stream + hidden + b"\nendstream\nendobj\nxref\n", 1)


def windows_exe() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode."


def gif() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    return out.getvalue()


def zip_end() -> bytes:
    """The end record of an empty ZIP archive (glued to a file, it makes a polyglot)."""
    return b"PK\x05\x06" + b"\x00" * 18
