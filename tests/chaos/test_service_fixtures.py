"""The session-wide Redis and PostgreSQL fixtures other test packages use (tests/fixtures)."""

from __future__ import annotations

import psycopg
import redis


def test_postgres_dsn_gives_a_test_its_own_empty_database(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
        conn.execute("create table leftover (x int)")
    assert tables == (0,)


def test_postgres_dsn_databases_do_not_leak_between_tests(postgres_dsn: str) -> None:
    with psycopg.connect(postgres_dsn) as conn:
        found = conn.execute("select to_regclass('public.leftover')").fetchone()
    assert found == (None,)


def test_redis_url_starts_from_an_empty_database(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        size = client.dbsize()
        client.set("leftover", "1")
    finally:
        client.close()
    assert size == 0


def test_redis_url_is_flushed_for_the_next_test(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.exists("leftover") == 0
    finally:
        client.close()
