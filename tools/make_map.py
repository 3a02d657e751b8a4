"""Derive the game's map asset (``game/assets/map.json``) from Natural Earth's countries.

Natural Earth's low-resolution countries (public domain) ship inside the geopandas 0.14.4
wheel, in ``geopandas/datasets/naturalearth_lowres/``. This script reads that shapefile with
pyshp, merges the Soviet republics into one USSR with shapely, keeps the region (the six
states and the neighbours a reader needs to recognise it), marks Bangladesh as East
Pakistan, projects the shapes (Lambert azimuthal equal-area, centred on the region),
simplifies them and writes a small JSON file that the game reads. The game never reads the
shapefile.

Run it once, with the ``tools`` extra installed::

    pip install -e ".[tools]"
    pip download geopandas==0.14.4 --no-deps -d /tmp/gpd
    python tools/make_map.py /tmp/gpd/geopandas-0.14.4-py3-none-any.whl

The argument is the wheel or a folder that holds ``naturalearth_lowres.shp``.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import sys
import zipfile
from pathlib import Path
from typing import Any

import shapefile
from shapely.geometry import MultiPolygon, Polygon, box, shape
from shapely.ops import unary_union

OUT = Path(__file__).resolve().parent.parent / "game" / "assets" / "map.json"
INNER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"

SOVIET_REPUBLICS = [
    "Russia",
    "Kazakhstan",
    "Uzbekistan",
    "Turkmenistan",
    "Kyrgyzstan",
    "Tajikistan",
    "Ukraine",
    "Belarus",
    "Moldova",
    "Lithuania",
    "Latvia",
    "Estonia",
    "Georgia",
    "Armenia",
    "Azerbaijan",
]
"""The fifteen republics of the Soviet Union, by their Natural Earth names."""

ACTORS = {"Pakistan": "PAK", "India": "IND", "China": "CHN", "Afghanistan": "AFG"}
"""Natural Earth names of the actors drawn as one country each (the USSR is merged)."""

CONTEXT_LABELS = {
    "Iran": "Iran",
    "Nepal": "Nepal",
    "Myanmar": "Burma",
    "Mongolia": "Mongolia",
    "Turkey": "Turkey",
    "Iraq": "Iraq",
    "Saudi Arabia": "Saudi Arabia",
    "Sri Lanka": "Ceylon",
    "Japan": "Japan",
    "Thailand": "Thailand",
}
"""Neighbours that carry a label (with their names of the period); others are drawn unnamed."""

CAPITALS: dict[str, list[dict[str, Any]]] = {
    "PAK": [
        {"from": "1947-08", "name": "Karachi", "lon": 67.01, "lat": 24.86},
        {"from": "1959-10", "name": "Rawalpindi", "lon": 73.05, "lat": 33.60},
        {"from": "1967-08", "name": "Islamabad", "lon": 73.05, "lat": 33.68},
    ],
    "USSR": [{"from": "1917-03", "name": "Moscow", "lon": 37.62, "lat": 55.75}],
    "IND": [{"from": "1947-08", "name": "New Delhi", "lon": 77.21, "lat": 28.61}],
    "CHN": [{"from": "1949-10", "name": "Beijing", "lon": 116.40, "lat": 39.90}],
    "AFG": [{"from": "1919-08", "name": "Kabul", "lon": 69.17, "lat": 34.53}],
}
"""Seats of government by date (Pakistan moved its capital twice); the USA is off the map."""

LABEL_AT = {
    "USSR": (66.0, 52.0),
    "PAK": (68.6, 27.8),
    "AFG": (65.5, 33.6),
    "IND": (78.5, 21.0),
    "CHN": (100.0, 34.0),
    "EPAK": (90.3, 19.6),
}
"""Where the actors' names go (longitude, latitude): inside the country, clear of capitals;
East Pakistan's name goes in the Bay of Bengal, below it."""

CENTRE = (75.0, 36.0)
"""Centre of the projection (longitude, latitude)."""

EXTENT = (-3700.0, -3250.0, 4300.0, 3000.0)
"""Kept window in projected kilometres (x0, y0, x1, y1): Moscow to Japan, Turkey to Ceylon."""

TOLERANCE_KM = 9.0
"""Simplification tolerance: below a pixel at any window size the game supports."""

SCALE = 1000.0
"""The asset's width in map units; heights follow the window's aspect ratio."""


def project(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area projection around ``CENTRE``, in km (y grows north)."""
    r = 6371.0
    lam, phi = math.radians(lon), math.radians(lat)
    lam0, phi0 = math.radians(CENTRE[0]), math.radians(CENTRE[1])
    c = 1 + math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2 / c)
    x = r * k * math.cos(phi) * math.sin(lam - lam0)
    y = (
        r
        * k
        * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0))
    )
    return x, y


def to_asset(x: float, y: float) -> tuple[float, float]:
    """Projected km to asset units: origin top-left, y down, width ``SCALE``."""
    x0, _y0, x1, y1 = EXTENT
    s = SCALE / (x1 - x0)
    return round((x - x0) * s, 1), round((y1 - y) * s, 1)


def read_shapes(source: Path) -> shapefile.Reader:
    """Open the shapefile inside the wheel (or in a folder)."""
    if source.is_dir():
        found = next(source.rglob("naturalearth_lowres.shp"), None)
        if found is None:
            raise SystemExit(f"{source}: no naturalearth_lowres.shp inside")
        encoding = found.with_suffix(".cpg").read_text(encoding="ascii").strip()
        return shapefile.Reader(str(found.with_suffix("")), encoding=_codec(encoding))
    with zipfile.ZipFile(source) as wheel:
        parts = {ext: io.BytesIO(wheel.read(f"{INNER}.{ext}")) for ext in ("shp", "shx", "dbf")}
        encoding = wheel.read(f"{INNER}.cpg").decode("ascii").strip()
    return shapefile.Reader(
        shp=parts["shp"], shx=parts["shx"], dbf=parts["dbf"], encoding=_codec(encoding)
    )


def _codec(cpg: str) -> str:
    """The Python codec of a shapefile's code page (its .cpg file)."""
    return {"ISO-8859-1": "latin-1", "UTF-8": "utf-8"}.get(cpg.upper(), cpg)


def projected(geom: Any) -> Any:
    """A lon/lat geometry projected to km (cut at 150°E first, so Chukotka cannot wrap)."""
    geom = geom.intersection(box(-20.0, -10.0, 150.0, 85.0))
    polys = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    out = []
    for p in polys:
        if not isinstance(p, Polygon) or p.is_empty:
            continue
        shell = [project(x, y) for x, y in p.exterior.coords]
        holes = [[project(x, y) for x, y in ring.coords] for ring in p.interiors]
        out.append(Polygon(shell, holes))
    return MultiPolygon(out) if out else Polygon()


def rings(geom: Any) -> list[list[list[float]]]:
    """Outer rings of a (multi)polygon in asset units, simplified, clipped to the window."""
    window = box(*EXTENT)
    geom = geom.intersection(window).simplify(TOLERANCE_KM, preserve_topology=True)
    polys = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    out = []
    for p in polys:
        if not isinstance(p, Polygon) or p.is_empty or p.area < 400.0:  # islands under 20x20 km
            continue
        out.append([list(to_asset(x, y)) for x, y in p.exterior.coords])
    return out


def label_point(geom: Any) -> list[float]:
    """Where a country's name goes: a point inside its largest part (in asset units)."""
    window = box(*EXTENT)
    geom = geom.intersection(window)
    parts = [geom] if isinstance(geom, Polygon) else list(getattr(geom, "geoms", []))
    largest = max(parts, key=lambda p: p.area)
    p = largest.representative_point()
    return list(to_asset(p.x, p.y))


def build(reader: shapefile.Reader) -> dict[str, Any]:
    """The map asset as JSON data."""
    soviet, countries, context = [], {}, {}
    for sr in reader.iterShapeRecords():
        name = sr.record.as_dict()["name"]
        geom = projected(shape(sr.shape.__geo_interface__))
        if geom.is_empty:
            continue
        if name in SOVIET_REPUBLICS:
            soviet.append(geom)
        elif name in ACTORS or name == "Bangladesh":
            countries[name] = geom
        elif geom.intersects(box(*EXTENT)):
            context[name] = geom
    missing = [n for n in [*SOVIET_REPUBLICS, *ACTORS, "Bangladesh"] if n not in countries]
    missing = [n for n in missing if n not in SOVIET_REPUBLICS] + (
        [] if len(soviet) == len(SOVIET_REPUBLICS) else ["some Soviet republics"]
    )
    if missing:
        raise SystemExit(f"not in the shapefile: {', '.join(missing)}")
    ussr = unary_union(soviet).buffer(0.5).buffer(-0.5)  # close the slivers between republics
    features = [
        {"id": "USSR", "name": "Soviet Union", "kind": "actor", "rings": rings(ussr)},
        *(
            {"id": code, "name": name, "kind": "actor", "rings": rings(countries[name])}
            for name, code in ACTORS.items()
        ),
        {
            "id": "EPAK",
            "name": "East Pakistan",
            "kind": "east-pakistan",
            "after": "Bangladesh",
            "rings": rings(countries["Bangladesh"]),
        },
    ]
    labels = {
        f["id"]: label_point(g)
        for f, g in zip(
            features, [ussr, *[countries[n] for n in ACTORS], countries["Bangladesh"]], strict=True
        )
    }
    for name in sorted(context):
        r = rings(context[name])
        if not r:
            continue
        feature: dict[str, Any] = {
            "id": name,
            "name": CONTEXT_LABELS.get(name),
            "kind": "context",
            "rings": r,
        }
        if name in CONTEXT_LABELS:
            labels[name] = label_point(context[name])
        features.append(feature)
    for code, (lon, lat) in LABEL_AT.items():
        labels[code] = list(to_asset(*project(lon, lat)))
    for f in features:
        if f["id"] in labels:
            f["label"] = labels[f["id"]]
    capitals = {
        actor: [
            {
                "from": c["from"],
                "name": c["name"],
                "at": list(to_asset(*project(c["lon"], c["lat"]))),
            }
            for c in seats
        ]
        for actor, seats in CAPITALS.items()
    }
    x0, y0, x1, y1 = EXTENT
    return {
        "format": "frontline-state/map",
        "version": 1,
        "source": "Natural Earth 1:110m countries (public domain), as shipped in geopandas 0.14.4; "
        "derived by tools/make_map.py",
        "projection": f"Lambert azimuthal equal-area centred on {CENTRE[0]}E {CENTRE[1]}N",
        "width": SCALE,
        "height": round(SCALE * (y1 - y0) / (x1 - x0), 1),
        "features": features,
        "capitals": capitals,
    }


def main(argv: list[str] | None = None) -> int:
    """Read the shapefile, write the asset, print its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the geopandas 0.14.4 wheel, or a folder")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(read_shapes(args.source))
    text = json.dumps(data, separators=(",", ":")) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    points = sum(len(r) for f in data["features"] for r in f["rings"])
    sys.stdout.write(
        f"wrote {args.out}: {len(text):,} bytes, "
        f"{len(data['features'])} shapes, {points:,} points\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
