"""The manifest: every output file with its SHA-256 and size.

The sign-off mail quotes the manifest's own hash, so the manifest is the proof
of exactly which files the leader approved. It lists everything under OUTDIR
except the sign-off's own records (``manifest.json`` itself, ``signoff.eml``
and ``mail-sent.json``): the manifest cannot contain its own hash, the mail is
built *from* the manifest (it quotes its hash), and the send log is written
after sign-off.
"""
from __future__ import annotations

import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path

from nianbao import __version__
from nianbao.fsutil import atomic_write_json as write_json
from nianbao.fsutil import sha256_file
from nianbao.signoff._files import MANIFEST, OWN_FILES, RESULTS

FORMAT = 1


def list_outputs(outdir: Path) -> list[str]:
    """Every regular file under OUTDIR (recursive), as sorted relative POSIX
    paths — not hidden entries (staging folders, ``.nianbao``), not symlinks,
    sockets or other non-regular files, and not the sign-off's own records."""
    root = Path(outdir)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if name.startswith(".") or rel in OWN_FILES:
                continue
            try:
                if not stat.S_ISREG(path.lstat().st_mode):
                    continue
            except OSError:
                continue
            found.append(rel)
    return sorted(found)


def build_manifest(outdir: Path) -> dict:
    root = Path(outdir)
    info: dict = {}
    try:
        info = json.loads((root / RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # a manifest is still useful without the job summary
    if not isinstance(info, dict):
        info = {}
    files = [{"path": rel, "sha256": sha256_file(root / rel), "size": (root / rel).stat().st_size}
             for rel in list_outputs(root)]
    return {
        "nianbao_manifest": FORMAT,
        "nianbao": __version__,
        "agency": info.get("agency"),
        "year": info.get("year"),
        "title": info.get("title"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "algorithm": "sha256",
        "files": files,
    }


def write_manifest(outdir: Path) -> Path:
    """Write ``OUTDIR/manifest.json`` atomically and return its path."""
    return write_json(Path(outdir) / MANIFEST, build_manifest(outdir))
