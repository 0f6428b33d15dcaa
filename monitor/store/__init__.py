"""The database: one engine (SQLite by default, PostgreSQL via ``postgresql+psycopg://``), its
migrations, and the repository functions of the poll pipeline, the deliverer and the commands.
SQL errors become StoreError in ``database``; the functions take a connection and never commit.

- ``database``: the engine, migrations, transactions, dialect-specific statements
- ``bulk``: many rows in one INSERT, their values converted without SQLAlchemy's per-value processing
- ``sources``: leases and poll outcomes of sources, page validators
- ``items``: items, listings, events and classifications, read and written in batches
- ``reads``: what commands and digests list
- ``source_states``: each source's state and problem, as operators read it
- ``versions``: items' content versions as fetched, kept for the dashboard
- ``robots``: each origin's robots.txt as last read, kept across processes
"""

from monitor.store.database import Store, insert_for, prepared
from monitor.store.items import (
    KnownItem,
    StoredContent,
    detail_failures,
    detail_retries,
    insert_items,
    item_ids,
    known_items,
    save_attachments,
    save_classifications,
    save_events,
    save_listings,
    stored_content,
    update_items,
)
from monitor.store.reads import events_between, list_items
from monitor.store.sources import (
    ClaimedSource,
    claim_sources,
    finish_failure,
    finish_sources,
    give_back_sources,
    release_sources,
    save_fetch_states,
    source_row,
    source_rows,
    sync_sources,
)
from monitor.store.versions import ItemVersion, current_versions, first_versions, save_versions

__all__ = [
    "ClaimedSource", "ItemVersion", "KnownItem", "Store", "save_attachments", "StoredContent", "claim_sources", "current_versions", "detail_failures", "first_versions",
    "detail_retries",
    "events_between", "finish_failure", "finish_sources", "insert_for", "insert_items", "item_ids", "known_items",
    "list_items", "prepared", "give_back_sources", "release_sources", "save_classifications", "save_events", "save_fetch_states",
    "save_listings", "save_versions", "source_row", "source_rows", "stored_content", "sync_sources", "update_items",
]  # fmt: skip
