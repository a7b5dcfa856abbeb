"""Does a local projection serve as well as pyproj's? Areas and distances on the bundled map.

    python benchmarks/map_projection.py

sitrepgen.maps projects with pyproj (Lambert azimuthal equal-area on WGS 84, centred on the
map). The alternative without the dependency is a local equirectangular projection with the
ellipsoid's radii of curvature at the centre (x = N cos(lat0) dlon, y = M dlat). This compares,
against geodesic truth (pyproj.Geod, on edges densified to 0.01 degree): the areas of the bundled Aleppo map's actors and of the
ground that changed hands, and the length of the map's diagonal; then the same for a map the
size of Syria (a 5 x 6 degree box), where a city-sized approximation stops being one.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import shapely  # noqa: E402
from pyproj import Geod  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402

from sitrepgen.maps import MapSettings, draw_map, load_geojson  # noqa: E402
from sitrepgen.maps.project import Projection  # noqa: E402

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)
GEOD = Geod(ellps="WGS84")


def local(lon0: float, lat0: float):  # type: ignore[no-untyped-def]
    """The local equirectangular projection at (lon0, lat0), on the WGS 84 ellipsoid."""
    phi = math.radians(lat0)
    w = math.sqrt(1 - E2 * math.sin(phi) ** 2)
    n, m = A / w, A * (1 - E2) / w**3
    return lambda lon, lat: (n * math.cos(phi) * math.radians(lon - lon0), m * math.radians(lat - lat0))


def project(geometry, fn):  # type: ignore[no-untyped-def]
    return shapely.transform(geometry, lambda c: [fn(x, y) for x, y in c])


def row(name: str, truth: float, laea: float, approx: float) -> None:
    print(f"{name:<34} {truth:12.4f} {100 * (laea / truth - 1):+9.4f} % {100 * (approx / truth - 1):+9.4f} %")


def compare(name: str, geometries: dict[str, object], bounds: tuple[float, float, float, float]) -> None:
    projection = Projection.centred_on(bounds)
    fn = local(projection.lon0, projection.lat0)
    print(f"\n{name} (centre {projection.lat0} N, {projection.lon0} E)")
    print(f"{'':<34} {'geodesic':>12} {'pyproj LAEA':>11} {'local':>11}")
    for label, geometry in geometries.items():
        # Edges every 0.01 degree, so that all three measure the same region (an edge along a
        # parallel is no geodesic, nor a straight line in either plane, over hundreds of km).
        geometry = shapely.segmentize(geometry, 0.01)
        truth = abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6
        row(f"{label} (km2)", truth, projection.geometry(geometry).area / 1e6, project(geometry, fn).area / 1e6)
    west, south, east, north = bounds
    truth = GEOD.inv(west, south, east, north)[2] / 1000
    (x0, x1), (y0, y1) = projection.points([west, east], [south, north])
    laea = math.hypot(x1 - x0, y1 - y0) / 1000
    (a, b), (c, d) = fn(west, south), fn(east, north)
    row("diagonal (km)", truth, laea, math.hypot(c - a, d - b) / 1000)


def main() -> None:
    settings = MapSettings.model_validate(YAML(typ="safe").load((REPO / "tests/data/maps/aleppo-settings.yaml").read_text(encoding="utf-8")))
    dec8, _ = load_geojson(REPO / "sitreps/figures/2016-12-08-aleppo-control.geojson", settings)
    dec1, _ = load_geojson(REPO / "sitreps/figures/2016-12-01-aleppo-control.geojson", settings)
    assert dec8 is not None and dec1 is not None
    gov = shapely.union_all([a.geometry for a in dec8.areas if a.control == "government"])
    opp = shapely.union_all([a.geometry for a in dec8.areas if a.control == "opposition"])
    opp1 = shapely.union_all([a.geometry for a in dec1.areas if a.control == "opposition"])
    compare("Aleppo, December 8", {"government": gov, "opposition": opp, "changed hands": shapely.intersection(gov, opp1)}, dec8.bounds())
    drawn = draw_map(dec8, settings, previous=dec1, previous_date=dt.date(2016, 12, 1))
    print(f"sitrepgen.maps changed_km2: {drawn.changed_km2:.4f}")
    syria = shapely.box(36.0, 32.5, 42.0, 37.5)
    compare("A Syria-sized box, 36-42 E x 32.5-37.5 N", {"box": syria, "its northern half": shapely.box(36.0, 35.0, 42.0, 37.5)}, syria.bounds)


if __name__ == "__main__":
    main()
