"""The geometry column on both databases: MultiPolygon columns and any-type columns (points, lines)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shapely.geometry import LineString, MultiLineString, Point, Polygon
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from landbridge.db import Database
from landbridge.kernel.geo import ANY_GEOMETRY, GeometryColumn, GeometryError

SQUARE = Polygon([(117.0, 28.0), (117.001, 28.0), (117.001, 28.001), (117.0, 28.001)])


@pytest.fixture
def scratch(db: Database) -> Iterator[Table]:
    md = MetaData()
    tbl = Table("kernel_geom_scratch", md, Column("id", Integer, primary_key=True),
                Column("poly", GeometryColumn(), nullable=True), Column("any", GeometryColumn(ANY_GEOMETRY)))
    md.create_all(db.engine)
    yield tbl
    md.drop_all(db.engine)


def test_any_geometry_column_round_trips_points_lines_and_polygons(db: Database, scratch: Table) -> None:
    shapes = [Point(117.1, 28.2), LineString([(117.0, 28.0), (117.2, 28.1)]),
              MultiLineString([[(117.0, 28.0), (117.1, 28.1)], [(117.2, 28.2), (117.3, 28.2)]]), SQUARE]
    with db.engine.begin() as conn:
        conn.execute(insert(scratch), [{"id": i, "any": g} for i, g in enumerate(shapes)])
    with db.engine.connect() as conn:
        got = {row.id: row.any for row in conn.execute(select(scratch.c.id, scratch.c.any))}
        if db.engine.dialect.name == "postgresql":
            spec = conn.execute(text("SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                                     "WHERE attrelid = 'kernel_geom_scratch'::regclass AND attname = 'any'")).scalar()
            assert spec == "geometry(Geometry,4490)"
            srids = set(conn.execute(text("SELECT ST_SRID(\"any\") FROM kernel_geom_scratch")).scalars())
            assert srids == {4490}
    for i, g in enumerate(shapes):
        assert got[i].geom_type == g.geom_type
        assert got[i].equals(g)


def test_multipolygon_column_still_promotes_polygons_and_refuses_lines(db: Database, scratch: Table) -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(scratch), [{"id": 1, "poly": SQUARE, "any": SQUARE}])
        assert conn.execute(select(scratch.c.poly)).scalar_one().geom_type == "MultiPolygon"
    with pytest.raises(StatementError, match="expected a Polygon") as info, db.engine.begin() as conn:
        conn.execute(insert(scratch), [{"id": 2, "poly": LineString([(117.0, 28.0), (117.1, 28.1)]),
                                        "any": SQUARE}])
    assert isinstance(info.value.orig, GeometryError)


def test_geometry_type_is_checked_and_rendered_for_migrations() -> None:
    assert repr(GeometryColumn()) == "GeometryColumn()"
    assert repr(GeometryColumn(ANY_GEOMETRY)) == "GeometryColumn('GEOMETRY')"
    with pytest.raises(ValueError):
        GeometryColumn("POINTZ")
