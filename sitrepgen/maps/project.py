"""From longitude/latitude to the plane, and what changed hands between two weeks.

The projection is Lambert azimuthal equal-area (through pyproj, on the WGS 84 ellipsoid) centred
on the map: areas measured in it are true areas, so a change "in km2" is exact up to the straight
edges of the polygons, and shapes and distances are true to within 0.1 % over a few hundred
kilometres of the centre (a city or a province; a whole country stays within about 1 %). Both weeks
go through the same projection (centred on this week's map), so their polygons can be intersected.

pyproj and shapely are imported here, on the first projection, never when a report has no map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .geojson import MapData

M2_PER_KM2 = 1_000_000.0


class Projection:
    """Lambert azimuthal equal-area centred on (``lon0``, ``lat0``), in metres."""

    def __init__(self, lon0: float, lat0: float) -> None:
        from pyproj import Transformer

        self.lon0, self.lat0 = lon0, lat0
        # A pipeline string, not from_crs("EPSG:4326", ...): nothing is looked up in PROJ's
        # database (0.2 ms instead of about 50 ms), and no grid or network file can be involved.
        self._transformer = Transformer.from_pipeline(
            "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=laea +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84"
        )

    @classmethod
    def centred_on(cls, bounds: tuple[float, float, float, float]) -> Projection:
        west, south, east, north = bounds
        # Rounded so the centre (and so every projected coordinate) does not depend on a
        # vertex's last digit.
        return cls(round((west + east) / 2, 4), round((south + north) / 2, 4))

    def points(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return self._transformer.transform(lon, lat)  # type: ignore[no-any-return]

    def geometry(self, geometry: Any) -> Any:
        import shapely

        def forward(coords: Any) -> Any:
            import numpy

            x, y = self._transformer.transform(coords[:, 0], coords[:, 1])
            return numpy.column_stack([x, y])

        return shapely.transform(geometry, forward)


@dataclass(frozen=True)
class Change:
    """Ground held by ``lost_by`` in the previous report and by ``gained_by`` in this one."""

    gained_by: str
    lost_by: str
    km2: float
    geometry: Any  #: shapely geometry in the projection's metres


@dataclass(frozen=True)
class Comparison:
    """This week's areas by actor, last week's, and what changed hands (all in km2)."""

    area_km2: dict[str, float]
    previous_area_km2: dict[str, float]
    changes: tuple[Change, ...]

    @property
    def changed_km2(self) -> float:
        return sum(change.km2 for change in self.changes)

    def gained_km2(self, control: str) -> float:
        return sum(change.km2 for change in self.changes if change.gained_by == control)

    def lost_km2(self, control: str) -> float:
        return sum(change.km2 for change in self.changes if change.lost_by == control)

    def lost_share(self, control: str) -> float | None:
        """Share (0..1) of the actor's previous ground that it lost; None if it held none."""
        held = self.previous_area_km2.get(control, 0.0)
        return self.lost_km2(control) / held if held else None


def by_control(data: MapData, projection: Projection, order: Iterable[str]) -> dict[str, Any]:
    """Each actor's areas, projected and merged into one geometry, in the settings' order."""
    import shapely

    merged: dict[str, Any] = {}
    for control in order:
        parts = [projection.geometry(area.geometry) for area in data.areas if area.control == control]
        if parts:
            merged[control] = shapely.union_all(parts)
    return merged


#: Pieces of a change smaller than this share of the map's area are dropped: two weeks digitised
#: separately leave slivers along a front that did not move.
SLIVER_SHARE = 1e-6


def compare(current: Mapping[str, Any], previous: Mapping[str, Any], *, map_m2: float) -> Comparison:
    """What changed hands between ``previous`` and ``current`` (each actor's merged ground)."""
    import shapely

    changes: list[Change] = []
    for gained_by, now in current.items():
        for lost_by, before in previous.items():
            if gained_by == lost_by:
                continue
            taken = shapely.intersection(now, before)
            parts = [p for p in shapely.get_parts(shapely.get_parts(taken)) if p.geom_type == "Polygon" and p.area > SLIVER_SHARE * map_m2]
            if parts:
                geometry = shapely.union_all(parts)
                changes.append(Change(gained_by, lost_by, geometry.area / M2_PER_KM2, geometry))
    return Comparison(
        {key: value.area / M2_PER_KM2 for key, value in current.items()},
        {key: value.area / M2_PER_KM2 for key, value in previous.items()},
        tuple(changes),
    )
