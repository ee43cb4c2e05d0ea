"""Backups: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL, and the
attachments' files beside the backup (``backup_files.py``)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from hotline.domain.errors import Invalid
from hotline.services.admin import backup_files
from hotline.store.blobs import FileBlobs


def _pg_args(engine: Engine) -> list[str]:
    url = make_url(engine.url.render_as_string(hide_password=False))
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-d", url.database or ""]
    if url.username:
        args += ["-U", url.username]
    return args


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Invalid("backup.tool_missing", f"找不到 {name}（请安装 PostgreSQL 客户端）")
    return found


def backup(engine: Engine, target: Path, *, files: FileBlobs | None = None) -> Path:
    """Write a consistent copy of the live database to ``target`` (no downtime), then
    the attachments' new files to ``attachments/`` beside it (``files``: the folder they
    are kept in, :func:`backup_files.configured_files`; none when they are kept in a bucket)."""
    _backup_database(engine, target)
    if files is not None:
        backup_files.copy_out(files, target.parent / backup_files.FOLDER)
    return target


def _backup_database(engine: Engine, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        source = sqlite3.connect(engine.url.database or "")
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            # the page copy carries the file's free pages too, where text deleted or
            # rewritten (a value before its encryption) may linger: rebuild the copy
            # from its live rows only
            dest.execute("VACUUM")
        finally:
            dest.close()
            source.close()
        return target
    if engine.dialect.name == "postgresql":
        subprocess.run(
            [_tool("pg_dump"), "-Fc", "-f", str(target), *_pg_args(engine)],
            check=True,
            capture_output=True,
        )
        return target
    raise Invalid("backup.unsupported", f"不支持的数据库：{engine.dialect.name}")


def restore(engine: Engine, source: Path, *, files: FileBlobs | None = None) -> dict[str, int]:
    """Replace the database's contents with the backup at ``source``, and copy back the
    attachments' files the store lacks from ``attachments/`` beside it. Returns how many
    files were copied, and how many the restored rows name that are found nowhere."""
    _restore_database(engine, source)
    if files is None:
        return {}
    return backup_files.copy_in(source.parent / backup_files.FOLDER, files, engine)


def _restore_database(engine: Engine, source: Path) -> None:
    if not source.is_file():
        raise Invalid("backup.not_found", f"备份文件不存在：{source}")
    if engine.dialect.name == "sqlite":
        engine.dispose()
        src = sqlite3.connect(source)
        dest = sqlite3.connect(engine.url.database or "")
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()
        return
    if engine.dialect.name == "postgresql":
        engine.dispose()
        result = subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                *_pg_args(engine),
                str(source),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 and "error" in result.stderr.lower():
            raise Invalid("backup.restore_failed", f"恢复失败：{result.stderr[-500:]}")
        return
    raise Invalid("backup.unsupported", f"不支持的数据库：{engine.dialect.name}")
