"""``nianbao verify``: is this the file (or folder) the leader signed off?

Compares files with ``manifest.json``. A single file is found by its path
under the manifest's folder; a copy elsewhere (say, downloaded back from the
portal and renamed) is matched by its hash against every entry, since the hash
is what was signed. Exit codes: 0 unchanged, 1 changed, 2 bad input.
"""
from __future__ import annotations

from nianbao.errors import describe_read_error

import json
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.errors import Problem
from nianbao.fsutil import sha256_file
from nianbao.signoff._files import EML, MAIL_LOG, MANIFEST
from nianbao.signoff.manifest import list_outputs

OK, CHANGED, BAD_INPUT = 0, 1, 2


@dataclass
class VerifyResult:
    target: Path
    manifest: Path | None = None
    manifest_sha256: str | None = None
    checked: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    matched: str | None = None          # manifest entry a single file matched by hash
    manifest_mismatch: list[str] = field(default_factory=list)  # records quoting another manifest
    problem: Problem | None = None
    note: str = ""                      # e.g. the current run is not signed: an earlier package was checked

    @property
    def exit_code(self) -> int:
        if self.problem is not None:
            return BAD_INPUT
        return CHANGED if (self.changed or self.missing or self.added or self.manifest_mismatch) else OK

    @property
    def ok(self) -> bool:
        return self.exit_code == OK

    def render(self) -> str:
        if self.problem is not None:
            return self.problem.render()
        lines = [self.note] if self.note else []
        if self.exit_code == OK:
            if self.matched and len(self.checked) == 1:
                lines.append(f"一致：{self.checked[0]} 与签发清单中的“{self.matched}”完全相同，签发后未被修改。")
            else:
                lines.append(f"一致：{len(self.checked)} 个文件与签发清单完全相同，签发后未被修改。")
        else:
            lines.append("不一致：以下文件在签发后发生了变化。")
            lines += [f"  已修改：{p}" for p in self.changed]
            lines += [f"  已缺失：{p}" for p in self.missing]
            lines += [f"  新增（签发时没有）：{p}" for p in self.added]
            lines += [f"  {m}" for m in self.manifest_mismatch]
        lines.append(f"签发清单：{self.manifest}")
        lines.append(f"清单 SHA-256：{self.manifest_sha256}（应与签发邮件中所列一致）")
        return "\n".join(lines)


def _bad(target: Path, code: str, message: str, manifest: Path | None = None,
         fix: str | None = None) -> VerifyResult:
    return VerifyResult(target, manifest, problem=Problem(
        code, message, file=str(manifest or target), fix=fix))


def find_manifest(path: Path) -> Path | None:
    """``manifest.json`` in the file's folder or the nearest parent."""
    for folder in [path.parent, *path.parent.parents]:
        if (folder / MANIFEST).is_file():
            return folder / MANIFEST
    return None


def load_manifest(path: Path) -> dict[str, dict]:
    """Entries by path; ``ValueError`` (in Chinese) when the manifest is not usable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"签发清单无法读取：{describe_read_error(e)}") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list):
        raise ValueError("签发清单缺少文件列表（files）。")
    entries = {}
    for f in files:
        if not (isinstance(f, dict) and isinstance(f.get("path"), str)
                and isinstance(f.get("sha256"), str) and len(f["sha256"]) == 64):
            raise ValueError(f"签发清单中有一项格式不正确：{f!r:.80}")
        entries[f["path"]] = f
    return entries


def _quoted_manifest_hashes(root: Path) -> list[tuple[str, str]]:
    """Manifest hashes the sign-off mail and the send log quote, if present."""
    from nianbao.signoff.message import quoted_manifest_sha, read_eml
    quoted = []
    if (root / EML).is_file():
        try:
            value = quoted_manifest_sha(read_eml(root / EML))
            if value:
                quoted.append((EML, value))
        except Exception:  # an unreadable .eml proves nothing either way
            pass
    try:
        sent = json.loads((root / MAIL_LOG).read_text(encoding="utf-8"))
        if sent and isinstance(sent[-1], dict) and sent[-1].get("manifest_sha256"):
            quoted.append((MAIL_LOG, sent[-1]["manifest_sha256"]))
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        pass
    return quoted


def verify(path: str | Path, manifest: str | Path | None = None) -> VerifyResult:
    """Compare an OUTDIR (every file) or one FILE with the sign-off manifest."""
    target = Path(path)
    if not target.exists():
        return _bad(target, "verify-not-found", "要核对的文件或目录不存在。")
    given = target
    note = ""
    if target.is_dir():
        from nianbao.publish import package_dir, signed_dir

        target = package_dir(target)       # F's published package, never a staging folder
        signed = signed_dir(given) if manifest is None else None
        if signed is not None and signed != target:
            note = (f"当前的运行（{target.name}）没有签发（数字有错误或作业失败）；"
                    f"核对的是最近一次签发的包：{signed}")
            target = signed
    if manifest is not None:
        mpath = Path(manifest)
    elif target.is_dir():
        mpath = target / MANIFEST
    else:
        mpath = find_manifest(target.resolve())
    if mpath is None or not mpath.is_file():
        return _bad(target, "verify-no-manifest", "找不到签发清单 manifest.json。", mpath,
                    "请指定 --manifest，或在报告输出目录中核对。")
    try:
        entries = load_manifest(mpath)
    except ValueError as e:
        return _bad(target, "verify-bad-manifest", str(e), mpath, "清单已损坏，无法据此证明文件未被修改。")
    root = mpath.resolve().parent
    shown = given / MANIFEST if given != target and (given / MANIFEST).resolve() == mpath.resolve() else mpath
    res = VerifyResult(given, shown, sha256_file(mpath), note=note)
    res.manifest_mismatch = [f"{name} 中记录的清单 SHA-256 与当前清单不同，清单在签发后被替换过"
                             for name, sha in _quoted_manifest_hashes(root) if sha != res.manifest_sha256]

    if target.is_dir():
        if target.resolve() != root:
            return _bad(target, "verify-bad-input", "指定的清单不属于该目录。", mpath)
        present = set(list_outputs(root))
        for rel, entry in sorted(entries.items()):
            if rel not in present:
                res.missing.append(rel)
                continue
            res.checked.append(rel)
            if sha256_file(root / rel) != entry["sha256"]:
                res.changed.append(rel)
        res.added = sorted(present - set(entries))
        return res

    resolved = target.resolve()
    rel = resolved.relative_to(root).as_posix() if root in resolved.parents else None
    digest = sha256_file(resolved)
    res.checked.append(str(target))
    if rel is not None and rel in entries:
        if digest != entries[rel]["sha256"]:
            res.changed.append(rel)
        else:
            res.matched = rel
        return res
    same = [p for p, e in entries.items() if e["sha256"] == digest]
    if same:
        res.matched = same[0]
    else:
        res.changed.append(f"{target}（与签发清单中任何文件都不相同）")
    return res
