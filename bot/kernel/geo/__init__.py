"""Shared geography kernel: place names in Thai text, and what lies at a coordinate.

Skills import it as ``from bot.kernel.geo import Place, AdminArea, resolve_place, admin_at``::

    resolve_place("อยู่ลาดพร้าว แจ้งความที่ไหน")   # [Place('ลาดพร้าว', 'khwaeng', …)]
    admin_at(13.7316, 100.5417)                      # AdminArea('กรุงเทพมหานคร', 'ปทุมวัน', 'ลุมพินี', …)

``PolygonLayer`` is the indexed point-in-polygon layer behind both (R-tree over bounds,
prepared shapely geometries, deterministic answer on shared borders); skills build their own
layers with it (police jurisdictions, forest zones). Layers load lazily, once per process.
"""

from bot.kernel.geo.admin import AdminArea, admin_at, configure
from bot.kernel.geo.layer import (
    InvalidCoordinates,
    Nearest,
    PolygonLayer,
    check_point,
    haversine_m,
    read_geojson,
)
from bot.kernel.geo.places import Place, all_places, resolve_place

__all__ = [
    "AdminArea", "InvalidCoordinates", "Nearest", "Place", "PolygonLayer", "admin_at",
    "all_places", "check_point", "configure", "haversine_m", "read_geojson", "resolve_place",
]
