"""Photos users send: only real images within the size limit, random refs, bounded retention."""

from __future__ import annotations

import os
import time

import pytest

from bot import uploads

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0" + bytes(64)


def test_a_saved_photo_loads_back_by_its_reference(tmp_path):
    ref = uploads.save(tmp_path, JPEG, "image/jpeg; charset=binary")
    assert uploads.REF.match(ref)
    assert uploads.load(tmp_path, ref) == JPEG
    assert uploads.save(tmp_path, PNG, "image/png") != ref  # random, never reused
    assert oct((tmp_path / "uploads" / ref).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("data, content_type, reason", [
    (b"%PDF-1.7\n" + bytes(64), "image/png", "type"),  # declared an image, is not
    (PNG, "application/pdf", "type"),
    (PNG, "image/svg+xml", "type"),  # scripts inside SVG: not kept
    (b"", "image/png", "empty"),
    (None, "image/png", "size"),
], ids=["pdf-as-png", "declared-pdf", "svg", "empty", "too-large"])
def test_what_is_not_a_kept_image_is_refused(tmp_path, data, content_type, reason):
    if data is None:
        data = PNG + bytes(uploads.MAX_BYTES)
    with pytest.raises(uploads.UploadRejected) as refused:
        uploads.save(tmp_path, data, content_type)
    assert refused.value.reason == reason
    assert not list(tmp_path.glob("uploads/u*"))


@pytest.mark.parametrize("ref", ["../secret_key", "u" + "0" * 32 + "/../x", "", "U" + "a" * 32])
def test_references_cannot_reach_other_files(tmp_path, ref):
    (tmp_path / "secret_key").write_text("s")
    with pytest.raises(KeyError):
        uploads.load(tmp_path, ref)


def test_old_photos_are_removed_and_no_longer_load(tmp_path):
    old = uploads.save(tmp_path, PNG, "image/png")
    past = time.time() - uploads.RETENTION - 60
    os.utime(tmp_path / "uploads" / old, (past, past))
    with pytest.raises(KeyError):
        uploads.load(tmp_path, old)
    fresh = uploads.save(tmp_path, PNG, "image/png")  # saving prunes
    assert not (tmp_path / "uploads" / old).exists()
    assert uploads.load(tmp_path, fresh) == PNG
