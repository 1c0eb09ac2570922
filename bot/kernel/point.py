"""The one coordinate check: is this a point on Earth? (No shapely: channels and actions use it.)

>>> check_point("13.7", 100.5)
(13.7, 100.5)
>>> check_point("13.7", 100.5, numbers_only=True)
Traceback (most recent call last):
bot.kernel.point.InvalidCoordinates: พิกัดต้องเป็นตัวเลขทั้งละติจูดและลองจิจูด
>>> check_point(10**400, 0)
Traceback (most recent call last):
bot.kernel.point.InvalidCoordinates: พิกัดต้องเป็นตัวเลขจริง
"""

from __future__ import annotations

import math
from typing import Any


class InvalidCoordinates(ValueError):
    """Coordinates that are not a point on Earth; ``str()`` is a Thai reason for the user."""


def check_point(lat: Any, lon: Any, *, numbers_only: bool = False) -> tuple[float, float]:
    """``(lat, lon)`` as floats, or ``InvalidCoordinates`` with a Thai reason.

    ``numbers_only``: refuse strings (a JSON body or a platform event must carry numbers);
    otherwise a numeric string ("13.7", as in a query string) is read as its number.
    """
    allowed = (int, float) if numbers_only else (int, float, str)
    if isinstance(lat, bool) or isinstance(lon, bool) or not isinstance(lat, allowed) \
            or not isinstance(lon, allowed):
        raise InvalidCoordinates("พิกัดต้องเป็นตัวเลขทั้งละติจูดและลองจิจูด")
    try:
        lat, lon = float(lat), float(lon)
    except OverflowError:  # an integer beyond any float
        lat = lon = math.inf
    except ValueError:
        raise InvalidCoordinates("พิกัดต้องเป็นตัวเลขทั้งละติจูดและลองจิจูด") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise InvalidCoordinates("พิกัดต้องเป็นตัวเลขจริง")
    if not -90 <= lat <= 90:
        raise InvalidCoordinates("ละติจูดต้องอยู่ระหว่าง -90 ถึง 90 องศา")
    if not -180 <= lon <= 180:
        raise InvalidCoordinates("ลองจิจูดต้องอยู่ระหว่าง -180 ถึง 180 องศา")
    return lat, lon
