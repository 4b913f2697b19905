"""Fill a throwaway database with N achievements for ``duijie bench hall``, fast.

Run in a subprocess whose environment (``DATABASE_URL``, ``DUIJIE_VAR_DIR``) points at the benchmark
database, after ``duijie migrate``::

    python -m duijie.bench.fill --achievements 100000 --out stats.json

This is a benchmark fixture: it writes rows directly (ORM ``bulk_create`` for the few organisations and
users, ``COPY`` on PostgreSQL and ``executemany`` on SQLite for the achievements and their relations)
and so bypasses the services on purpose — no validation, no history rows, no e-mail. It derives the
same things the services derive (``search_text`` through :func:`normalise_for_search`, ``stage`` from
the TRL, ``price_band`` from the price, ``has_granted_patent`` from the IP assets, the keyword-search
tokens of ``AchievementSearch``), so the hall sees rows exactly like those the services write.

Content is cycled from the demo data file (``duijie/supply/data/demo_achievements.jsonl``: 300 real
Chinese and English abstracts) with deterministic variations, so that keyword searches have realistic
selectivity. Everything is a pure function of the item's number: two runs fill identical databases.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

BATCH = 5000
ORG_COUNT = 50
MASK = (1 << 64) - 1
# Items are published over the three years before this moment (fixed: every run fills the same rows).
EPOCH = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
SPREAD_SECONDS = 3 * 365 * 86400

CN_CITIES = (
    ("南京", "Nanjing", "CN-320100"), ("苏州", "Suzhou", "CN-320500"), ("无锡", "Wuxi", "CN-320200"),
    ("常州", "Changzhou", "CN-320400"), ("南通", "Nantong", "CN-320600"), ("扬州", "Yangzhou", "CN-321000"),
    ("镇江", "Zhenjiang", "CN-321100"), ("徐州", "Xuzhou", "CN-320300"), ("杭州", "Hangzhou", "CN-330100"),
    ("宁波", "Ningbo", "CN-330200"), ("合肥", "Hefei", "CN-340100"), ("武汉", "Wuhan", "CN-420100"),
    ("长沙", "Changsha", "CN-430100"), ("成都", "Chengdu", "CN-510100"), ("西安", "Xi'an", "CN-610100"),
    ("广州", "Guangzhou", "CN-440100"), ("深圳", "Shenzhen", "CN-440300"), ("青岛", "Qingdao", "CN-370200"),
    ("厦门", "Xiamen", "CN-350200"), ("大连", "Dalian", "CN-210200"),
)
CN_KINDS = (
    ("理工大学", "University of Technology", "university"),
    ("工业技术研究院", "Institute of Industrial Technology", "research_institute"),
)
GB_ORGS = (
    ("University of Northbridge", "GB-ENG-NW"), ("Eastfield University", "GB-ENG-EE"),
    ("Kingsmere College London", "GB-ENG-LON"), ("University of Southdown", "GB-ENG-SE"),
    ("Glenross University", "GB-SCT"), ("Cardwell University", "GB-WLS"),
)
RU_ORGS = (
    ("Институт прикладной физики (бенчмарк)", "Institute of Applied Physics (bench)", "RU-MOW"),
    ("Университет новых материалов (бенчмарк)", "University of New Materials (bench)", "RU-SPE"),
    ("Институт машиноведения (бенчмарк)", "Institute of Machine Science (bench)", "RU-MOW"),
    ("Центр энергетических технологий (бенчмарк)", "Energy Technology Centre (bench)", "RU-SPE"),
)
ZH_QUALIFIERS = ("", "及其应用", "的改进方法", "系统及装置", "关键技术", "的产业化方案")
EN_QUALIFIERS = ("", " and its applications", ": an improved method", " system and device",
                 ": key technologies", " for industrial use")
CNY_FROM = (50_000, 200_000, 300_000, 500_000, 800_000, 1_000_000, 1_500_000, 3_000_000, 5_000_000, 12_000_000)
GBP_FROM = (8_000, 20_000, 35_000, 50_000, 80_000, 120_000, 250_000, 1_500_000)


def mix(i: int, salt: int) -> int:
    """A well-spread 64-bit number from (i, salt): splitmix64, so variations do not follow ``i % 300``."""
    x = (i * 0x9E3779B97F4A7C15 + (salt + 1) * 0xBF58476D1CE4E5B9) & MASK
    x ^= x >> 31
    x = (x * 0x94D049BB133111EB) & MASK
    x ^= x >> 29
    return x


def batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write rows fast: ``COPY`` on PostgreSQL, ``executemany`` in batches elsewhere."""
    from django.db import connection

    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {qn(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            sql = f"INSERT INTO {qn(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            for batch in batched(rows, BATCH):
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


class Source:
    """The demo records, cleaned once, and what every item derived from one of them shares."""

    def __init__(self, field_codes: set[str]) -> None:
        from duijie.supply import demo

        self.records: list[dict[str, Any]] = []
        subfields = sorted(c for c in field_codes if "." in c)
        for record in demo.read_records():
            lang = "zh-hans" if record["lang"] == "zh" else "en"
            title = demo.clean_text(record["title"], record["lang"])
            abstract = demo.clean_text(record["abstract"], record["lang"])
            summary = demo.summary_from(abstract)
            zh, en = demo.attribution(record, shortened=len(summary) < len(abstract))
            default = subfields[len(self.records) * 7 % len(subfields)]
            codes = [c for c in demo.field_codes_for(record, default) if c in field_codes] or [default]
            self.records.append({
                "lang": lang, "title": title, "summary": summary,
                "description": f"{zh}\n\n{en}" if lang == "zh-hans" else f"{en}\n\n{zh}",
                "keywords": [demo.clean_text(k, record["lang"]) for k in record["keywords"] if k.strip()][:5],
                "codes": codes[:2],
            })
        self.zh = [n for n, r in enumerate(self.records) if r["lang"] == "zh-hans"]
        self.en = [n for n, r in enumerate(self.records) if r["lang"] == "en"]
        self._search: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    def tokens(self, search_text: str) -> str:
        """What ``services.hall_changed`` indexes for keyword search, memoised like the text."""
        from duijie.supply.hallsearch import index_tokens

        found = self._tokens.get(search_text)
        if found is None:
            found = self._tokens[search_text] = index_tokens(search_text)
        return found

    def common_keywords(self, lang: str, k: int) -> list[str]:
        """The ``k`` keywords that most records of ``lang`` carry (query words for the benchmark)."""
        counts = Counter(kw for r in self.records if r["lang"] == lang for kw in r["keywords"] if " " not in kw)
        return [kw for kw, _n in counts.most_common(k)]

    def search_text(self, title: str, summary: str, keywords: list[str]) -> str:
        from duijie.core.text import normalise_for_search

        # The same text the services index (duijie.supply.services._search_text), memoised: items
        # cycle through the records, so most texts repeat.
        text = " ".join([title, summary, " ".join(keywords)])
        found = self._search.get(text)
        if found is None:
            found = self._search[text] = normalise_for_search(text)
        return found


class Plan:
    """What item ``i`` is: every choice a pure function of ``i`` (see :func:`mix`)."""

    def __init__(self, source: Source, orgs: list[dict[str, Any]], modes: list[int], fields: dict[str, int]) -> None:
        self.source = source
        self.orgs = orgs
        self.cn_orgs = [o for o in orgs if o["country"] == "CN"]
        self.other_orgs = [o for o in orgs if o["country"] != "CN"]
        self.modes = modes
        self.fields = fields

    def status(self, i: int) -> str:
        roll = mix(i, 1) % 100
        if roll < 90:
            return "published"
        if roll < 93:
            return "in_negotiation"
        if roll < 95:
            return "transferred"
        return "draft" if roll < 98 else "submitted"

    def record(self, i: int) -> int:
        return i % len(self.source.records)

    def org(self, i: int) -> dict[str, Any]:
        record = self.source.records[self.record(i)]
        pool = self.cn_orgs if record["lang"] == "zh-hans" or mix(i, 2) % 5 < 2 else self.other_orgs
        return pool[mix(i, 3) % len(pool)]

    def field_ids(self, i: int) -> list[int]:
        codes = list(self.source.records[self.record(i)]["codes"])
        if mix(i, 4) % 5 == 0:  # some items are filed under the top-level field only
            codes[0] = codes[0].split(".", 1)[0]
        return list(dict.fromkeys(self.fields[c] for c in codes if c in self.fields))

    def mode_ids(self, i: int) -> list[int]:
        first = mix(i, 5) % len(self.modes)
        return [self.modes[(first + k) % len(self.modes)] for k in range(1 + mix(i, 6) % 3)]

    def ip_assets(self, i: int) -> list[tuple[str, str, str, str, date, date | None]]:
        """(type, number, jurisdiction, status, filed, granted) rows; about two in five items have one."""
        from duijie.supply.ip_numbers import cn_application_check_digit

        org = self.org(i)
        roll = mix(i, 7) % 100
        year = 2016 + mix(i, 8) % 7
        filed = date(year, 1 + mix(i, 9) % 12, 1 + mix(i, 10) % 28)
        granted = filed + timedelta(days=540 + mix(i, 11) % 720)
        serial = mix(i, 12) % 10_000_000
        if org["country"] != "CN":
            if roll < 15:
                return [("pct_application", f"PCT/{org['country']}{year}/{serial % 1_000_000:06d}", "WO", "filed",
                         filed, None)]
            return []
        rows: list[tuple[str, str, str, str, date, date | None]] = []
        if roll < 40:
            body = f"{year}1{serial:07d}"
            is_granted = mix(i, 13) % 3 != 0 and granted < EPOCH.date()
            rows.append(("invention_patent", f"CN{body}.{cn_application_check_digit(body)}", "CN",
                         "granted" if is_granted else "filed", filed, granted if is_granted else None))
        if 40 <= roll < 50 or roll % 10 == 3:
            body = f"{year}2{(serial * 7) % 10_000_000:07d}"
            rows.append(("utility_model", f"CN{body}.{cn_application_check_digit(body)}", "CN", "granted", filed,
                         filed + timedelta(days=200)))
        if 50 <= roll < 58:
            rows.append(("software_copyright", f"{year}SR{serial:07d}", "CN", "granted", filed,
                         filed + timedelta(days=60)))
        return rows

    def achievement(self, i: int) -> dict[str, Any]:
        from duijie.supply.services import price_band_for, stage_for_trl

        source = self.source.records[self.record(i)]
        org = self.org(i)
        variant = i // len(self.source.records)
        zh = source["lang"] == "zh-hans"
        qualifiers = ZH_QUALIFIERS if zh else EN_QUALIFIERS
        title = (source["title"] + qualifiers[variant % len(qualifiers)])[:300]
        keywords = list(source["keywords"])
        # One keyword borrowed from another record of the same language: varied, still real vocabulary.
        # (A few variants per record only, so that the normalised search texts can be memoised.)
        same = self.source.zh if zh else self.source.en
        other = self.source.records[same[(self.record(i) + 1 + variant % 5 * 11) % len(same)]]["keywords"]
        if other and variant % 3 and other[0] not in keywords:
            keywords.append(other[0])
        status = self.status(i)
        public = status in ("published", "in_negotiation", "transferred")
        published_at = EPOCH - timedelta(seconds=mix(i, 15) % SPREAD_SECONDS)
        created_at = published_at - timedelta(days=3 + mix(i, 16) % 60)
        trl = 1 + mix(i, 17) % 9
        currency = "GBP" if org["country"] == "GB" else "CNY"
        price_min = price_max = None
        price_type = "negotiable"
        if mix(i, 18) % 2:
            price_type = "range"
            steps = GBP_FROM if currency == "GBP" else CNY_FROM
            price_min = Decimal(steps[mix(i, 19) % len(steps)])
            price_max = price_min * (2, 3, 5)[mix(i, 20) % 3]
        ip = self.ip_assets(i)
        roll = mix(i, 21) % 18
        return {
            "_ip": ip,
            "status": status,
            "organisation_id": org["id"],
            "recommending_unit_id": None,
            "created_by_id": org["admin_id"],
            "external_id": f"bench-{i}",
            "language": source["lang"],
            "title": title,
            "summary": source["summary"],
            "description": source["description"],
            "keywords": json.dumps(keywords, ensure_ascii=False),
            "trl": trl,
            "stage": stage_for_trl(trl),
            "attribute": "secondary" if roll == 0 else "introduced" if roll == 1 else "original",
            "price_type": price_type,
            "price_min": price_min,
            "price_max": price_max,
            "currency": currency,
            "price_band": price_band_for(price_type, price_min, currency),
            "financing_need": "",
            "team_members": "",
            "contact_name": org["admin_name"],
            "contact_phone": "",
            "contact_email": org["admin_email"],
            "video_url": "",
            "has_granted_patent": any(a[0] in ("invention_patent", "utility_model", "design") and a[3] == "granted"
                                      for a in ip),
            "search_text": self.source.search_text(title, source["summary"], keywords),
            # Skewed like real traffic: most items are seen a few times, a few very often.
            "view_count": int(3000 * (mix(i, 22) / MASK) ** 6) if public else 0,
            "published_at": published_at if public else None,
            "created_at": created_at,
            "updated_at": published_at if public else created_at,
        }


def _organisations(now: datetime) -> list[dict[str, Any]]:
    """~50 institutions (40 Chinese, 6 British, 4 Russian), each with an organisation admin.
    Few rows: the ORM's ``bulk_create``, still bypassing the services (no USCC, no invitations)."""
    from django.contrib.auth.hashers import make_password

    from duijie.accounts.models import Membership, Organisation, User
    from duijie.taxonomy.models import Region

    regions = dict(Region.objects.values_list("code", "pk"))
    specs: list[tuple[str, str, str, str, str]] = []  # name, name_en, kind, country, region code
    for city_zh, city_en, code in CN_CITIES:
        for kind_zh, kind_en, kind in CN_KINDS:
            specs.append((f"{city_zh}{kind_zh}", f"{city_en} {kind_en}", kind, "CN", code))
    specs += [(name, name, "university", "GB", code) for name, code in GB_ORGS]
    specs += [(name, name_en, "research_institute", "RU", code) for name, name_en, code in RU_ORGS]
    specs = specs[:ORG_COUNT]
    orgs = Organisation.objects.bulk_create([
        Organisation(name=name, name_en=name_en, kind=kind, country_id=regions[country], region_id=regions.get(code),
                     status="active", is_verified=True, description=f"{name_en} (benchmark fixture)")
        for name, name_en, kind, country, code in specs
    ], batch_size=BATCH)
    password = make_password(None)  # unusable: nobody signs in as these
    users = User.objects.bulk_create([
        User(email=f"admin{n}@bench.duijie.invalid", full_name=f"Bench admin {n}", password=password,
             email_verified_at=now)
        for n in range(len(orgs))
    ], batch_size=BATCH)
    if any(o.pk is None for o in orgs) or any(u.pk is None for u in users):  # a backend without RETURNING
        orgs = list(Organisation.objects.filter(name__in=[s[0] for s in specs]).order_by("pk"))
        users = list(User.objects.filter(email__endswith="@bench.duijie.invalid").order_by("pk"))
    Membership.objects.bulk_create([Membership(user=u, organisation=o, role="admin") for o, u in zip(orgs, users, strict=True)])
    return [
        {"id": o.pk, "country": spec[3], "admin_id": u.pk, "admin_name": u.full_name, "admin_email": u.email}
        for o, u, spec in zip(orgs, users, specs, strict=True)
    ]


def fill(n: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Insert ``n`` achievements with fields, cooperation modes and IP assets; ANALYZE; return figures."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from duijie.supply.models import Achievement, AchievementSearch, IPAsset
    from duijie.supply.services import hall_changed
    from duijie.taxonomy.models import CooperationMode, TechField

    started = time.perf_counter()
    fields = dict(TechField.objects.filter(is_active=True).values_list("code", "pk"))
    modes = list(CooperationMode.objects.filter(is_active=True).order_by("sort_order", "pk").values_list("pk", flat=True))
    source = Source(set(fields))
    sqlite = connection.vendor == "sqlite"
    adapt_dt = connection.ops.adapt_datetimefield_value if sqlite else (lambda v: v)
    adapt_date = connection.ops.adapt_datefield_value if sqlite else (lambda v: v)

    with transaction.atomic():
        orgs = _organisations(EPOCH)
        plan = Plan(source, orgs, modes, fields)
        first_id = (Achievement.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        ids = range(first_id, first_id + n)

        concrete = [f for f in Achievement._meta.concrete_fields if f.attname != "id"]
        attnames = [f.attname for f in concrete]
        columns = ["id", *(str(f.column) for f in concrete)]
        date_columns = {"published_at", "created_at", "updated_at"}
        public_ids: list[int] = []
        top_counts: Counter[str] = Counter()
        field_rows: list[tuple[int, int]] = []
        mode_rows: list[tuple[int, int]] = []
        ip_rows: list[tuple[Any, ...]] = []
        search_rows: list[tuple[int, str]] = []

        def achievement_rows() -> Iterator[tuple[Any, ...]]:
            # The relations are collected on the way, so every choice is made once.
            for i, pk in enumerate(ids):
                row = plan.achievement(i)
                field_ids = plan.field_ids(i)
                field_rows.extend((pk, f) for f in field_ids)
                mode_rows.extend((pk, m) for m in plan.mode_ids(i))
                ip_rows.extend(
                    (pk, kind, "", number, juris, status, adapt_date(filed), adapt_date(granted) if granted else None)
                    for kind, number, juris, status, filed, granted in row.pop("_ip")
                )
                if row["published_at"] is not None:
                    public_ids.append(pk)
                    search_rows.append((pk, source.tokens(row["search_text"])))
                    top_counts.update({top_of[f] for f in field_ids})
                yield (pk, *(adapt_dt(row[a]) if a in date_columns and row[a] is not None else row[a]
                             for a in attnames))
                if (i + 1) % 20_000 == 0:
                    log(f"  {i + 1:,} achievements ...")

        top_of = {pk: code.split(".", 1)[0] for code, pk in fields.items()}
        t0 = time.perf_counter()
        written = insert_rows(Achievement._meta.db_table, columns, achievement_rows())
        achievements_seconds = time.perf_counter() - t0
        insert_rows(Achievement.fields.through._meta.db_table, ["achievement_id", "techfield_id"], field_rows)
        insert_rows(Achievement.cooperation_modes.through._meta.db_table, ["achievement_id", "cooperationmode_id"],
                    mode_rows)
        insert_rows(
            IPAsset._meta.db_table,
            ["achievement_id", "ip_type", "title", "number", "jurisdiction", "status", "filing_date", "grant_date"],
            ip_rows,
        )
        # The keyword index (its FTS5 table or tsvector column follows by trigger or generation).
        insert_rows(AchievementSearch._meta.db_table, ["achievement_id", "tokens"], search_rows)
        if not sqlite:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Achievement, IPAsset]):
                    cursor.execute(sql)
        hall_changed([])  # a hall revision, as after any change: the server processes index what is there
    fill_seconds = time.perf_counter() - started

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        # What a database that has lived a while has: planner statistics (and, on PostgreSQL,
        # the visibility map that index-only scans need).
        cursor.execute("VACUUM ANALYZE" if not sqlite else "ANALYZE")
    analyze_seconds = time.perf_counter() - t0
    modes_by_code = dict(CooperationMode.objects.values_list("code", "pk"))
    return {
        "achievements": written,
        "public": len(public_ids),
        "organisations": len(orgs),
        "field_rows": len(field_rows),
        "mode_rows": len(mode_rows),
        "ip_assets": len(ip_rows),
        "fill_seconds": round(fill_seconds, 2),
        "achievement_rows_seconds": round(achievements_seconds, 2),
        "analyze_seconds": round(analyze_seconds, 2),
        "top_fields": dict(top_counts.most_common()),
        "modes": sorted(modes_by_code),
        "public_ids_sample": _sample(public_ids, 2000),
        "keywords_zh": source.common_keywords("zh-hans", 60),
        "keywords_en": source.common_keywords("en", 60),
    }


def _sample(values: list[int], k: int) -> list[int]:
    import random

    rng = random.Random(20251201)
    return rng.sample(values, k) if len(values) > k else list(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--achievements", type=int, required=True)
    parser.add_argument("--out", required=True, help="where to write the figures (JSON)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duijie.settings")
    import django

    django.setup()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    figures = fill(args.achievements, log)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(figures, fh)


if __name__ == "__main__":
    main()
