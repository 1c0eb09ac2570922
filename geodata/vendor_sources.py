"""Copy the licensed source data the product uses from ``../shared`` into ``geodata/sources``.

The product must run from its own checkout, so the boundary layers it reads at run time and
at build time are kept in the repository, in the same layout as ``../shared``, GeoJSON
gzip-compressed (byte-for-byte reproducible), with their SOURCE files beside them. (A skill
keeps the sources it alone uses in its own folder: the police station list is in
``skills/police/data/sources``.) Run::

    python geodata/vendor_sources.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "sources"
HDX = "geodata-sources/thailand-admin-boundaries-hdx-codab"
FILES = [
    f"{HDX}/SOURCE.md",
    f"{HDX}/bangkok_khet_50.geojson",
    f"{HDX}/bangkok_khwaeng_169.geojson",
    f"{HDX}/thailand_amphoe_928.geojson",
    f"{HDX}/thailand_provinces_77.geojson",
]


def vendor(shared: Path, out: Path = OUT) -> list[Path]:
    """Copy ``FILES`` from ``shared`` to ``out``; GeoJSON as ``.gz`` with a fixed timestamp."""
    written = []
    for rel in FILES:
        src, dst = shared / rel, out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".geojson":
            dst = dst.with_name(dst.name + ".gz")
            with open(src, "rb") as fin, open(dst, "wb") as raw, \
                    gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                  compresslevel=9) as fout:
                shutil.copyfileobj(fin, fout)
        else:
            shutil.copyfile(src, dst)
        written.append(dst)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    for path in vendor(args.shared):
        print(f"wrote {path.relative_to(HERE.parent)} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
