"""The kernel's signals: how an area hears of what another area did without importing it.

Every receiver runs synchronously, in the sender's transaction (it gets the sender's session), so what it
writes commits or rolls back with the fact it reacts to. The composition root (``motcua_app``) connects
the receivers when it installs the areas; the kernel sends, and never knows who listens.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

usage_reported = _signals.signal(
    "usage-reported",
    doc="""Something billable happened in a tenant: a dossier received, an SMS sent, bytes stored.

    Sender: the tenant-bound ``Session`` of the transaction that did it. Keyword ``event``: a
    ``motcua_platform.usage.UsageReport``. The metering area records it in that same transaction, keyed on
    the event id, so a retried fact is never counted twice. A receiver raises ``InvalidInput`` for an event
    it cannot accept; the sender's transaction then rolls back.""",
)

tenant_seeding = _signals.signal(
    "tenant-seeding",
    doc="""A new tenant's schema is at head and is being seeded, inside the provisioning transaction.

    Sender: a ``Session`` bound to the new tenant's schema. Keyword ``tenant``: its directory row
    (``motcua_platform.directory.models.Tenant``). Each area adds the minimum the province needs to start
    (the root unit, the working calendar); the provisioning fails and nothing is kept if a receiver raises.""",
)

plugin_enabled = _signals.signal(
    "plugin-enabled",
    doc="""A plugin was enabled for a tenant.

    Sender: a ``Session`` bound to the tenant. Keyword ``plugin``: the ``motcua_platform.plugins.Plugin``.
    Receivers bring the tenant's own data up to the plugin (the procedure catalogue adds the plugin's
    procedures) and return a list of what they added, which the audit record keeps.""",
)

tenant_merging = _signals.signal(
    "tenant-merging",
    doc="""A province is being merged into another (the 2025 reform; ``motcua_tenants.merges.control``).

    Sender: the control ``Session`` of the transaction that records the merge. Keywords ``source`` and
    ``target``: their directory rows (``motcua_platform.directory.models.Tenant``), both locked; ``on``: the
    first day (a ``datetime.date``) the source's province belongs to the target; ``actor``: who merges
    (``motcua_platform.audit.services.Actor``). Billing ends the source's contracts the day before and audits
    it. A receiver raises a ``ServiceError`` to refuse the merge; nothing of it is then written.""",
)

tenant_merge_planned = _signals.signal(
    "tenant-merge-planned",
    doc="""A merge of one tenant into another is being planned (``motcua tenants merge``, dry run or not).

    Sender: the ``Connection`` of the plan's transaction (both schemas are on its server; it must not write).
    Keywords: ``source_schema``, ``target_schema``, ``source_root`` and ``target_root`` (the root units' ids).
    Receivers return a list of the conflicts their area's rules find, each a dict with ``kind``, ``source``,
    ``target``, ``outcome`` and ``blocking``; a blocking one refuses the merge.""",
)

tenant_merged_in = _signals.signal(
    "tenant-merged-in",
    doc="""Another tenant's rows were copied into this one, inside the merge's transaction.

    Sender: a ``Session`` bound to the target tenant's schema. Keyword ``source``: the merged tenant's slug.
    Receivers rebuild what their area derives from the rows (the statistics' kept periods); the merge rolls
    back if one raises.""",
)
