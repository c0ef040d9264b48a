"""Restoring reads only what a backup holds: regular files at plain paths inside its folder, as many
photo files as its manifest lists. Links, devices, absolute and `..` names refuse the whole archive
(the tar library's own filter was defeated by nested long-named links: CVE-2025-4517)."""
import io
import json
import tarfile

import pytest

from propmgmt.ops.backup import FORMAT, MANIFEST, BackupError, read_manifest

MANIFEST_BODY = {"format": FORMAT, "dialect": "sqlite", "tables": {}, "files": 1, "file_bytes": 5}


def _archive(tmp_path, *members) -> str:
    """members: (TarInfo, bytes or None), after a valid manifest, dump and one photo."""
    path = tmp_path / "crafted.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, data in ((MANIFEST, json.dumps(MANIFEST_BODY).encode()), ("database.sqlite3", b"SQLite"),
                           ("uploads/1/a.jpg", b"photo")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return str(path)


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _special(name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.CHRTYPE
    return info, None


def test_a_backup_made_of_files_is_read(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    assert read_manifest(_archive(tmp_path), work)["files"] == 1
    assert (work / "uploads/1/a.jpg").read_bytes() == b"photo"


@pytest.mark.parametrize("member, words", [
    (_link("uploads/x", "/etc/passwd"), "holds a link"),
    (_link("uploads/y", "uploads/1/a.jpg", tarfile.LNKTYPE), "holds a link"),
    # the CVE's shape: a chain of long-named links whose resolved path passes PATH_MAX
    (_link("uploads/" + "d" * 250, "/" + "/".join(["e" * 250] * 20)), "holds a link"),
    (_special("uploads/tty"), "holds a special file"),
    ((tarfile.TarInfo("../outside.txt"), b"x"), "outside the backup's folder"),
    ((tarfile.TarInfo("/tmp/absolute.txt"), b"x"), "outside the backup's folder"),
    ((tarfile.TarInfo("uploads/../../escape.txt"), b"x"), "outside the backup's folder"),
    ((tarfile.TarInfo("uploads/1/a.jpg"), b"again"), "twice"),
])
def test_anything_but_plain_files_refuses_the_archive(tmp_path, member, words):
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(BackupError, match=words):
        read_manifest(_archive(tmp_path, member), work)
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "escape.txt").exists()


def test_photos_the_manifest_does_not_list_refuse_the_archive(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(BackupError, match="manifest lists 1"):
        read_manifest(_archive(tmp_path, (tarfile.TarInfo("uploads/2/b.jpg"), b"extra")), work)
