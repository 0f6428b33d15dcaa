"""The figure a count is reported as (shared by the readers of running text and of tables)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    what: str  # the noun phrase counted: 流出した顧客情報, CIOを任命している都道府県
    value: int
    unit: str  # the counter as written (人, 件, か所, 市町); 団体 for a table's bare counts
    approximate: bool  # 約, およそ, 余り, 超, 近く, 少なくとも, 最大, 延べ
    of: int | None = None  # the total the count is part of (47 prefectures, 1,741 municipalities)


# Totals a survey of local governments implies: every prefecture, every municipality (市区町村,
# counting Tokyo's 23 wards) as of 2024.
PREFECTURES = 47
MUNICIPALITIES = 1741
